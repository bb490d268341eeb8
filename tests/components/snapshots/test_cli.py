"""`python -m components.snapshots`: hosts from a stack file, usage errors, exit codes
(libvirt's test driver and an unreachable socket stand in for hosts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.snapshots.cli import main, stack_target
from tests.components.mocks import REPO

UNREACHABLE = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"


def test_stack_gives_host_uris_stack_and_project():
    target = stack_target("prod", REPO)
    assert target.uris == (
        "qemu+ssh://admin@hv1.example.internal/system",
        "qemu+ssh://admin@hv2.example.internal/system",
    )
    assert (target.stack, target.project) == ("prod", "kvm-estate")


def test_stack_hosts_are_reached_with_their_ssh_options(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text("name: kvm-estate\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text(
        "config:\n  kvm-estate:hosts:\n    hv1:\n      uri: qemu+ssh://hv1/system\n"
        "      ssh: {user: admin, keyFile: /srv/keys/hv1}\n"
    )
    target = stack_target("prod", tmp_path)
    assert target.uris == ("qemu+ssh://admin@hv1/system?keyfile=/srv/keys/hv1",)


def test_unknown_stack_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    assert main(["run", "--stack", "nope", "--project-dir", str(REPO)]) == 2
    assert "stacks/Pulumi.nope.yaml not found" in capsys.readouterr().err
    assert main(["list", "--stack", "prod", "--project-dir", str(tmp_path)]) == 2


def test_a_run_with_nothing_governed_succeeds(capsys: pytest.CaptureFixture[str]):
    assert main(["run", "--uri", "test:///default", "--dry-run"]) == 0
    assert "0 governed VMs on 1 hosts" in capsys.readouterr().out


def test_an_unreachable_host_fails_the_run_but_not_the_others(capsys: pytest.CaptureFixture[str]):
    assert main(["run", "--uri", UNREACHABLE, "--uri", "test:///default"]) == 1
    captured = capsys.readouterr()
    assert f"FAILED {UNREACHABLE}: cannot list the governed VMs" in captured.err
    assert "0 governed VMs on 2 hosts" in captured.out


def test_delete_needs_one_snapshot_or_all(capsys: pytest.CaptureFixture[str]):
    assert main(["delete", "--uri", "test:///default", "test"]) == 2
    assert "name one snapshot, or --all" in capsys.readouterr().err
    assert main(["revert", "--uri", "test:///default", "nosuchvm", "s", "--yes"]) == 2
    assert "no VM named 'nosuchvm'" in capsys.readouterr().err


def test_revert_on_an_unreachable_host_fails_cleanly(capsys: pytest.CaptureFixture[str]):
    assert main(["revert", "--uri", UNREACHABLE, "vm", "s", "--yes"]) == 1
    assert "FAILED cannot connect to libvirt" in capsys.readouterr().err
