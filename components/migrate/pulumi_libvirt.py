"""pulumi-libvirt (terraform-provider-libvirt 0.8) resources → a kvm-pulumi stack config.

Every object is described exactly as the old provider made it, and adopted: pools, networks
and domains keep their libvirt names and UUIDs, NICs their MACs, domains their machine type,
disk buses and NIC models (a `custom` machine profile), and a clone's base volume becomes its
template's image, adopted in place instead of imported again. What kvm-pulumi does not model
is listed as a Finding and stays on the host untouched.

Property names are the Pulumi wire names of the pulumi-libvirt 0.5.4 SDK (`networkInterfaces`,
`volumeId`, `baseVolumeId`…); ids are what the bridged provider sets: UUIDs for domains,
networks and pools, volume keys (paths, for dir pools) for volumes, and
`<volume key>;<uuid>` for cloud-init disks.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.migrate.export import (
    PROVIDER_TYPE,
    SECRET,
    SECRET_TEXT,
    Resource,
    StackExport,
    has_secret,
)
from components.migrate.findings import KEPT_AS_IS, Finding
from components.spec.domain import is_i440fx
from components.spec.sizes import MIB, format_size

DOMAIN = "libvirt:index/domain:Domain"
NETWORK = "libvirt:index/network:Network"
VOLUME = "libvirt:index/volume:Volume"
POOL = "libvirt:index/pool:Pool"
CLOUD_INIT = "libvirt:index/cloudInitDisk:CloudInitDisk"
KNOWN_TYPES = (DOMAIN, NETWORK, VOLUME, POOL, CLOUD_INIT, PROVIDER_TYPE)

TF_DEFAULT_MEMORY_MIB = 512
"""terraform-provider-libvirt's domain memory when the program sets none."""
TF_DEFAULT_POOL_PATH = "/var/lib/libvirt/images"
_NAME_RE = re.compile(r"[^A-Za-z0-9_.+-]")
_DIRECT_NIC_KEYS = ("bridge", "macvtap", "vepa", "passthrough")


class ConversionError(ValueError):
    """The export cannot be converted at all (e.g. a host without a URI)."""


@dataclass
class Conversion:
    """The new stack's config sections (YAML keys, camelCase) and what was left out."""

    sections: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    adopted: dict[str, int] = field(default_factory=dict)
    """How many objects of each kind the stack takes over (domain, network, pool, volume)."""

    def note(self, subject: str, what: str, action: str) -> None:
        """Record something the stack does not carry over."""
        self.findings.append(Finding(subject, what, action))

    def count(self, kind: str, n: int = 1) -> None:
        """Count `n` adopted objects of `kind`."""
        self.adopted[kind] = self.adopted.get(kind, 0) + n


def config_key(name: str, taken: Mapping[str, Any] | set[str]) -> str:
    """A stack-config key (a valid libvirt-style name) for a Pulumi logical name, unique
    among `taken`."""
    base = _NAME_RE.sub("-", name).lstrip("-_.+") or "x"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _label(resource: Resource) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    return f"{kind} {resource.name!r}"


@dataclass
class _Hosts:
    """The old stack's libvirt providers as `hosts` entries."""

    keys: dict[str, str] = field(default_factory=dict)
    """Provider reference → host key."""
    uris: dict[str, str] = field(default_factory=dict)
    """Host key → URI."""

    def of(self, resource: Resource) -> str:
        key = self.keys.get(resource.provider or "")
        if key is None:
            raise ConversionError(
                f"{_label(resource)} uses provider {resource.provider!r}, which is not in the "
                "export; export the whole stack"
            )
        return key


def _hosts(export: StackExport, overrides: Mapping[str, str]) -> _Hosts:
    hosts = _Hosts()
    for provider in export.of_type(PROVIDER_TYPE):
        name = provider.name
        short = re.sub(r"_\d+_\d+_\d+$", "", name) if name.startswith("default") else name
        key = config_key(short, hosts.uris)
        uri = overrides.get(key) or overrides.get(name) or provider.get("uri")
        if uri is SECRET:
            raise ConversionError(
                f"provider {name!r}: its uri is a secret in the export; pass it with "
                f"--host {key}=URI"
            )
        if not uri:
            raise ConversionError(
                f"provider {name!r} has no uri (it came from the environment, e.g. "
                f"LIBVIRT_DEFAULT_URI); pass it with --host {key}=URI"
            )
        hosts.keys[provider.provider_reference] = key
        hosts.uris[key] = str(uri)
    unknown = sorted(
        set(overrides) - set(hosts.uris) - {p.name for p in export.of_type(PROVIDER_TYPE)}
    )
    if unknown:
        raise ConversionError(
            f"--host {unknown[0]}: no such host in the export (hosts: {sorted(hosts.uris)})"
        )
    return hosts


