"""pulumi-libvirt domains and their volumes → `vms` and `templates` entries.

A VM is pinned as the old provider made it: a `generation: custom` template per base volume
and machine profile (machine, firmware, disk bus, NIC model, RNG, console, graphics), its
MACs, sizes, data disks, and its cloud-init ISO as the existing CD-ROM it is.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from components.migrate.export import Resource, has_secret
from components.migrate.findings import KEPT_AS_IS
from components.migrate.pulumi_libvirt.context import (
    CLOUD_INIT,
    TF_DEFAULT_MEMORY_MIB,
    VOLUME,
    Context,
    config_key,
    subject_of,
    volume_path,
)
from components.migrate.pulumi_libvirt.pools import pool_key
from components.spec.domain import is_i440fx
from components.spec.sizes import MIB, format_size

_DIRECT_NIC_KEYS = ("bridge", "macvtap", "vepa", "passthrough")


def convert_vm(ctx: Context, domain: Resource) -> dict[str, Any] | None:
    """One `vms` entry for a domain, or None (with a finding) when it cannot be described."""
    host = ctx.hosts.of(domain)
    label = subject_of(domain)
    volumes = ctx.export.by_id(VOLUME)
    disks = list(domain.get("disks") or [])
    nics = _nics(ctx, domain, host)
    if nics is None:
        return None
    if not disks or not disks[0].get("volumeId") or disks[0]["volumeId"] not in volumes:
        ctx.out.note(
            label,
            "its first disk is not a volume of this stack",
            "left to the old tool: kvm-pulumi VMs boot from a volume cloned from a template",
        )
        return None
    root = volumes[disks[0]["volumeId"]]
    base = volumes.get(str(root.get("baseVolumeId") or ""))
    if base is None:
        ctx.out.note(
            label,
            f"root volume {root.get('name')!r} is not a copy-on-write clone of a base volume",
            "left to the old tool: kvm-pulumi VMs boot from a clone of a template's image",
        )
        return None
    pool = pool_key(ctx, host, str(root.get("pool")), volume_path(root))
    if pool is None or str(base.get("pool")) != str(root.get("pool")):
        ctx.out.note(
            label,
            "its root disk is in a non-dir pool, or in another pool than its base volume",
            "left to the old tool",
        )
        return None
    data, existing = _other_disks(ctx, domain, disks[1:], volumes, pool)
    if data is None:
        return None
    seed = _seed(ctx, domain)
    if seed is not None:
        existing.append(seed)
    bus = "scsi" if disks[0].get("scsi") else "virtio"
    memory = f"{int(domain.get('memory') or TF_DEFAULT_MEMORY_MIB)}MiB"
    vm: dict[str, Any] = {
        "name": config_key(domain.name, ctx.vm_names),
        "template": _template(ctx, domain, base, pool, bus),
        "host": host,
        "libvirtName": str(domain.get("name")),
        "adopt": True,
        "rootDiskLibvirtName": str(root.get("name")),
        "memory": memory,
        "maxMemory": memory,
        "vcpus": int(domain.get("vcpu") or 1),
        "maxVcpus": int(domain.get("vcpu") or 1),
        "diskSize": _size(root.get("size")),
        "running": bool(domain.get("running", True)),
        "autostart": bool(domain.get("autostart", False)),
        "restartPolicy": "manual",
    }
    ctx.vm_names.add(vm["name"])
    if data:
        vm["dataDisks"] = data
    if existing:
        vm["existingDisks"] = existing
    vm["nics"] = nics
    ctx.out.count("domain")
    ctx.out.count("volume", 1 + len(data))
    _domain_leftovers(ctx, domain)
    return vm


def _size(value: Any) -> str:
    size = int(value or 0)
    return format_size(size) if size % MIB == 0 else str(size)


def _template(ctx: Context, domain: Resource, base: Resource, pool: str, bus: str) -> str:
    """The template for VMs of this base volume and machine profile (made on first use)."""
    graphics = domain.get("graphics") or {"type": "spice"}
    if isinstance(graphics, list):
        graphics = graphics[0] if graphics else {"type": "spice"}
    consoles = domain.get("consoles") or []
    serial = any(
        c.get("type") == "pty" and c.get("targetType", "serial") == "serial" for c in consoles
    )
    cpu = domain.get("cpu") or {}
    profile: dict[str, Any] = {
        "generation": "custom",
        "machine": str(domain.get("machine") or "pc"),
        "firmware": "bios",
        "diskBus": bus,
        "nicModel": "virtio",
        "rng": True,
        "guestAgent": True,
        "serialConsole": "plain" if serial else "none",
        "graphics": {
            "type": graphics.get("type", "spice"),
            "listen": graphics.get("listenAddress") or "127.0.0.1",
        },
    }
    if is_i440fx(profile["machine"]):
        profile["gen1Reason"] = "taken over from pulumi-libvirt as it was made (BIOS, i440fx)"
    if isinstance(cpu, dict) and cpu.get("mode"):
        profile["cpu"] = {"mode": cpu["mode"]}
    for key in ("kernel", "initrd"):
        if domain.get(key):
            profile[key] = domain.get(key)
    cmdline = _cmdline(domain.get("cmdlines") or [])
    if cmdline:
        profile["cmdline"] = cmdline
    boot = [d for group in domain.get("bootDevices") or [] for d in group.get("devs") or []]
    if boot:
        profile["bootOrder"] = boot
    signature = (base.id, repr(sorted(profile.items())))
    known = ctx.templates.get(signature)
    if known is not None:
        return known
    key = config_key(base.name, ctx.section("templates"))
    ctx.section("templates")[key] = {
        "image": {
            "volume": str(base.get("name")),
            "size": _size(base.get("size")),
            "format": str(base.get("format") or "qcow2"),
        },
        "pool": pool,
        **profile,
    }
    ctx.templates[signature] = key
    ctx.out.count("volume")
    return key


def _cmdline(entries: list[dict[str, Any]]) -> str:
    """terraform-provider-libvirt's kernel command line: `k=v` (`_` = bare word), sorted."""
    words = [str(v) if k == "_" else f"{k}={v}" for entry in entries for k, v in entry.items()]
    return " ".join(sorted(words))


