"""Domains on a real libvirtd (a lab host, TCG): boot, live changes, restarts, delete.

One long test walks a VM through its life, because every boot of the tiny guest costs
seconds; each step asserts what the engine would rely on (same UUID, same or new domain ID,
pendingRestart, what the guest printed on its serial console).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

from components.providers.base import ProviderError
from components.providers.domain import DomainProvider, live_owner
from components.providers.network import NetworkProvider
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.lab_support import (
    cleaned,
    connection,
    domain_id,
    subnet_for,
    volume_names,
)
from tests.components.providers.wire import (
    Engine,
    domain_inputs,
    network_inputs,
    pool_inputs,
    volume_inputs,
)
from tests.lab import (
    BOOT_MARKER,
    LabHost,
    TinyGuest,
    guest_read_value,
    make_base_image,
    serial_log_inside,
    wait_for_marker,
)

GIB = 1024**3
MIB = 1024**2
BOOT_TIMEOUT = 120.0


def boots(log: str, guest_name: str) -> int:
    """How many times the guest named `guest_name` printed its boot marker."""
    return len(re.findall(rf"^{BOOT_MARKER} {re.escape(guest_name)}\r?$", log, re.MULTILINE))


def tiny_domain(
    host: LabHost, guest: TinyGuest, name: str, guest_name: str, **overrides: Any
) -> dict[str, Any]:
    props = domain_inputs(
        host.uri,
        name,
        running=True,
        kernel=str(guest.kernel),
        initrd=str(guest.initrd),
        cmdline=guest.cmdline(guest_name, "loop", read="/dev/vda"),
        onReboot="destroy",  # a panicking guest ends instead of boot-looping
        serial={"logFile": serial_log_inside(name), "logAppend": True},
        restartPolicy="manual",
        shutdownTimeoutSeconds=1,  # busybox ignores ACPI: forced off after 1 s
    )
    props.update(overrides)
    return props


def inactive_xml(host: LabHost, uuid: str) -> etree._Element:
    with connection(host) as conn:
        dom = conn.lookupByUUIDString(uuid)
        return etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())


def is_active(host: LabHost, uuid: str) -> bool:
    with connection(host) as conn:
        return bool(conn.lookupByUUIDString(uuid).isActive())


def test_vm_lifecycle(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    host = lab_host
    pool, net = f"{name_prefix}pool", f"{name_prefix}net"
    base_vol, disk_vol = f"{name_prefix}base.qcow2", f"{name_prefix}vm.qcow2"
    name = f"{name_prefix}vm"
    log_path = host.serial_log_path(name)
    image = make_base_image(lab_scratch / "base.qcow2", size_mib=64, marker="FROM-THE-BASE")
    pools, volumes = Engine(StoragePoolProvider()), Engine(VolumeProvider())
    networks, domains = Engine(NetworkProvider()), Engine(DomainProvider())

    with cleaned(host, name_prefix):
        pool_res = pools.create(pool_inputs(host.uri, pool, str(lab_scratch / "pool")))
        base = volumes.create(volume_inputs(host.uri, pool, base_vol, source={"path": str(image)}))
        disk = volumes.create(
            volume_inputs(
                host.uri,
                pool,
                disk_vol,
                capacityBytes=64 * MIB,
                backingPath=base.outputs["path"],
                backingFormat="qcow2",
            )
        )
        net_res = networks.create(
            network_inputs(
                host.uri, net, subnet=subnet_for(name_prefix), bridgeName=f"{name_prefix}br"
            )
        )

        # ---- create: running, booted, sees the CoW disk, NIC on the network ----------------
        props = tiny_domain(
            host,
            tiny_guest,
            name,
            "first",
            disks=[{"pool": pool, "volume": disk_vol, "target": "vda"}],
            interfaces=[{"network": net}],
        )
        vm = domains.create(props)
        uuid = vm.id
        wait_for_marker(log_path, f"{BOOT_MARKER} first", BOOT_TIMEOUT)
        log = wait_for_marker(log_path, "GUEST-READ ", 60)  # printed after the boot marker
        assert guest_read_value(log) == "FROM-THE-BASE"  # the CoW disk shows the base's data
        assert is_active(host, uuid)
        first_id = domain_id(host, uuid)
        with connection(host) as conn:
            live = etree.fromstring(conn.lookupByUUIDString(uuid).XMLDesc(0).encode())
            assert live_owner(conn.lookupByUUIDString(uuid)) is not None
        assert live.get("type") == "qemu"
        assert live.find("devices/interface/source").get("network") == net
        # Written as its file, so the DAC driver and virt-aa-helper see it and its base.
        assert live.find("devices/disk").get("type") == "file"
        assert live.find("devices/disk/source").get("file") == disk.outputs["path"]
        assert vm.outputs["resolvedDomainType"] == "qemu"
        assert domains.read(vm)[0] == uuid
        assert domains.provider.diff(uuid, vm.outputs, vm.inputs).changes is False

        # ---- memory within the maximum and vCPUs: live, same VM, no restart ----------------
        props = {**props, "memoryMib": 192, "vcpus": 2}
        domains.update(vm, props)
        assert domain_id(host, uuid) == first_id, "the VM was restarted for a live change"
        assert vm.outputs["pendingRestart"] is False
        inactive = inactive_xml(host, uuid)
        assert inactive.findtext("currentMemory") == str(192 * 1024)  # KiB
        vcpu = inactive.find("vcpu")  # libvirt drops `current` when all vCPUs are online
        assert (vcpu.get("current") or vcpu.text) == "2"
        with connection(host) as conn:
            dom = conn.lookupByUUIDString(uuid)
            assert dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE) == 2
            assert dom.maxMemory() == 256 * 1024

        # ---- a change that needs a restart, restartPolicy manual: pending ------------------
        props = {**props, "cmdline": tiny_guest.cmdline("second", "loop", read="/dev/vda")}
        domains.update(vm, props)
        assert vm.outputs["pendingRestart"] is True
        assert domain_id(host, uuid) == first_id, "restartPolicy manual restarted the VM"
        assert "guest.name=second" in inactive_xml(host, uuid).findtext("os/cmdline")
        assert boots(host.read_serial_log(name), "second") == 0
        found_id, outs = domains.read(vm)
        assert found_id == uuid and outs["pendingRestart"] is True
        assert domains.provider.diff(uuid, vm.outputs, vm.inputs).changes is False

        # ---- restartPolicy auto: restarted once, the new command line in effect ------------
        props = {**props, "restartPolicy": "auto"}
        domains.update(vm, props)
        assert vm.outputs["pendingRestart"] is False
        assert is_active(host, uuid)
        second_id = domain_id(host, uuid)
        assert second_id != first_id, "the pending change was not applied by a restart"
        log = wait_for_marker(log_path, f"{BOOT_MARKER} second", BOOT_TIMEOUT)
        assert boots(log, "first") == 1
        assert boots(log, "second") == 1

        # ---- running: false stops it ------------------------------------------------------
        domains.update(vm, {**props, "running": False})
        assert not is_active(host, uuid)
        assert vm.outputs["pendingRestart"] is False
        assert domains.read(vm)[1]["running"] is False

        # ---- delete: the domain goes with its console log, its disks stay ------------------
        assert log_path.exists()
        domains.delete(vm)
        with connection(host) as conn:
            assert name not in [d.name() for d in conn.listAllDomains(0)]
        assert not log_path.exists(), "the console log went with the VM"
        assert domains.read(vm)[0] is None
        assert volume_names(host, pool) == sorted([base_vol, disk_vol])
        assert os.path.exists(disk.outputs["path"])

        # The rest, in the engine's reverse dependency order.
        networks.delete(net_res)
        volumes.delete(disk)
        volumes.delete(base)
        pools.delete(pool_res)
        with connection(host) as conn:
            assert not [n for n in conn.listAllNetworks(0) if n.name().startswith(name_prefix)]
            assert not [p for p in conn.listAllStoragePools(0) if p.name() == pool]


def test_failed_start_leaves_no_domain(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    name = f"{name_prefix}broken"
    props = tiny_domain(lab_host, tiny_guest, name, "broken", kernel="/nonexistent/vmlinuz")
    with cleaned(lab_host, name_prefix):
        with pytest.raises(ProviderError, match=r"creating domain .*/nonexistent/vmlinuz"):
            Engine(DomainProvider()).create(props)
        with connection(lab_host) as conn:
            assert name not in [d.name() for d in conn.listAllDomains(0)]


def test_foreign_domain_is_not_deleted(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    name = f"{name_prefix}pet"
    with cleaned(lab_host, name_prefix):
        with connection(lab_host) as conn:
            theirs = conn.defineXML(tiny_guest.domain_xml(name, tiny_guest.cmdline(name)))
            uuid = theirs.UUIDString()
        props = DomainProvider().check({}, tiny_domain(lab_host, tiny_guest, name, name)).inputs
        with pytest.raises(ProviderError, match="carries no kvm-pulumi ownership tag"):
            DomainProvider().delete(uuid, props)
        with connection(lab_host) as conn:
            assert conn.lookupByName(name).UUIDString() == uuid


def _pci_slots(host: LabHost, uuid: str) -> dict[str, str]:
    """Disk target / NIC MAC / device kind → the PCI slot libvirt gave it."""
    slots = {}
    for device in inactive_xml(host, uuid).iterfind("devices/*"):
        address = device.find("address[@type='pci']")
        if address is None:
            continue
        target, mac = device.find("target"), device.find("mac")
        key = (
            target.get("dev")
            if target is not None and target.get("dev")
            else mac.get("address")
            if mac is not None
            else f"{device.tag}:{device.get('type') or device.get('model')}:{device.get('index')}"
        )
        slots[key] = f"{address.get('bus')}:{address.get('slot')}.{address.get('function')}"
    return slots


def test_redefine_keeps_every_devices_pci_address(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    """A restart-needing change and a NIC added: libvirt must not renumber the devices (a
    guest's NIC names follow their PCI slots)."""
    host, pool, net = lab_host, f"{name_prefix}pool", f"{name_prefix}net"
    pools, volumes = Engine(StoragePoolProvider()), Engine(VolumeProvider())
    networks, domains = Engine(NetworkProvider()), Engine(DomainProvider())
    with cleaned(host, name_prefix):
        pool_res = pools.create(pool_inputs(host.uri, pool, str(lab_scratch / "pool")))
        vols = [
            volumes.create(
                volume_inputs(host.uri, pool, f"{name_prefix}{n}.qcow2", capacityBytes=MIB)
            )
            for n in ("a", "b")
        ]
        net_res = networks.create(
            network_inputs(
                host.uri, net, subnet=subnet_for(name_prefix), bridgeName=f"{name_prefix}br"
            )
        )
        first_nic = {"network": net, "mac": "52:54:00:00:11:01"}
        props = tiny_domain(
            host,
            tiny_guest,
            f"{name_prefix}vm",
            "pci",
            running=False,
            disks=[
                {"pool": pool, "volume": f"{name_prefix}{n}.qcow2", "target": t}
                for n, t in (("a", "vda"), ("b", "vdb"))
            ],
            interfaces=[first_nic],
        )
        vm = domains.create(props)
        before = _pci_slots(host, vm.id)
        assert {"vda", "vdb", "52:54:00:00:11:01"} <= before.keys()

        second_nic = {"network": net, "mac": "52:54:00:00:11:02"}
        props = {**props, "maxMemoryMib": 384, "interfaces": [first_nic, second_nic]}
        domains.update(vm, props)
        after = _pci_slots(host, vm.id)
        assert inactive_xml(host, vm.id).findtext("memory") == str(384 * 1024)
        assert {key: after.get(key) for key in before} == before
        assert "52:54:00:00:11:02" in after and after["52:54:00:00:11:02"] not in before.values()

        domains.delete(vm)
        networks.delete(net_res)
        for vol in vols:
            volumes.delete(vol)
        pools.delete(pool_res)