def _volume_path(volume: Resource) -> str:
    """A dir pool's volume key is its path."""
    return volume.id


@dataclass
class _Context:
    export: StackExport
    hosts: _Hosts
    out: Conversion
    pools: dict[tuple[str, str], str] = field(default_factory=dict)
    """(host key, libvirt pool name) → pool config key."""
    networks: dict[str, str] = field(default_factory=dict)
    """Network id (UUID) and (host, libvirt name) → network config key."""
    templates: dict[tuple[Any, ...], str] = field(default_factory=dict)
    vm_names: set[str] = field(default_factory=set)
    unconverted: dict[str, str] = field(default_factory=dict)
    """Id → libvirt name of the old stack's networks that have no kvm-pulumi kind."""
    seeds: set[str] = field(default_factory=set)
    """Cloud-init disks reported already (one ISO is often shared by many VMs)."""

    def section(self, name: str) -> dict[str, Any]:
        section: dict[str, Any] = self.out.sections.setdefault(name, {})
        return section


def convert(export: StackExport, overrides: Mapping[str, str] | None = None) -> Conversion:
    """The stack config that adopts every object of a pulumi-libvirt stack export."""
    out = Conversion()
    ctx = _Context(export, _hosts(export, overrides or {}), out)
    out.sections["hosts"] = {
        key: {"uri": uri, **_domain_type(ctx, key)} for key, uri in ctx.hosts.uris.items()
    }
    for resource in export.resources:
        if resource.type.startswith("libvirt:") and resource.type not in KNOWN_TYPES:
            out.note(
                _label(resource),
                f"type {resource.type} has no kvm-pulumi equivalent",
                f"{KEPT_AS_IS}; it is not part of the new stack",
            )
    for pool in export.of_type(POOL):
        _pool(ctx, pool)
    for network in export.of_type(NETWORK):
        _network(ctx, network)
    vms: list[dict[str, Any]] = []
    for domain in export.of_type(DOMAIN):
        vm = _vm(ctx, domain)
        if vm is not None:
            vms.append(vm)
    out.sections["vms"] = vms
    _unattached_volumes(ctx)
    out.sections["defaults"] = {"retainDataDisks": True}
    for name in list(out.sections):
        out.sections[name] = _placeholders(out, f"kvm-estate:{name}", out.sections[name])
    return out


def _path(parent: str, key: str) -> str:
    """A `pulumi config --path` step: `.key`, or `["key"]` for keys like `debian-base`."""
    return f"{parent}.{key}" if key.isidentifier() else f'{parent}["{key}"]'


SECRET_PLACEHOLDER = "SECRET-SET-ME"
"""What a secret of the export becomes in the stack file: its ciphertext belongs to the old
stack's secrets provider, so the value must be set again, as a secret of the new stack."""