def _nics(ctx: Context, domain: Resource, host: str) -> list[dict[str, Any]] | None:
    nics = []
    for index, nic in enumerate(domain.get("networkInterfaces") or []):
        where = f"{subject_of(domain)} networkInterfaces[{index}]"
        direct = [k for k in _DIRECT_NIC_KEYS if nic.get(k)]
        name = nic.get("networkName") or ctx.unconverted.get(str(nic.get("networkId") or ""))
        key = ctx.networks.get(str(nic.get("networkId") or "")) or ctx.networks.get(
            f"{host}/{name}"
        )
        if key is None and name and not direct:
            key = existing_network(ctx, host, str(name))
        if key is None:
            what = f"a {direct[0]} NIC" if direct else "a NIC on a network left to the old tool"
            ctx.out.note(where, what, "the VM is left to the old tool")
            return None
        entry: dict[str, Any] = {"network": key}
        if nic.get("mac"):
            entry["mac"] = str(nic["mac"]).lower()
        else:
            ctx.out.note(where, "no MAC in the export", "refresh the old stack, export again")
        declared = (domain.inputs.get("networkInterfaces") or [])[index:][:1]
        fixed = declared[0].get("addresses") or [] if declared else []
        ipv4 = [a for a in fixed if ipaddress.ip_address(a).version == 4]
        if ipv4:
            entry["ip"] = ipv4[0]  # the old provider made it a DHCP host entry
        nics.append(entry)
    return nics


def existing_network(ctx: Context, host: str, name: str) -> str:
    """A network the old stack used by name without making it (e.g. `default`)."""
    key = config_key(name, ctx.section("networks"))
    ctx.section("networks")[key] = {"kind": "existing", "name": name, "hosts": [host]}
    ctx.networks[f"{host}/{name}"] = key
    return key


