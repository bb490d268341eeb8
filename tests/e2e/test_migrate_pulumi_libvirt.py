"""Taking over an estate pulumi-libvirt made, on a lab host, with no restart and no replace.

The typical pulumi-libvirt program runs under mocks while a backend makes its objects on the
lab host exactly as terraform-provider-libvirt 0.8 defines them (tests/e2e/
terraform_libvirt_objects.py), yielding a real `pulumi stack export`. The export is
converted and probed with the command, then the new stack is applied through the harness:
every object is adopted (creates only), the running VMs keep their UUIDs and domain IDs (not
restarted), a second `up` changes nothing, and a memory change is then applied in place.

The old estate is made once per module, before the test's own fixtures: its domains are
started by the old tool (with its `type='volume'` disks), not by this project, so checks of
what the project starts (the e2e confinement check) do not count those starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libvirt
import pytest
import yaml
from lxml import etree

from components.migrate.cli import main
from components.migrate.probe import probe_stack, stack_sections
from tests.components.migrate.pulumi_libvirt_export import (
    ProgramSettings,
    export_of,
    typical_program,
)
from tests.components.mocks import REPO
from tests.e2e.terraform_libvirt_objects import TerraformLibvirtHost, remove_prefixed
from tests.harness import Harness
from tests.lab.base_image import make_base_image
from tests.lab.guest import TinyGuest
from tests.lab.hosts import Lab, LabHost


@dataclass(frozen=True)
class OldEstate:
    conn: libvirt.virConnect
    export: Path
    scratch: Path
    prefix: str


@pytest.fixture(scope="module")
def old_estate(
    lab: Lab, lab_host: LabHost, tiny_guest: TinyGuest, session_prefix: str
) -> Iterator[OldEstate]:
    """The objects a pulumi-libvirt stack made on the lab host, and its export file."""
    name_prefix = f"{session_prefix}m14-"
    lab_scratch = lab.scratch_dir(name_prefix.rstrip("-"))
    settings = ProgramSettings(
        vms=2,
        uri=lab_host.uri,
        pool_path=str(lab_scratch / "pool"),
        image=str(make_base_image(lab_scratch / "base.qcow2", size_mib=32)),
        subnet="10.17.3.0/24",
        domain_type="qemu",
        kernel=str(tiny_guest.kernel),
        initrd=str(tiny_guest.initrd),
        cmdline=tiny_guest.cmdline("old", mode="loop"),
        prefix=name_prefix,
        wait_for_lease=False,
        root_size=64 * 1024**2,
        memory_mib=256,
    )
    conn = libvirt.open(lab_host.uri)
    try:
        export = export_of(typical_program(settings), backend=TerraformLibvirtHost(conn=conn))
        path = lab_scratch / "old.json"
        path.write_text(json.dumps(export, indent=2))
        yield OldEstate(conn, path, lab_scratch, name_prefix)
    finally:
        remove_prefixed(conn, name_prefix)
        conn.close()


def _domains(conn: libvirt.virConnect, prefix: str) -> dict[str, tuple[str, int, bool]]:
    return {
        d.name(): (d.UUIDString(), d.ID(), bool(d.isActive()))
        for d in conn.listAllDomains(0)
        if d.name().startswith(prefix)
    }


def _definitions(conn: libvirt.virConnect, prefix: str) -> dict[str, etree._Element]:
    return {
        d.name(): etree.fromstring(d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        for d in conn.listAllDomains(0)
        if d.name().startswith(prefix)
    }


def test_take_over_without_restart_then_change_memory_in_place(
    old_estate: OldEstate, capsys: pytest.CaptureFixture[str]
) -> None:
    conn, export = old_estate.conn, old_estate.export
    lab_scratch, name_prefix = old_estate.scratch, old_estate.prefix
    stack = f"{name_prefix}new"
    stack_file = lab_scratch / f"Pulumi.{stack}.yaml"
    before = _domains(conn, name_prefix)
    networks = {n.name(): n.UUIDString() for n in conn.listAllNetworks(0)}
    pools = {p.name(): p.UUIDString() for p in conn.listAllStoragePools(0)}
    assert len(before) == 2 and all(active for _, _, active in before.values())
    xml_before = _definitions(conn, name_prefix)

    code = main(
        ["from-pulumi-libvirt", str(export), "--stack", stack, "--out", str(stack_file), "--probe"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "restarts and replaces nothing" in out

    edited = yaml.safe_load(stack_file.read_text())
    templates = edited["config"]["kvm-estate:templates"]
    next(iter(templates.values())).update(machine="q35", nicModel="e1000")
    broken = lab_scratch / "edited.yaml"
    broken.write_text(yaml.safe_dump(edited))
    assert main(["probe", "--stack", stack, "--file", str(broken)]) == 2
    report = capsys.readouterr().out
    assert "would restart or replace something (exit 2)" in report
    assert "machine: 'pc-i440fx-7.2' → 'q35' (replace)" in report
    assert "interfaces: " in report and "(update + restart)" in report

    harness = Harness(
        REPO / "__main__.py",
        "kvm-estate",
        stack,
        lab_scratch / "state.json",
        config=stack_sections(stack_file),
    )
    first = harness.up()
    steps = {urn.rsplit("::", 1)[-1]: step for urn, step in first.steps.items()}
    assert set(steps.values()) == {"create"}, steps
    assert _domains(conn, name_prefix) == before, "same UUIDs and domain IDs: not restarted"
    assert {n.name(): n.UUIDString() for n in conn.listAllNetworks(0)} == networks
    assert {p.name(): p.UUIDString() for p in conn.listAllStoragePools(0)} == pools
    macs_before = {
        name: [m.get("address") for m in root.iterfind("devices/interface/mac")]
        for name, root in xml_before.items()
    }
    for name, root in _definitions(conn, name_prefix).items():
        assert [m.get("address") for m in root.iterfind("devices/interface/mac")] == macs_before[
            name
        ]
        assert root.find("devices/graphics").get("type") == "spice"
        assert root.find("devices/rng") is not None and root.find("os/loader") is None
        assert root.find("devices/disk[@device='cdrom']/target").get("dev") == "hdd"
        assert root.find("os/type").get("machine") == xml_before[name].find("os/type").get(
            "machine"
        )
    assert harness.up().changed() == {}, "a second up changes nothing"
    refreshed = harness.refresh()
    assert not refreshed.has_drift, refreshed.drift
    assert harness.up().changed() == {}, "nor an up after a refresh"
    assert not probe_stack(stack_file, stack).disruptive()

    vm = next(v for v in harness.config["vms"] if v["name"] == f"{name_prefix}web-0")
    vm["memory"] = "192MiB"
    result = harness.up()
    (domain_urn,) = [u for u in result.steps if u.endswith(f"kvm:Domain::{name_prefix}web-0")]
    assert result.step(domain_urn) == "update"
    assert _domains(conn, name_prefix) == before, "in place: same domain IDs"
    dom = conn.lookupByName(vm["libvirtName"])
    persistent = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    assert persistent.findtext("currentMemory") == str(192 * 1024)
    assert persistent.findtext("memory") == str(256 * 1024), "maximum kept: a balloon change"
    assert harness.state.outputs(domain_urn)["pendingRestart"] is False
