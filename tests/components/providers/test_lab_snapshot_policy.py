"""Snapshot policies on a real libvirtd: the policy in domain metadata (next to, not over, the
owner), pre-change snapshots by the domain provider, deletes of VMs with snapshots, declared
Snapshot resources, and the runner (twice in one period; manual snapshots survive)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

from components.providers.base import ProviderError
from components.providers.domain import DomainProvider
from components.providers.snapshot import SnapshotProvider
from components.providers.snapshots.hosts import LibvirtSnapshotHost, policy_of, read_metadata
from components.providers.snapshots.kinds import SnapshotOptions
from components.providers.snapshots.operations import list_snapshots, take_snapshot
from components.snapshots.cli import main as cli
from components.snapshots.runner import Runner
from components.spec.ownership import OWNER_NS
from components.spec.snapshot import SnapshotSpec, SnapshotTag
from tests.components.providers.lab_support import cleaned, connection
from tests.components.providers.snapshot_lab import LabPool
from tests.components.providers.wire import Engine, domain_inputs
from tests.lab import LabHost, TinyGuest

POLICY = {"name": "hourly", "schedule": "hourly", "keepLast": 2, "beforeChange": True}


def vm_props(
    host: LabHost, guest: TinyGuest, name: str, pool: LabPool, stack: str, **extra: Any
) -> dict[str, Any]:
    volume = pool.volume(f"{name}-root.qcow2")
    props = domain_inputs(
        host.uri,
        name,
        kernel=str(guest.kernel),
        initrd=str(guest.initrd),
        cmdline=guest.cmdline(name, "poweroff"),
        disks=[{"pool": pool.name, "volume": volume, "target": "vda"}],
        ownership={"project": "kvmp-tests", "stack": stack, "name": name},
    )
    props.update(extra)
    return props


def snapshot_names(conn: libvirt.virConnect, domain: str) -> list[str]:
    return sorted(s.getName() for s in conn.lookupByName(domain).listAllSnapshots(0))


def test_policy_metadata_pre_change_snapshots_and_deletes(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}db"
    domains = Engine(DomainProvider())
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        props = vm_props(lab_host, tiny_guest, name, pool, "s", snapshotPolicy=POLICY)
        vm = domains.create(props)
        dom = conn.lookupByName(name)
        policy = policy_of(dom)
        assert policy is not None and (policy.schedule, policy.keep_last) == ("hourly", 2)
        assert read_metadata(dom, OWNER_NS) is not None

        # A policy change is a live metadata update that leaves the owner tag alone.
        props = {**props, "snapshotPolicy": {**POLICY, "keepLast": 5}}
        diff = domains.update(vm, props)
        assert [c for c in diff.replaces] == []
        assert policy_of(dom).keep_last == 5  # type: ignore[union-attr]
        assert read_metadata(dom, OWNER_NS) is not None, "setMetadata replaced the owner"
        assert domains.provider.diff(vm.id, domains.read(vm)[1], vm.inputs).changes is False

        # A restart-effect change under beforeChange: the snapshot holds the old definition.
        old_cmdline = props["cmdline"]
        props = {**props, "cmdline": tiny_guest.cmdline("changed", "poweroff")}
        domains.update(vm, props)
        (pre,) = list_snapshots(dom)
        assert pre.name.startswith("pre-change-") and pre.tag and pre.tag.kind == "pre-change"
        snapshot_xml = etree.fromstring(dom.snapshotLookupByName(pre.name).getXMLDesc(0).encode())
        assert snapshot_xml.findtext("domain/os/cmdline") == old_cmdline
        assert "guest.name=changed" in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)

        # Deleting a VM with snapshots is refused, and keeps everything.
        with pytest.raises(ProviderError, match=r"has snapshots .*deleteSnapshots: true"):
            domains.delete(vm)
        assert snapshot_names(conn, name) == [pre.name]
        domains.update(vm, {**props, "deleteSnapshots": True})
        domains.delete(vm)
        assert name not in [d.name() for d in conn.listAllDomains(0)]
        assert pool.files() == [f"{name}-root.qcow2"], "the disk stays (a resource of its own)"


def test_declared_snapshot_resource(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}app"
    domains, snapshots = Engine(DomainProvider()), Engine(SnapshotProvider())
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        vm = domains.create(vm_props(lab_host, tiny_guest, name, pool, "s", deleteSnapshots=True))
        declared = {"connectionUri": lab_host.uri, "domain": name, "name": "before-upgrade"}
        snap = snapshots.create(declared)
        assert snap.outputs["kind"] == "internal" and snap.outputs["memory"] is False
        assert snap.outputs["state"] == "shutoff"
        found_id, outputs = snapshots.read(snap)
        assert found_id == snap.id and outputs["creationTime"] == snap.outputs["creationTime"]
        tag = SnapshotSpec.from_xml(
            conn.lookupByName(name).snapshotLookupByName("before-upgrade").getXMLDesc(0)
        ).tag
        assert tag is not None and tag.kind == "declared" and not tag.prunable

        conn.lookupByName(name).snapshotCreateXML(
            "<domainsnapshot><name>by-hand</name></domainsnapshot>", 0
        )
        foreign = {**declared, "name": "by-hand"}
        with pytest.raises(ProviderError, match="was not taken by a Snapshot resource"):
            snapshots.provider.delete(f"{vm.id}/by-hand", {**snap.outputs, **foreign})

        snapshots.delete(snap)
        assert snapshots.read(snap)[0] is None
        assert snapshot_names(conn, name) == ["by-hand"], "only the declared one went"
        assert conn.lookupByName(name), "the VM stays"
        domains.delete(vm)


def test_runner_takes_what_is_due_once_and_prunes_only_policy_snapshots(
    lab_host: LabHost,
    tiny_guest: TinyGuest,
    name_prefix: str,
    lab_scratch: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack = f"run{name_prefix.rstrip('-')}"
    now = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    domains = Engine(DomainProvider())
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        names = [f"{name_prefix}a", f"{name_prefix}b", f"{name_prefix}free"]
        for vm in names:
            policy = {"snapshotPolicy": POLICY} if not vm.endswith("free") else {}
            domains.create(
                vm_props(lab_host, tiny_guest, vm, pool, stack, deleteSnapshots=True, **policy)
            )
        a = conn.lookupByName(names[0])
        a.snapshotCreateXML("<domainsnapshot><name>by-hand</name></domainsnapshot>", 0)
        for hours in (3, 2, 1):
            taken = now - timedelta(hours=hours)
            tag = SnapshotTag("scheduled", taken, "hourly")
            take_snapshot(a, f"hourly-{taken:%Y%m%d-%H%M}", tag, SnapshotOptions())
        free = conn.lookupByName(names[2])
        old = SnapshotTag("scheduled", now - timedelta(days=9), "hourly")
        take_snapshot(free, "hourly-old", old, SnapshotOptions())

        lines: list[str] = []
        host = LibvirtSnapshotHost(lab_host.uri, stack=stack)
        report = Runner([host], clock=lambda: now, tz=UTC, out=lines.append).run()
        assert report.exit_code == 0, report.failures
        assert sorted(c[1:] for c in report.created) == [
            (names[0], "hourly-20240501-1000"),
            (names[1], "hourly-20240501-1000"),
        ]
        assert sorted(d[2] for d in report.deleted) == [
            "hourly-20240501-0730",
            "hourly-20240501-0830",
        ]
        assert snapshot_names(conn, names[0]) == [
            "by-hand",  # manual: never pruned
            "hourly-20240501-0930",
            "hourly-20240501-1000",
        ]
        assert snapshot_names(conn, names[2]) == ["hourly-old"], "ungoverned VM untouched"

        again = Runner([host], clock=lambda: now + timedelta(minutes=20), tz=UTC, out=lines.append)
        second = again.run()
        assert (second.created, second.deleted, second.failures) == ([], [], [])
        assert snapshot_names(conn, names[0]) == [
            "by-hand",
            "hourly-20240501-0930",
            "hourly-20240501-1000",
        ]

        # The command line: list shows who made what; revert wants --yes.
        assert cli(["list", "--uri", lab_host.uri, names[0]]) == 0
        listing = capsys.readouterr().out
        assert "by-hand" in listing and "manual (never pruned)" in listing
        assert "scheduled (hourly)" in listing
        assert cli(["revert", "--uri", lab_host.uri, names[0], "hourly-20240501-0930"]) == 2
        assert "add --yes" in capsys.readouterr().err
        assert (
            cli(["revert", "--uri", lab_host.uri, names[0], "hourly-20240501-0930", "--yes"]) == 0
        )
        assert "reverted" in capsys.readouterr().out

        for vm in names:
            domains.provider.delete(
                conn.lookupByName(vm).UUIDString(),
                domains.checked({}, vm_props_for_delete(lab_host, vm, stack)),
            )
        assert not [d for d in conn.listAllDomains(0) if d.name().startswith(name_prefix)]


def vm_props_for_delete(host: LabHost, name: str, stack: str) -> dict[str, Any]:
    """What the engine passes to delete: the saved outputs (here: enough of them)."""
    return {
        **domain_inputs(host.uri, name),
        "ownership": {"project": "kvmp-tests", "stack": stack, "name": name},
        "deleteSnapshots": True,
    }


def test_external_snapshot_overlays_survive_updates_and_block_disk_changes(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}ext"
    policy = {"name": "guard", "beforeChange": True, "mode": "disk-only"}
    domains = Engine(DomainProvider())
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        props = vm_props(lab_host, tiny_guest, name, pool, "s", snapshotPolicy=policy)
        vm = domains.create(props)
        dom = conn.lookupByName(name)
        props = {**props, "cmdline": tiny_guest.cmdline("v2", "poweroff")}
        domains.update(vm, props)  # a restart-effect change: pre-change snapshot, external
        (pre,) = list_snapshots(dom)
        overlay = pre.spec.overlay_files()["vda"]
        assert pre.kind == "external" and overlay.startswith(str(pool.path))

        def disk_source() -> str | None:
            xml = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
            return xml.find("devices/disk/source").get("file")

        assert disk_source() == overlay
        props = {**props, "memoryMib": 192}  # no restart, but the definition is rewritten
        domains.update(vm, props)
        inactive = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
        assert inactive.findtext("currentMemory") == str(192 * 1024)
        assert disk_source() == overlay, "the update pointed the disk back past the overlay"
        assert len(list_snapshots(dom)) == 1
        assert domains.provider.diff(vm.id, domains.read(vm)[1], vm.inputs).changes is False

        props = {**props, "maxMemoryMib": 320}  # restart effect: a second pre-change snapshot
        domains.update(vm, props)
        (second,) = [s for s in list_snapshots(dom) if s.name != pre.name]
        assert second.name.startswith("pre-change-")
        assert disk_source() == second.spec.overlay_files()["vda"]

        other = pool.volume(f"{name_prefix}other.qcow2")
        disks = [{"pool": pool.name, "volume": other, "target": "vda"}]
        with pytest.raises(ProviderError, match="has external snapshots"):
            domains.update(vm, {**props, "disks": disks})
        assert disk_source() != str(pool.path / other)

        domains.update(vm, {**props, "deleteSnapshots": True})
        domains.delete(vm)
        assert pool.files() == sorted([f"{name}-root.qcow2", other]), "overlays merged back"


def test_a_replace_keeps_internal_snapshots(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}rep"
    domains = Engine(DomainProvider())
    with cleaned(lab_host, name_prefix), connection(lab_host) as conn:
        pool = LabPool.make(conn, name_prefix, lab_scratch)
        props = vm_props(lab_host, tiny_guest, name, pool, "s", snapshotPolicy=POLICY)
        vm = domains.create(props)
        old = conn.lookupByName(name)
        take_snapshot(old, "golden", SnapshotTag("declared", datetime.now(UTC)), SnapshotOptions())
        old_uuid = old.UUIDString()

        news = {**props, "machine": "pc-i440fx-7.2"}
        inputs, diff = domains.diff(vm, news)
        assert diff.replaces == ["machine"] and diff.delete_before_replace
        domains.provider.delete(vm.id, vm.outputs)  # the engine: delete first, then create
        created = domains.provider.create(inputs)
        new = conn.lookupByName(name)
        assert created.id == new.UUIDString() != old_uuid
        snaps = {s.name: s for s in list_snapshots(new)}
        assert "golden" in snaps
        (pre,) = [s for s in snaps.values() if s.name.startswith("pre-change-")]
        assert pre.tag is not None and pre.tag.kind == "pre-change"
        assert "machine='pc-i440fx-7.2'" in new.XMLDesc(0)

        vm.id, vm.outputs = str(created.id), {**(created.outs or {}), "deleteSnapshots": True}
        domains.delete(vm)
        assert name not in [d.name() for d in conn.listAllDomains(0)]
