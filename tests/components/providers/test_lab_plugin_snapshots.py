"""Snapshot metadata carried across a replace and across a migration survives the plugin
process: each deployment (each `pulumi up`) gets a fresh one, so what the old side hands to
the new side is kept on the host, and restored where it was when a step fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import libvirt
import pytest

from components.providers import migration
from components.providers.domain import DomainProvider
from components.providers.pool import StoragePoolProvider
from components.providers.snapshots.carried import stash_name, stashed_in_domain
from components.providers.snapshots.kinds import SnapshotOptions
from components.providers.snapshots.operations import take_snapshot
from components.providers.volume import VolumeProvider
from components.spec.snapshot import SnapshotTag
from tests.components.providers.lab_support import cleaned, connection
from tests.components.providers.plugin_client import PluginCallError, Props, plugin_process
from tests.components.providers.wire import domain_inputs, pool_inputs, volume_inputs
from tests.lab import LabHost, TinyGuest

MIB = 1024**2
LAB_MIGRATION = {"address": "127.0.0.1", "listenAddress": "127.0.0.1", "timeoutSeconds": 120}


def snapshot_names(host: LabHost, domain: str) -> list[str]:
    with connection(host) as conn:
        return sorted(s.getName() for s in conn.lookupByName(domain).listAllSnapshots(0))


def domain_names(host: LabHost) -> set[str]:
    with connection(host) as conn:
        return {d.name() for d in conn.listAllDomains(0)}


def pool_files(host: LabHost, pool: str) -> list[str]:
    with connection(host) as conn:
        return sorted(conn.storagePoolLookupByName(pool).listVolumes())


def snapshot(host: LabHost, domain: str, name: str) -> None:
    with connection(host) as conn:
        tag = SnapshotTag("declared", datetime.now(UTC))
        take_snapshot(conn.lookupByName(domain), name, tag, SnapshotOptions())


def vm_inputs(host: LabHost, guest: TinyGuest, name: str, pool: str, **extra: Any) -> Props:
    return domain_inputs(
        host.uri,
        name,
        kernel=str(guest.kernel),
        initrd=str(guest.initrd),
        cmdline=guest.cmdline(name, "poweroff"),
        disks=[{"pool": pool, "volume": f"{name}.qcow2", "target": "vda"}],
        migration=LAB_MIGRATION,
        **extra,
    )


def test_snapshots_survive_a_replace_a_failed_create_and_a_new_process(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    pool, name = f"{name_prefix}pool", f"{name_prefix}rep"
    domains = DomainProvider()
    with cleaned(lab_host, name_prefix):
        with plugin_process() as plugin:
            plugin.check_and_create(
                StoragePoolProvider(), pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool"))
            )
            plugin.check_and_create(
                VolumeProvider(),
                volume_inputs(lab_host.uri, pool, f"{name}.qcow2", capacityBytes=16 * MIB),
            )
            vm_id, outs = plugin.check_and_create(
                domains, vm_inputs(lab_host, tiny_guest, name, pool)
            )
            snapshot(lab_host, name, "golden")
            # The engine: diff says replace (delete first), then delete, then create.
            news, _ = plugin.check(
                domains, outs, vm_inputs(lab_host, tiny_guest, name, pool, machine="pc-i440fx-7.2")
            )
            diff = plugin.diff(domains, vm_id, outs, news)
            assert diff.replaces == ["machine"] and diff.delete_before_replace
            plugin.delete(domains, vm_id, outs)
            assert name not in domain_names(lab_host)
            # The create fails after the delete (here: its kernel is gone): the metadata
            # must still be on the host.
            broken = {**news, "running": True, "kernel": str(lab_scratch / "missing-kernel")}
            with pytest.raises(PluginCallError):
                plugin.create(domains, broken)
        assert name not in domain_names(lab_host), "the failed create left a domain behind"
        assert stash_name(name) in pool_files(lab_host, pool)

        with plugin_process() as plugin:  # the next `pulumi up`: a fresh process
            new_id, new_outs = plugin.create(domains, news)
            assert new_id != vm_id
            assert snapshot_names(lab_host, name) == ["golden"]
            assert stash_name(name) not in pool_files(lab_host, pool), "stash not dropped"
            plugin.delete(domains, new_id, {**new_outs, "deleteSnapshots": True})
        assert name not in domain_names(lab_host)


@pytest.fixture
def mover(
    lab_host_pair: tuple[LabHost, LabHost], tiny_guest: TinyGuest, name_prefix: str
) -> tuple[str, Props, Props]:
    """A stopped VM on host a with an internal snapshot `golden`; its pool and an empty
    volume of the same name exist on both hosts (each host's own directory). Returns the
    VM's id, outputs and the inputs that move it to host b."""
    a, b = lab_host_pair
    pool, name = f"{name_prefix}pool", f"{name_prefix}mover"
    path = f"/var/lib/libvirt/images/{name_prefix}pool"
    with plugin_process() as plugin:
        for host in (a, b):
            plugin.check_and_create(StoragePoolProvider(), pool_inputs(host.uri, pool, path))
            plugin.check_and_create(
                VolumeProvider(),
                volume_inputs(host.uri, pool, f"{name}.qcow2", capacityBytes=16 * MIB),
            )
        vm_id, outs = plugin.check_and_create(
            DomainProvider(), vm_inputs(a, tiny_guest, name, pool)
        )
        moved, _ = plugin.check(DomainProvider(), outs, vm_inputs(b, tiny_guest, name, pool))
    snapshot(a, name, "golden")
    return vm_id, outs, moved


def test_snapshots_survive_a_failed_and_then_a_finished_migration(
    lab_host_pair: tuple[LabHost, LabHost],
    tiny_guest: TinyGuest,
    name_prefix: str,
    mover: tuple[str, Props, Props],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = lab_host_pair
    name = f"{name_prefix}mover"
    vm_id, outs, moved = mover
    with cleaned(a, name_prefix), cleaned(b, name_prefix):
        # A non-libvirt error while copying the volumes: the VM and its snapshots stay on a.
        def broken_copy(*_args: object) -> None:
            raise OSError("disk full while copying")

        monkeypatch.setattr(migration, "_copy_volume", broken_copy)
        with pytest.raises(OSError, match="disk full"):
            DomainProvider().update(vm_id, outs, moved)
        monkeypatch.undo()
        assert snapshot_names(a, name) == ["golden"]
        with connection(a) as conn:
            assert stashed_in_domain(conn.lookupByName(name)) == [], "stash left on the source"
        assert name not in domain_names(b)

        with plugin_process() as plugin:  # the next `pulumi up`: a fresh process migrates
            after = plugin.update(DomainProvider(), vm_id, outs, moved)
            assert snapshot_names(b, name) == ["golden"]
            with connection(b) as conn:
                assert stashed_in_domain(conn.lookupByName(name)) == []
            assert name not in domain_names(a)
            assert "migrate" in plugin.stderr()
            plugin.delete(DomainProvider(), vm_id, {**after, "deleteSnapshots": True})
        assert name not in domain_names(b)


def test_a_stash_a_crashed_migration_left_is_restored_by_the_next_process(
    lab_host_pair: tuple[LabHost, LabHost],
    tiny_guest: TinyGuest,
    name_prefix: str,
    mover: tuple[str, Props, Props],
) -> None:
    """The process died after moving the metadata into the stash (here: done by hand): the
    next process's migration carries the stash along and restores it on host b."""
    a, b = lab_host_pair
    name = f"{name_prefix}mover"
    vm_id, outs, moved = mover
    with cleaned(a, name_prefix), cleaned(b, name_prefix):
        with connection(a) as conn:
            migration._take_snapshot_metadata(conn.lookupByName(name))
            assert conn.lookupByName(name).snapshotNum(0) == 0
        with plugin_process() as plugin:
            after = plugin.update(DomainProvider(), vm_id, outs, moved)
            assert snapshot_names(b, name) == ["golden"]
            plugin.delete(DomainProvider(), vm_id, {**after, "deleteSnapshots": True})
        with pytest.raises(libvirt.libvirtError):
            snapshot_names(a, name)