def _placeholders(out: Conversion, path: str, value: Any) -> Any:
    """`value` with every secret (or text made from one) replaced by SECRET_PLACEHOLDER,
    each reported with the command that sets it."""
    if isinstance(value, dict):
        return {k: _placeholders(out, _path(path, k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(out, f"{path}[{i}]", v) for i, v in enumerate(value)]
    if value is SECRET or (isinstance(value, str) and SECRET_TEXT in value):
        out.note(
            path,
            "a secret in the old stack (its ciphertext cannot move to another stack)",
            f"set it: pulumi config set --secret --path '{path}' VALUE --stack NEW "
            f"(the stack file holds {SECRET_PLACEHOLDER} until then)",
        )
        return SECRET_PLACEHOLDER
    return value


def _domain_type(ctx: _Context, host: str) -> dict[str, str]:
    """kvm or qemu, as the host's domains were made (terraform-provider-libvirt: kvm)."""
    types = {
        str(d.get("type") or "kvm")
        for d in ctx.export.of_type(DOMAIN)
        if ctx.hosts.keys.get(d.provider or "") == host
    }
    return {"domainType": types.pop()} if len(types) == 1 else {}


# ---- pools ---------------------------------------------------------------------------------
def _pool(ctx: _Context, pool: Resource) -> None:
    host = ctx.hosts.of(pool)
    kind = pool.get("type") or "dir"
    name = str(pool.get("name"))
    if kind != "dir":
        ctx.out.note(
            _label(pool),
            f"a {kind!r} pool (kvm-pulumi makes dir pools only)",
            f"{KEPT_AS_IS}; VMs with disks in it are left to the old tool (listed below)",
        )
        return
    target = pool.get("target") or {}
    path = pool.get("path") or (target.get("path") if isinstance(target, dict) else None)
    key = config_key(pool.name, ctx.section("pools"))
    ctx.section("pools")[key] = {
        "path": str(path),
        "hosts": [host],
        "libvirtName": name,
        "adopt": True,
    }
    ctx.pools[(host, name)] = key
    ctx.out.count("pool")
    if pool.get("xml"):
        _xslt(ctx, pool)


def _pool_key(ctx: _Context, host: str, name: str, volume_path: str) -> str | None:
    """The config key of pool `name` on `host`; a pool the old stack did not make (e.g.
    libvirt's `default`) is adopted too, at the directory its volumes live in."""
    key = ctx.pools.get((host, name))
    if key is not None:
        return key
    if (host, name) in {(ctx.hosts.of(p), str(p.get("name"))) for p in ctx.export.of_type(POOL)}:
        return None  # a non-dir pool, reported already
    key = config_key(name, ctx.section("pools"))
    ctx.section("pools")[key] = {
        "path": posixpath.dirname(volume_path) or TF_DEFAULT_POOL_PATH,
        "hosts": [host],
        "libvirtName": name,
        "adopt": True,
    }
    ctx.pools[(host, name)] = key
    ctx.out.count("pool")
    ctx.out.note(
        f"pool {name!r}",
        "was not made by the old stack, but its volumes were",
        "the new stack adopts it so templates can use it; protect it or keep it out of "
        "`pulumi destroy`",
    )
    return key


# ---- networks ------------------------------------------------------------------------------
_KINDS = {"nat": "nat", "none": "isolated", "route": "routed", "bridge": "bridged"}


def _network(ctx: _Context, network: Resource) -> None:
    host = ctx.hosts.of(network)
    mode = str(network.get("mode") or "nat").lower()
    label = _label(network)
    kind = _KINDS.get(mode)
    ctx.unconverted[network.id] = str(network.get("name"))
    if kind is None:
        ctx.out.note(
            label,
            f"mode {mode!r} has no kvm-pulumi kind",
            f"{KEPT_AS_IS}; VMs on it use it as an `existing` network",
        )
        return
    entry: dict[str, Any] = {"kind": kind}
    if kind == "bridged":
        entry["bridge"] = network.get("bridge")
    else:
        if not _addresses(ctx, network, entry):
            return
        _dns(ctx, network, entry)
        if network.get("domain"):
            entry["dnsDomain"] = network.get("domain")
        if network.get("bridge"):
            entry["bridgeName"] = network.get("bridge")
        if network.get("mtu"):
            entry["mtu"] = int(network.get("mtu"))
        routes = network.get("routes") or []
        if routes and kind == "routed":
            entry["routes"] = [{"subnet": r["cidr"], "gateway": r["gateway"]} for r in routes]
        elif routes:
            ctx.out.note(label, "static routes on a non-routed network", KEPT_AS_IS)
    entry["autostart"] = bool(network.get("autostart", False))
    entry.update({"hosts": [host], "libvirtName": str(network.get("name")), "adopt": True})
    del ctx.unconverted[network.id]
    key = config_key(network.name, ctx.section("networks"))
    ctx.section("networks")[key] = entry
    ctx.networks[network.id] = key
    ctx.networks[f"{host}/{network.get('name')}"] = key
    ctx.out.count("network")
    if network.get("dnsmasqOptions"):
        ctx.out.note(label, "dnsmasq options", f"{KEPT_AS_IS}; kvm-pulumi will not change them")
    if network.get("xml"):
        _xslt(ctx, network)


def _addresses(ctx: _Context, network: Resource, entry: dict[str, Any]) -> bool:
    """subnet (+ ipv6) and the DHCP range terraform-provider-libvirt derived from it
    (`.2` to the last address before broadcast)."""
    label = _label(network)
    subnets = [ipaddress.ip_network(str(a), strict=False) for a in network.get("addresses") or []]
    v4 = [s for s in subnets if s.version == 4]
    v6 = [s for s in subnets if s.version == 6]
    if len(v4) != 1:
        ctx.out.note(
            label,
            f"{len(v4)} IPv4 subnets (kvm-pulumi networks have exactly one)",
            f"{KEPT_AS_IS}; VMs on it use it as an `existing` network",
        )
        return False
    subnet = v4[0]
    entry["subnet"] = str(subnet)
    dhcp = network.get("dhcp") or {}
    if not isinstance(dhcp, dict) or dhcp.get("enabled", True):
        entry["dhcp"] = {"start": str(subnet.network_address + 2), "end": str(subnet[-2])}
    if v6:
        entry["ipv6"] = {"subnet": str(v6[0])}
        ctx.out.note(
            label,
            "an IPv6 DHCP range (kvm-pulumi's IPv6 has router advertisements only)",
            "the probe reports it; drop the range with `virsh net-edit` or keep the network "
            "under the old tool",
        )
    return True


def _dns(ctx: _Context, network: Resource, entry: dict[str, Any]) -> None:
    dns = network.get("dns") or {}
    if not isinstance(dns, dict) or not dns.get("enabled", True):
        return
    label = _label(network)
    hosts: dict[str, list[str]] = {}
    for record in dns.get("hosts") or []:
        hosts.setdefault(str(record["ip"]), []).append(str(record["hostname"]))
    if hosts:
        entry["dnsHosts"] = [{"ip": ip, "hostnames": names} for ip, names in hosts.items()]
    forwarders = []
    for forwarder in dns.get("forwarders") or []:
        if forwarder.get("domain"):
            ctx.out.note(
                label,
                f"a DNS forwarder for domain {forwarder['domain']!r} only",
                f"{KEPT_AS_IS}; kvm-pulumi forwarders apply to every name",
            )
        elif forwarder.get("address"):
            forwarders.append(str(forwarder["address"]))
    if forwarders:
        entry["forwarders"] = forwarders
    if dns.get("srvs"):
        ctx.out.note(label, "DNS SRV records", f"{KEPT_AS_IS}; kvm-pulumi has no SRV records")
    if dns.get("localOnly"):
        ctx.out.note(label, "dns.localOnly", KEPT_AS_IS)


def _xslt(ctx: _Context, resource: Resource) -> None:
    ctx.out.note(
        _label(resource),
        "an XSLT transform of its XML",
        "what it changed stays on the host; the probe shows any field it touched that "
        "kvm-pulumi models",
    )


# ---- VMs -----------------------------------------------------------------------------------
def _vm(ctx: _Context, domain: Resource) -> dict[str, Any] | None:
    """One `vms` entry for a domain, or None (with a finding) when it cannot be described."""
    host = ctx.hosts.of(domain)
    label = _label(domain)
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
    pool = _pool_key(ctx, host, str(root.get("pool")), _volume_path(root))
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


def _template(ctx: _Context, domain: Resource, base: Resource, pool: str, bus: str) -> str:
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


def _nics(ctx: _Context, domain: Resource, host: str) -> list[dict[str, Any]] | None:
    nics = []
    for index, nic in enumerate(domain.get("networkInterfaces") or []):
        where = f"{_label(domain)} networkInterfaces[{index}]"
        direct = [k for k in _DIRECT_NIC_KEYS if nic.get(k)]
        name = nic.get("networkName") or ctx.unconverted.get(str(nic.get("networkId") or ""))
        key = ctx.networks.get(str(nic.get("networkId") or "")) or ctx.networks.get(
            f"{host}/{name}"
        )
        if key is None and name and not direct:
            key = _existing_network(ctx, host, str(name))
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


def _existing_network(ctx: _Context, host: str, name: str) -> str:
    """A network the old stack used by name without making it (e.g. `default`)."""
    key = config_key(name, ctx.section("networks"))
    ctx.section("networks")[key] = {"kind": "existing", "name": name, "hosts": [host]}
    ctx.networks[f"{host}/{name}"] = key
    return key


def _other_disks(
    ctx: _Context,
    domain: Resource,
    disks: list[dict[str, Any]],
    volumes: dict[str, Resource],
    pool: str,
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """Data disks (volumes of this stack) and existing disks (files, ISOs, block devices)
    after the root disk, with the targets terraform-provider-libvirt gave them."""
    data: list[dict[str, Any]] = []
    existing: list[dict[str, Any]] = []
    label = _label(domain)
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


def _seed(ctx: _Context, domain: Resource) -> dict[str, Any] | None:
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
            _label(resource),
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


def _domain_leftovers(ctx: _Context, domain: Resource) -> None:
    for key, what in _UNMODELLED.items():
        if domain.inputs.get(key):
            ctx.out.note(_label(domain), what, KEPT_AS_IS)


def _unattached_volumes(ctx: _Context) -> None:
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
                _label(volume),
                "a volume no converted VM uses",
                "kept on the host and not managed by the new stack",
            )