def _other_disks(
    ctx: Context,
    domain: Resource,
    disks: list[dict[str, Any]],
    volumes: dict[str, Resource],
    pool: str,
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """Data disks (volumes of this stack) and existing disks (files, ISOs, block devices)
    after the root disk, with the targets terraform-provider-libvirt gave them."""
    data: list[dict[str, Any]] = []
    existing: list[dict[str, Any]] = []
    label = subject_of(domain)
    isos = 0
    for index, disk in enumerate(disks, start=1):
        bus = "scsi" if disk.get("scsi") else "virtio"
        volume = volumes.get(str(disk.get("volumeId") or ""))
        if volume is not None:
            if volume.get("baseVolumeId"):
                ctx.out.note(label, f"disk {index} is a clone", "the VM is left to the old tool")
                return None, []
            root_pool = ctx.section("pools")[pool]["libvirtName"]
            if str(volume.get("pool")) != root_pool:
                ctx.out.note(
                    label,
                    f"disk {index} is in pool {volume.get('pool')!r}, not {root_pool!r}",
                    "the VM is left to the old tool (data disks live in the template's pool)",
                )
                return None, []
            name = str(volume.get("name"))
            data.append(
                {
                    "name": config_key(
                        volume.name.removeprefix(f"{domain.name}-"), {d["name"] for d in data}
                    ),
                    "size": _size(volume.get("size")),
                    "format": str(volume.get("format") or "qcow2"),
                    "bus": bus,
                    "libvirtName": name,
                }
            )
        elif disk.get("file") or disk.get("blockDevice"):
            path = str(disk.get("file") or disk.get("blockDevice"))
            iso = path.endswith(".iso")
            entry = {
                "path": path,
                "type": "block" if disk.get("blockDevice") else "file",
                "device": "cdrom" if iso else "disk",
                "format": "qcow2" if path.endswith(".qcow2") else "raw",
                "bus": "ide" if iso else bus,
                "target": f"hd{'abcd'[isos]}" if iso else None,
            }
            isos += int(iso)
            existing.append({k: v for k, v in entry.items() if v is not None})
        else:
            ctx.out.note(
                label,
                f"disk {index} is a network (URL) disk or a volume of another stack",
                "the VM is left to the old tool",
            )
            return None, []
    return data, existing


def _seed(ctx: Context, domain: Resource) -> dict[str, Any] | None:
    """The cloud-init ISO as the existing CD-ROM it is (hdd on IDE): its content has been
    read by the guest already, and a new seed would make cloud-init run again."""
    cloud_init = domain.get("cloudinit")
    if not cloud_init:
        return None
    key = str(cloud_init).split(";", 1)[0]
    disks = ctx.export.by_id(CLOUD_INIT)
    resource = disks.get(str(cloud_init))
    if resource is not None and str(cloud_init) not in ctx.seeds:
        ctx.seeds.add(str(cloud_init))
        secret = [
            k for k in ("userData", "metaData", "networkConfig") if has_secret(resource.get(k))
        ]
        ctx.out.note(
            subject_of(resource),
            "a cloud-init ISO the guest has read already"
            + (
                f" (its {', '.join(secret)} are secrets and stay in the old state)"
                if secret
                else ""
            ),
            "attached as an existing CD-ROM and not managed; remove it by hand "
            f"(`virsh vol-delete {key}`) once the VM no longer needs it",
        )
    return {
        "path": key,
        "type": "file",
        "device": "cdrom",
        "format": "raw",
        "bus": "ide",
        "target": "hdd",
    }


_UNMODELLED = {
    "filesystems": "9p filesystems",
    "coreosIgnition": "an Ignition config",
    "combustion": "a Combustion config",
    "nvram": "a UEFI NVRAM file",
    "firmware": "a firmware (loader) path",
    "tpm": "a TPM",
    "video": "a video device",
    "fwCfgName": "a fw_cfg entry",
    "xml": "an XSLT transform of its XML",
    "description": "a description",
    "metadata": "libvirt metadata",
}


def _domain_leftovers(ctx: Context, domain: Resource) -> None:
    for key, what in _UNMODELLED.items():
        if domain.inputs.get(key):
            ctx.out.note(subject_of(domain), what, KEPT_AS_IS)


def note_unattached_volumes(ctx: Context) -> None:
    """Volumes no VM of the new stack uses: listed, never adopted (so never deleted)."""
    used: set[str] = set()
    for template in ctx.out.sections.get("templates", {}).values():
        used.add(f"{template['pool']}/{template['image']['volume']}")
    for vm in ctx.out.sections.get("vms", []):
        pool = ctx.out.sections["templates"][vm["template"]]["pool"]
        used.add(f"{pool}/{vm['rootDiskLibvirtName']}")
        used.update(f"{pool}/{d['libvirtName']}" for d in vm.get("dataDisks", []))
    names = {(h, n): k for (h, n), k in ctx.pools.items()}
    for volume in ctx.export.of_type(VOLUME):
        pool_key = names.get((ctx.hosts.of(volume), str(volume.get("pool"))))
        if f"{pool_key}/{volume.get('name')}" not in used:
            ctx.out.note(
                subject_of(volume),
                "a volume no converted VM uses",
                "kept on the host and not managed by the new stack",
            )
