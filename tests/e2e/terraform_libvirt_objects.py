"""Objects made on a lab host the way terraform-provider-libvirt 0.8.1 makes them.

The pulumi-libvirt program runs under mocks (tests/components/migrate/pulumi_libvirt_export.py)
and this backend plays the bridged provider: each resource becomes the libvirt object that
provider defines, with the same XML, and the ids and computed outputs it records. Sources
(dmacvicar/terraform-provider-libvirt v0.8.1, libvirt/):
- pool: `<pool type='dir'>` with target path; define, build, autostart, create
  (resource_libvirt_pool.go);
- volume: qcow2 by default, capacity in bytes, a clone has `<backingStore>` with the base's
  path and format; a `source` is uploaded into the volume (resource_libvirt_volume.go,
  volume_image.go); the id is the volume key;
- network: `<forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>`, a bridge
  with stp on and no name (libvirt picks virbrN), `<domain name>`, `<dns enable='yes'>` with
  hosts, the `.1` address with a DHCP range `.2` to `.254` (network.go,
  resource_libvirt_network.go);
- cloud-init disk: an ISO (user-data, meta-data, network-config) uploaded into a raw volume;
  id `<volume key>;<uuid>` (cloudinit_def.go);
- domain: newDomainDef's defaults (memory in MiB, static vCPU placement, pae/acpi/apic, an
  empty `<cpu/>`, spice graphics, the guest-agent channel, a virtio RNG on /dev/urandom), disks
  as `type='volume'` on virtio vda/vdb…, the cloud-init ISO as file CD-ROM `hdd` on IDE with
  serial `cloudinit`, NICs with upper-case MAC, `<source network>` and model virtio, a pty
  console on serial port 0, the host's default (canonical) machine type (domain_def.go,
  domain.go, resource_libvirt_domain.go).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import libvirt
from lxml import etree

from components.spec.seed_iso import build_seed_iso
from tests.components.migrate.pulumi_libvirt_export import Backend
from tests.lab.waiting import wait_until


def _refreshed(pool: libvirt.virStoragePool) -> bool:
    """Refresh the pool; False while libvirt still finishes the upload job."""
    try:
        pool.refresh(0)
    except libvirt.libvirtError as err:
        if "asynchronous jobs running" in str(err):
            return False
        raise
    return True


def _upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, data: bytes) -> None:
    stream = conn.newStream(0)
    vol.upload(stream, 0, len(data), 0)
    view = memoryview(data)
    offset = 0
    while offset < len(data):
        offset += stream.send(bytes(view[offset : offset + 1024 * 1024]))
    stream.finish()


@dataclass
class TerraformLibvirtHost(Backend):
    """Backend whose resources are real objects on one libvirt host."""

    conn: libvirt.virConnect | None = None
    made: list[tuple[str, str]] = field(default_factory=list)
    """(kind, name) of every object made, for cleanup."""

    def _conn(self) -> libvirt.virConnect:
        assert self.conn is not None
        return self.conn

    def pool(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        path = props["target"]["path"]
        xml = (
            f"<pool type='dir'><name>{props['name']}</name>"
            f"<target><path>{escape(path)}</path></target></pool>"
        )
        pool = self._conn().storagePoolDefineXML(xml, 0)
        pool.build(0)
        pool.setAutostart(1)
        pool.create(0)
        self.made.append(("pool", props["name"]))
        self.pool_paths[props["name"]] = path
        capacity, allocation, available = pool.info()[1:]
        outputs = {**props, "capacity": capacity, "allocation": allocation, "available": available}
        return pool.UUIDString(), outputs

    def volume(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        pool = self._conn().storagePoolLookupByName(props["pool"])
        fmt = props.get("format", "qcow2")
        backing = ""
        if props.get("baseVolumeId"):
            base = self._conn().storageVolLookupByKey(props["baseVolumeId"])
            base_format = etree.fromstring(base.XMLDesc(0)).find("target/format").get("type")
            backing = (
                f"<backingStore><path>{base.path()}</path>"
                f"<format type='{base_format}'/></backingStore>"
            )
            size = props.get("size") or base.info()[1]
        elif props.get("source"):
            size = Path(props["source"]).stat().st_size
        else:
            size = props["size"]
        xml = (
            f"<volume><name>{props['name']}</name><capacity unit='bytes'>{size}</capacity>"
            f"<target><format type='{fmt}'/><permissions><mode>644</mode></permissions>"
            f"</target>{backing}</volume>"
        )
        vol = pool.createXML(xml, 0)
        if props.get("source"):
            _upload(self._conn(), vol, Path(props["source"]).read_bytes())
            wait_until(lambda: _refreshed(pool), 30, f"pool {props['pool']} to refresh")
            vol = pool.storageVolLookupByName(props["name"])
        return vol.key(), {"format": fmt, **props, "size": int(vol.info()[1])}

    def network(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        import ipaddress

        subnet = ipaddress.ip_network(props["addresses"][0])
        hosts = "".join(
            f"<host ip='{h['ip']}'><hostname>{h['hostname']}</hostname></host>"
            for h in props.get("dns", {}).get("hosts", [])
        )
        xml = (
            f"<network><name>{props['name']}</name>"
            "<forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>"
            "<bridge stp='on'/>"
            f"<domain name='{props['domain']}'/>"
            f"<dns enable='yes'>{hosts}</dns>"
            f"<ip address='{subnet.network_address + 1}' family='ipv4' prefix='{subnet.prefixlen}'>"
            f"<dhcp><range start='{subnet.network_address + 2}' end='{subnet[-2]}'/></dhcp></ip>"
            "</network>"
        )
        net = self._conn().networkDefineXML(xml)
        self.made.append(("network", props["name"]))
        net.create()
        net.setAutostart(int(bool(props.get("autostart"))))
        bridge = etree.fromstring(net.XMLDesc(0)).find("bridge").get("name")
        return net.UUIDString(), {**props, "bridge": bridge}

    def cloud_init_disk(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        data = build_seed_iso(  # the same NoCloud layout as the provider's genisoimage call
            props.get("userData", ""),
            props.get("metaData", f"instance-id: {props['name']}\n"),
            props.get("networkConfig"),
        )
        pool = self._conn().storagePoolLookupByName(props["pool"])
        xml = (
            f"<volume><name>{props['name']}</name><capacity unit='bytes'>{len(data)}</capacity>"
            "<target><format type='raw'/></target></volume>"
        )
        vol = pool.createXML(xml, 0)
        _upload(self._conn(), vol, data)
        return f"{vol.key()};{uuid.uuid4()}", dict(props)

    def domain(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        conn = self._conn()
        caps = etree.fromstring(conn.getCapabilities())
        machine = caps.find("guest[os_type='hvm']/arch[@name='x86_64']/machine[@canonical]")
        canonical = machine.get("canonical")
        disks = []
        for index, disk in enumerate(props.get("disks") or []):
            vol = conn.storageVolLookupByKey(disk["volumeId"])
            fmt = etree.fromstring(vol.XMLDesc(0)).find("target/format").get("type")
            disks.append(
                f"<disk type='volume' device='disk'><driver name='qemu' type='{fmt}'/>"
                f"<source pool='{vol.storagePoolLookupByVolume().name()}' volume='{vol.name()}'/>"
                f"<target dev='vd{'abcdefgh'[index]}' bus='virtio'/></disk>"
            )
        if props.get("cloudinit"):
            path = conn.storageVolLookupByKey(props["cloudinit"].split(";")[0]).path()
            disks.append(
                "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
                f"<source file='{path}'/><target dev='hdd' bus='ide'/>"
                "<serial>cloudinit</serial></disk>"
            )
        nics, nic_outputs = [], []
        for nic in props.get("networkInterfaces") or []:
            net = conn.networkLookupByUUIDString(nic["networkId"])
            mac = "52:54:00:" + ":".join(f"{b:02X}" for b in secrets.token_bytes(3))
            nics.append(
                f"<interface type='network'><mac address='{mac}'/>"
                f"<source network='{net.name()}'/><model type='virtio'/></interface>"
            )
            nic_outputs.append({**nic, "mac": mac, "networkName": net.name(), "addresses": []})
        kernel = "".join(
            f"<{tag}>{escape(str(props[key]))}</{tag}>"
            for key, tag in (("kernel", "kernel"), ("initrd", "initrd"))
            if props.get(key)
        )
        cmdline = " ".join(
            sorted(str(v) for entry in props.get("cmdlines") or [] for v in entry.values())
        )
        if cmdline:
            kernel += f"<cmdline>{escape(cmdline)}</cmdline>"
        xml = (
            f"<domain type='{props.get('type', 'kvm')}'><name>{props['name']}</name>"
            f"<memory unit='MiB'>{props.get('memory', 512)}</memory>"
            f"<vcpu placement='static'>{props.get('vcpu', 1)}</vcpu>"
            f"<os><type arch='x86_64' machine='{canonical}'>hvm</type>{kernel}</os>"
            "<features><pae/><acpi/><apic/></features><cpu></cpu>"
            "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
            + "".join(disks)
            + "".join(nics)
            + "<console type='pty'><target type='serial' port='0'/></console>"
            "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
            "<graphics type='spice' autoport='yes'><listen type='address'/></graphics>"
            "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
            "</devices></domain>"
        )
        dom = conn.defineXML(xml)
        self.made.append(("domain", props["name"]))
        dom.create()
        outputs = {
            "arch": "x86_64",
            "machine": canonical,
            "emulator": "/usr/bin/qemu-system-x86_64",
            "running": True,
            "autostart": False,
            "qemuAgent": False,
            **props,
            "networkInterfaces": nic_outputs,
        }
        return dom.UUIDString(), outputs


def remove_prefixed(conn: libvirt.virConnect, prefix: str) -> None:
    """Remove every domain, volume, pool and network named `prefix*` (test cleanup)."""
    for dom in conn.listAllDomains(0):
        if dom.name().startswith(prefix):
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(
                libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            )
    for pool in conn.listAllStoragePools(0):
        if not pool.name().startswith(prefix):
            continue
        if pool.isActive():
            pool.refresh(0)
            for vol in pool.listAllVolumes(0):
                vol.delete(0)
            pool.destroy()
        pool.undefine()
    for net in conn.listAllNetworks(0):
        if net.name().startswith(prefix):
            if net.isActive():
                net.destroy()
            net.undefine()
