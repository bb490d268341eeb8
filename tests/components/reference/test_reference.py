"""The README's Python reference is what the code generates, and says what the code does:
every argument of every component, every output it registers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.plan.sources import plan_in_process
from components.reference import catalog, markdown
from tests.components.plan.projects import REPO, inline_project

EVERY_COMPONENT = """
from components.networks.bridged import BridgedNetwork
from components.networks.existing import ExistingNetwork
from components.networks.isolated import IsolatedNetwork
from components.hosts.kvm_host import KvmHost
from components.networks.nat import NatNetwork
from components.networks.routed import RoutedNetwork
from components.snapshots.snapshot import Snapshot
from components.snapshots.policy import SnapshotPolicy
from components.hosts.storage_pool import StoragePool
from components.machines.virtual_machine import Nic
from components.machines.vm_template import VmTemplate

hv1 = KvmHost("hv1", uri="qemu:///system", domain_type="qemu")
pool = StoragePool("pool", [hv1], "/srv/pool")
nat = NatNetwork(
    "nat", [hv1], subnet="10.1.0.0/24", dns_hosts=[{"ip": "10.1.0.5", "hostnames": ["a"]}]
)
iso = IsolatedNetwork("iso", [hv1], subnet="10.2.0.0/24")
routed = RoutedNetwork("routed", [hv1], subnet="10.3.0.0/24")
lan = BridgedNetwork("lan", [hv1], bridge="br0")
default = ExistingNetwork("default", [hv1], "default")
policy = SnapshotPolicy("nightly", schedule="daily at 02:00", keep_last=3)
template = VmTemplate(
    "t", pool, image={"url": "https://example.invalid/i.qcow2"}, gen1_reason="old guest",
    generation="gen1", kernel="/boot/k", initrd="/boot/i", cmdline="console=ttyS0",
)
vm = template.instantiate(
    "vm", hv1, nics=[Nic(nat, ip="10.1.0.9"), Nic(lan)], snapshot_policy=policy, cmdline="quiet"
)
Snapshot("before", vm)
"""


def test_the_readme_reference_is_the_generated_one():
    readme = (REPO / "README.md").read_text()
    assert markdown.section_of(readme) == markdown.reference(), (
        "README's Python reference is out of date: python -m components.reference --write README.md"
    )


def test_check_mode_fails_on_a_stale_readme(tmp_path: Path):
    stale = tmp_path / "README.md"
    stale.write_text(f"x\n{markdown.START}\nold\n{markdown.END}\n")
    command = [sys.executable, "-m", "components.reference", "--check", str(stale)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "out of date" in result.stderr
    assert subprocess.run([*command[:3], "--write", str(stale)], check=False).returncode == 0
    assert subprocess.run(command, check=False).returncode == 0


def test_documented_outputs_are_the_registered_ones(tmp_path: Path):
    plan = plan_in_process(inline_project(tmp_path, EVERY_COMPONENT), "test")
    registered: dict[str, set[str]] = {}
    for resource in plan.top_level():
        registered.setdefault(resource.kind, set()).update(resource.outputs)
    for component in catalog.COMPONENTS:
        if component.cls.__name__ == "Nic":
            continue  # not a resource
        documented = set(component.outputs)
        assert registered[component.cls.__name__] <= documented, component.cls.__name__
        if component.cls.__name__ != "SnapshotPolicy":  # unset settings are not registered
            assert registered[component.cls.__name__] == documented, component.cls.__name__


def test_every_keyword_the_issue_had_to_guess_is_listed():
    text = markdown.reference()
    for row in (
        "`kernel` | `kernel`",
        "`dns_hosts` | `dnsHosts`",
        "`bridge` | `bridge`",
        "`gen1_reason` | `gen1Reason`",
        "`cmdline` | `cmdline`",
    ):
        assert row in text
    vm = text.split("#### `VirtualMachine(", 1)[1].split("####", 1)[0]
    assert "| `cmdline` | `cmdline` | str \\| None | `None` | update + restart |" in vm


def test_a_settings_field_without_an_effect_stops_the_generator(monkeypatch):
    effects = dict(catalog.EFFECTS)
    effects[catalog.HostConfig] = {
        k: v for k, v in effects[catalog.HostConfig].items() if k != "maintenance"
    }
    monkeypatch.setattr(catalog, "EFFECTS", effects)
    with pytest.raises(ValueError, match=r"KvmHostArgs.maintenance: no update effect"):
        markdown.reference()


def test_effects_come_from_the_providers_rules():
    rules = dict(catalog.DOMAIN_RULES)
    rules["maxMemoryMib"] = catalog.Effect.LIVE
    via = catalog.Via(rules, "maxMemoryMib")
    assert via.text() == "update live"
    assert catalog.Via(catalog.DOMAIN_RULES, "maxMemoryMib").text() == "update + restart"
