"""Many domains on one host at once through the real plugin process, as `pulumi up` and
`pulumi destroy` run them: their disks made at once, the VMs defined and started at once,
then the VMs and their disks deleted at once (each volume delete lists every domain's disks
while other domains are being undefined)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.providers.domain import DomainProvider
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.lab_support import cleaned, connection, volume_names
from tests.components.providers.parallel import failures, run_all
from tests.components.providers.plugin_client import Props, plugin_process
from tests.components.providers.wire import domain_inputs, pool_inputs, volume_inputs
from tests.lab import LabHost, TinyGuest

MIB = 1024**2
VMS = 12


def test_twelve_domains_created_started_and_deleted_at_once(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    names = [f"{name_prefix}vm{i:02}" for i in range(VMS)]
    volumes, domains = VolumeProvider(), DomainProvider()
    with cleaned(lab_host, name_prefix), plugin_process() as plugin:
        plugin.check_and_create(
            StoragePoolProvider(), pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool"))
        )
        disks = run_all(
            lambda n: plugin.check_and_create(
                volumes, volume_inputs(lab_host.uri, pool, f"{n}.qcow2", capacityBytes=16 * MIB)
            ),
            names,
        )
        assert failures(disks) == []

        def vm(name: str) -> Props:
            return domain_inputs(
                lab_host.uri,
                name,
                running=True,
                kernel=str(tiny_guest.kernel),
                initrd=str(tiny_guest.initrd),
                cmdline=tiny_guest.cmdline(name, "loop"),
                disks=[{"pool": pool, "volume": f"{name}.qcow2", "target": "vda"}],
                shutdownTimeoutSeconds=1,
            )

        created = run_all(lambda n: plugin.check_and_create(domains, vm(n)), names)
        assert failures(created) == []
        with connection(lab_host) as conn:
            running = {d.name() for d in conn.listAllDomains(0) if d.isActive()}
        assert running >= set(names)

        vms = [c.result for c in created if c.result is not None]
        assert failures(run_all(lambda r: plugin.delete(domains, *r), vms)) == []
        with connection(lab_host) as conn:
            assert not {d.name() for d in conn.listAllDomains(0)} & set(names)
        vols = [d.result for d in disks if d.result is not None]
        assert failures(run_all(lambda r: plugin.delete(volumes, *r), vols)) == []
        assert volume_names(lab_host, pool) == []


def test_volume_deletes_race_domain_deletes(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    """Unrelated volumes deleted while domains are undefined: each volume delete reads
    every domain's XML, and must skip the domains that vanish meanwhile."""
    pool = f"{name_prefix}pool"
    volumes, domains = VolumeProvider(), DomainProvider()
    with cleaned(lab_host, name_prefix), plugin_process() as plugin:
        plugin.check_and_create(
            StoragePoolProvider(), pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool"))
        )
        vms = run_all(
            lambda i: plugin.check_and_create(
                domains, domain_inputs(lab_host.uri, f"{name_prefix}d{i:02}")
            ),
            range(24),
        )
        vols = run_all(
            lambda i: plugin.check_and_create(
                volumes,
                volume_inputs(lab_host.uri, pool, f"{name_prefix}x{i:02}", capacityBytes=MIB),
            ),
            range(24),
        )
        assert failures(vms) == [] and failures(vols) == []
        mixed = [(domains, v.result) for v in vms] + [(volumes, v.result) for v in vols]
        mixed = [m for pair in zip(mixed[:24], mixed[24:], strict=True) for m in pair]
        deleted = run_all(lambda m: plugin.delete(m[0], *m[1]), mixed)
        assert failures(deleted) == []
        assert volume_names(lab_host, pool) == []


def test_six_stopped_vms_migrated_at_once(
    lab_host_pair: tuple[LabHost, LabHost], tiny_guest: TinyGuest, name_prefix: str
) -> None:
    """Offline migrations of six VMs between the same two hosts at once: each copies its
    volume into the destination pool (refreshing it) while the others do the same."""
    a, b = lab_host_pair
    pool = f"{name_prefix}pool"
    path = f"/var/lib/libvirt/images/{name_prefix}pool"
    names = [f"{name_prefix}m{i}" for i in range(6)]
    volumes, domains = VolumeProvider(), DomainProvider()
    migration = {"address": "127.0.0.1", "listenAddress": "127.0.0.1", "timeoutSeconds": 120}

    def vm(host: LabHost, name: str) -> Props:
        return domain_inputs(
            host.uri,
            name,
            kernel=str(tiny_guest.kernel),
            initrd=str(tiny_guest.initrd),
            cmdline=tiny_guest.cmdline(name, "poweroff"),
            disks=[{"pool": pool, "volume": f"{name}.qcow2", "target": "vda"}],
            migration=migration,
        )

    with cleaned(a, name_prefix), cleaned(b, name_prefix), plugin_process() as plugin:
        for host in (a, b):
            plugin.check_and_create(StoragePoolProvider(), pool_inputs(host.uri, pool, path))
        disks = run_all(
            lambda hn: plugin.check_and_create(
                volumes, volume_inputs(hn[0].uri, pool, f"{hn[1]}.qcow2", capacityBytes=16 * MIB)
            ),
            [(h, n) for h in (a, b) for n in names],
        )
        assert failures(disks) == []
        made = run_all(lambda n: plugin.check_and_create(domains, vm(a, n)), names)
        assert failures(made) == []

        def move(outcome: Any) -> Props:
            vm_id, outs = outcome.result
            news, _ = plugin.check(domains, outs, vm(b, outcome.item))
            return plugin.update(domains, vm_id, outs, news)

        moved = run_all(move, made)
        assert failures(moved) == []
        with connection(b) as conn:
            assert {d.name() for d in conn.listAllDomains(0)} >= set(names)
        with connection(a) as conn:
            assert not {d.name() for d in conn.listAllDomains(0)} & set(names)
        gone = run_all(lambda o: plugin.delete(domains, o.item.result[0], o.result), moved)
        assert failures(gone) == []
        assert failures(run_all(lambda d: plugin.delete(volumes, *d.result), disks)) == []
