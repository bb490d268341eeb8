"""What the conversion of a pulumi-libvirt export shares: its resource types, the result
being built (sections and findings), the hosts, and the naming of config keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.migrate.export import PROVIDER_TYPE, SECRET, Resource, StackExport
from components.migrate.findings import Finding

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


def subject_of(resource: Resource) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    return f"{kind} {resource.name!r}"


@dataclass
class Hosts:
    """The old stack's libvirt providers as `hosts` entries."""

    keys: dict[str, str] = field(default_factory=dict)
    """Provider reference → host key."""
    uris: dict[str, str] = field(default_factory=dict)
    """Host key → URI."""

    def of(self, resource: Resource) -> str:
        key = self.keys.get(resource.provider or "")
        if key is None:
            raise ConversionError(
                f"{subject_of(resource)} uses provider {resource.provider!r}, which is not in the "
                "export; export the whole stack"
            )
        return key


def read_hosts(export: StackExport, overrides: Mapping[str, str]) -> Hosts:
    hosts = Hosts()
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


def volume_path(volume: Resource) -> str:
    """A dir pool's volume key is its path."""
    return volume.id


@dataclass
class Context:
    export: StackExport
    hosts: Hosts
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


def domain_type(ctx: Context, host: str) -> dict[str, str]:
    """kvm or qemu, as the host's domains were made (terraform-provider-libvirt: kvm)."""
    types = {
        str(d.get("type") or "kvm")
        for d in ctx.export.of_type(DOMAIN)
        if ctx.hosts.keys.get(d.provider or "") == host
    }
    return {"domainType": types.pop()} if len(types) == 1 else {}


def note_xslt(ctx: Context, resource: Resource) -> None:
    ctx.out.note(
        subject_of(resource),
        "an XSLT transform of its XML",
        "what it changed stays on the host; the probe shows any field it touched that "
        "kvm-pulumi models",
    )
