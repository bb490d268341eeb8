"""The command's flags and exit codes: 0 plan, 1 error, 3 mandatory policy violation."""

from __future__ import annotations

import copy
import io
import json

from components.plan.cli import EXIT_ERROR, EXIT_OK, EXIT_POLICY, run
from tests.components.plan.projects import REPO, program_project, stack_file


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return run(list(args), out=out), out.getvalue()


def test_plan_prints_every_vm_with_its_sizes_nics_and_snapshot_policy():
    code, text = _run("--project-dir", str(REPO), "--stack", "prod")
    assert code == EXIT_OK
    for vm in stack_file("prod")["config"]["kvm-estate:vms"]:
        assert f"\nvm {vm['name']}\n" in text
        assert f"  domain {vm['name']}\n" in text
    assert "    memory                    8 GiB\n" in text
    assert " on prod-backend (virtio), ip 10.80.0.10 (reserved)" in text
    assert "snapshot policy" in text
    assert "Policy:" not in text  # only with --policy


def test_json_plan_is_the_recorded_registrations():
    code, text = _run("--project-dir", str(REPO), "--stack", "dev", "--format", "json")
    assert code == EXIT_OK
    data = json.loads(text)
    assert data["stack"] == "dev"
    domains = [r for r in data["resources"] if r["type"] == "pulumi-python:dynamic/kvm:Domain"]
    assert {d["name"] for d in domains} == {"web-1", "web-2"}
    assert all(d["provider"] == "components.providers.domain:DomainProvider" for d in domains)
    assert "xml" not in domains[0]


def test_xml_flag_adds_the_libvirt_definitions():
    code, text = _run("--project-dir", str(REPO), "--stack", "dev", "--xml")
    assert code == EXIT_OK
    assert (
        "    libvirt XML\n"
        "      <!-- domainType auto: kvm or qemu is chosen on the host at apply -->\n"
        '      <domain type="auto">\n'
        "        <name>dev-web-1</name>\n"
    ) in text
    assert "<!-- known after apply: backingPath" in text


def test_mandatory_violation_exits_3_and_is_listed(tmp_path):
    prod = copy.deepcopy(stack_file("dev"))  # dev's VMs have no snapshot policy
    project = program_project(tmp_path, {"prod": prod})
    code, text = _run("--project-dir", str(project), "--stack", "prod", "--policy")
    assert code == EXIT_POLICY
    assert "  mandatory  prod-vm-snapshot-policy  vm web-1: VM prod-web-1 in production" in text


def test_policy_config_file_feeds_the_rules(tmp_path):
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"vm-memory-within-host": {"hostMemoryMib": {"local": 1024}}}))
    code, text = _run(
        "--project-dir", str(REPO), "--stack", "dev", "--policy", "--policy-config", str(config)
    )
    assert code == EXIT_POLICY
    assert "vm-memory-within-host" in text and "more than host qemu:///system has" in text


def test_bad_config_is_an_error_naming_the_field(tmp_path, capsys):
    broken = copy.deepcopy(stack_file("dev"))
    broken["config"]["kvm-estate:vms"][0]["memory"] = "2GB?"
    project = program_project(tmp_path, {"dev": broken})
    code, text = _run("--project-dir", str(project), "--stack", "dev")
    assert code == EXIT_ERROR and text == ""
    assert "vms[0].memory: '2GB?' is not a size" in capsys.readouterr().err


def test_missing_project_is_an_error(tmp_path, capsys):
    code, _ = _run("--project-dir", str(tmp_path), "--stack", "dev")
    assert code == EXIT_ERROR
    assert "has no Pulumi.yaml" in capsys.readouterr().err
