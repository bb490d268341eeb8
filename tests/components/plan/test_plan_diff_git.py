"""`--diff REV` in a temporary git repository with real commits of a change each.

The repository holds a copy of this program (its own `components`, so both sides run in
child processes from their own trees): a memory change is an "update live", a generation
change a "replace" of the VM, a subnet change a "replace" of the network that re-attaches
its VMs; an unchanged tree exits 0 and the temporary worktree is gone afterwards.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from components.plan.cli import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, run
from tests.components.plan.projects import REPO, stack_file


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _commit(repo: Path, stack: dict, message: str) -> str:
    (repo / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


def _diff(repo: Path, revision: str, *flags: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(["--project-dir", str(repo), "--stack", "dev", "--diff", revision, *flags], out=out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A repo with four commits: base, memory, generation, subnet (each on the previous)."""
    repo = tmp_path_factory.mktemp("estate-repo")
    shutil.copytree(
        REPO / "components", repo / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, repo / name)
    (repo / "stacks").mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "plan-test@example.invalid")
    _git(repo, "config", "user.name", "plan test")
    stack = copy.deepcopy(stack_file("dev"))
    config = stack["config"]
    template = config["kvm-estate:templates"]["debian"]
    template.update(memory="512MiB", maxMemory="2GiB", generation="gen2")
    template.pop("machine", None)
    web1 = next(vm for vm in config["kvm-estate:vms"] if vm["name"] == "web-1")
    web1.pop("memory", None)
    lan = config["kvm-estate:networks"]["lan"]
    lan.update(subnet="10.70.0.0/24", dhcp={"start": "10.70.0.100", "end": "10.70.0.199"})
    commits = {"base": _commit(repo, stack, "base")}
    web1["memory"] = "1GiB"
    commits["memory"] = _commit(repo, stack, "web-1: 1 GiB")
    template["generation"] = "gen1"
    template["gen1Reason"] = "the test needs a gen1 VM"
    commits["generation"] = _commit(repo, stack, "debian: gen1")
    lan.update(subnet="10.72.0.0/24", dhcp={"start": "10.72.0.100", "end": "10.72.0.199"})
    commits["subnet"] = _commit(repo, stack, "lan: 10.72.0.0/24")
    return repo, commits


def _at(repo: Path, commit: str) -> None:
    _git(repo, "checkout", "-q", commit)


def test_memory_change_is_an_update_live(history):
    repo, commits = history
    _at(repo, commits["memory"])
    code, text = _diff(repo, commits["base"])
    assert code == EXIT_CHANGES
    assert "~ vm web-1 (update live)\n    memory: 512 MiB → 1 GiB (update live)\n" in text
    assert text.count("\n~ ") + text.count("\n+") + text.count("\n- ") == 1, text
    assert "1 object(s) change: 1 update live" in text


def test_generation_change_replaces_the_vms(history):
    repo, commits = history
    _at(repo, commits["generation"])
    code, text = _diff(repo, commits["memory"])
    assert code == EXIT_CHANGES
    assert "+- vm web-1 (replace)" in text and "+- vm web-2 (replace)" in text
    assert "machine: q35 → pc (replace)" in text


def test_subnet_change_replaces_the_network_and_reattaches_its_vms(history):
    repo, commits = history
    _at(repo, commits["subnet"])
    code, text = _diff(repo, commits["generation"])
    assert code == EXIT_CHANGES
    assert "+- network lan@local (replace)" in text
    assert "addresses[0].address: 10.70.0.1 → 10.72.0.1 (replace)" in text
    assert "    re-attached: vm web-1, vm web-2\n" in text


def test_json_diff_carries_actions_fields_and_reattached_vms(history):
    repo, commits = history
    _at(repo, commits["subnet"])
    code, text = _diff(repo, commits["generation"], "--format", "json")
    assert code == EXIT_CHANGES
    data = json.loads(text)
    network = next(c for c in data["changes"] if c["object"] == "network lan@local")
    assert network["action"] == "replace"
    assert network["reattached"] == ["vm web-1", "vm web-2"]
    address = next(f for f in network["fields"] if f["field"] == "addresses[0].address")
    assert (address["old"], address["new"], address["effect"]) == (
        "10.70.0.1",
        "10.72.0.1",
        "replace",
    )
    assert data["changed"] is True


def test_no_change_exits_zero_and_leaves_no_worktree(history):
    repo, commits = history
    _at(repo, commits["subnet"])
    code, text = _diff(repo, "HEAD")
    assert code == EXIT_OK
    assert text.endswith("No changes.\n")
    assert len(_git(repo, "worktree", "list").splitlines()) == 1


def test_unknown_revision_is_an_error(history, capsys):
    repo, _ = history
    code, _text = _diff(repo, "no-such-revision")
    assert code == EXIT_ERROR
    assert "no-such-revision" in capsys.readouterr().err


def test_a_stack_new_in_the_working_tree_is_all_creates(history):
    repo, commits = history
    _at(repo, commits["subnet"])
    staging = repo / "stacks" / "Pulumi.staging.yaml"
    staging.write_text((repo / "stacks" / "Pulumi.dev.yaml").read_text())
    try:
        out = io.StringIO()
        args = ["--project-dir", str(repo), "--stack", "staging", "--diff", commits["base"]]
        code = run([*args, "--format", "json"], out=out)
    finally:
        staging.unlink()
    assert code == EXIT_CHANGES
    data = json.loads(out.getvalue())
    assert data["from"].endswith("(no such stack)")
    assert {c["action"] for c in data["changes"]} == {"create"}
    assert "vm web-1" in {c["object"] for c in data["changes"]}


def test_diff_with_policy_appends_the_verdict_of_the_working_tree(history):
    repo, commits = history
    _at(repo, commits["subnet"])
    code, text = _diff(repo, commits["generation"], "--policy")
    assert code == EXIT_CHANGES
    assert "\nPolicy: 0 mandatory, " in text
