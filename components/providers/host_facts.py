"""What a libvirt host really offers, read from its capabilities.

`auto` picks kvm only when the host CPU has hardware virtualisation (vmx/svm) AND libvirt
offers the kvm domain type: capabilities alone lie on nested or paravirtual hosts, where
libvirt offers kvm and happily starts guests that then hang.

`gather_host_facts` reads the rest of what a KvmHost exports (versions, CPU, memory,
machine types, UEFI firmware, pools), with read-only calls only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import libvirt
from lxml import etree
from pydantic.alias_generators import to_camel

HW_VIRT_FEATURES = ("vmx", "svm")


@dataclass(frozen=True)
class DomainTypeChoice:
    """The domain type to use and, when it is not kvm, why."""

    domain_type: str
    reason: str


def choose_domain_type(capabilities_xml: str, arch: str = "x86_64") -> DomainTypeChoice:
    """Decide kvm vs qemu (TCG) from a host's capabilities XML."""
    root = etree.fromstring(capabilities_xml.encode())
    features = {str(f.get("name")) for f in root.findall("host/cpu/feature")}
    offered = {d.get("type") for d in root.findall(f"guest/arch[@name='{arch}']/domain")}
    hw = sorted(features.intersection(HW_VIRT_FEATURES))
    if hw and "kvm" in offered:
        return DomainTypeChoice("kvm", f"host CPU has {'/'.join(hw)} and libvirt offers kvm")
    if "kvm" not in offered:
        return DomainTypeChoice("qemu", f"libvirt offers no kvm domain type for {arch}")
    return DomainTypeChoice(
        "qemu",
        "libvirt offers kvm but the host CPU reports no vmx/svm (nested or paravirtual "
        "KVM); using qemu (TCG emulation, slow)",
    )


def detect_domain_type(conn: libvirt.virConnect, arch: str = "x86_64") -> DomainTypeChoice:
    """`choose_domain_type` for a connected host."""
    return choose_domain_type(conn.getCapabilities(), arch)


@dataclass(frozen=True)
class HostFacts:
    """What a host is and offers, as KvmHost exports it (read-only; refresh updates it)."""

    hostname: str
    host_uuid: str
    libvirt_version: str
    qemu_version: str
    """The hypervisor's version as libvirt reports it (QEMU's for qemu:// hosts)."""
    arch: str
    cpu_model: str
    cpu_vendor: str
    cpus: int
    memory_mib: int
    architectures: tuple[str, ...]
    """Guest architectures libvirt can run (one per installed qemu-system-* emulator)."""
    machine_types: dict[str, tuple[str, ...]]
    """Per guest architecture, every machine type and alias (pc-q35-7.2, q35, pc…)."""
    domain_types: dict[str, tuple[str, ...]]
    """Per guest architecture, the domain types libvirt offers (qemu, kvm)."""
    firmware: tuple[str, ...]
    """UEFI firmware images libvirt found for the host's architecture (OVMF on x86_64)."""
    storage_pools: tuple[str, ...]
    domain_type: str
    domain_type_reason: str

    def wire(self) -> dict[str, Any]:
        """The facts as resource outputs: camelCase keys (`memoryMib`), lists for tuples."""
        return {to_camel(f.name): _plain(getattr(self, f.name)) for f in fields(self)}


FACT_KEYS = tuple(to_camel(f.name) for f in fields(HostFacts))
"""The output keys of a host's facts, in declaration order."""


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def version_text(number: int) -> str:
    """libvirt's version encoding (major * 1,000,000 + minor * 1,000 + micro) as `9.0.0`."""
    return f"{number // 1_000_000}.{number // 1_000 % 1_000}.{number % 1_000}"


def guest_offers(capabilities_xml: str) -> tuple[dict[str, tuple[str, ...]], ...]:
    """Per guest architecture: (machine types and aliases, domain types), both sorted."""
    root = etree.fromstring(capabilities_xml.encode())
    machines: dict[str, set[str]] = {}
    domains: dict[str, set[str]] = {}
    for arch in root.findall("guest/arch"):
        name = str(arch.get("name"))
        machines.setdefault(name, set()).update(m.text or "" for m in arch.iter("machine"))
        domains.setdefault(name, set()).update(str(d.get("type")) for d in arch.findall("domain"))
    return (
        {a: tuple(sorted(m - {""})) for a, m in sorted(machines.items())},
        {a: tuple(sorted(d)) for a, d in sorted(domains.items())},
    )


def uefi_firmware(domain_capabilities_xml: str) -> tuple[str, ...]:
    """The firmware images (`os/loader/value`) of libvirt's domain capabilities."""
    root = etree.fromstring(domain_capabilities_xml.encode())
    return tuple(v.text for v in root.findall("os/loader/value") if v.text)


def gather_host_facts(conn: libvirt.virConnect, own_prefix: str = "") -> HostFacts:
    """Read a host's facts over `conn` (read-only calls).

    `storagePools` leaves out the pools named `own_prefix…` (the stack's own pools): they
    appear after the facts were first read, and a refresh must not report them as drift.
    """
    capabilities = conn.getCapabilities()
    root = etree.fromstring(capabilities.encode())
    arch = root.findtext("host/cpu/arch") or ""
    machines, domains = guest_offers(capabilities)
    choice = choose_domain_type(capabilities, arch)
    _arch, memory_mib, cpus, *_ = conn.getInfo()
    return HostFacts(
        hostname=conn.getHostname(),
        host_uuid=root.findtext("host/uuid") or "",
        libvirt_version=version_text(conn.getLibVersion()),
        qemu_version=version_text(conn.getVersion()),
        arch=arch,
        cpu_model=root.findtext("host/cpu/model") or "",
        cpu_vendor=root.findtext("host/cpu/vendor") or "",
        cpus=int(cpus),
        memory_mib=int(memory_mib),
        architectures=tuple(machines),
        machine_types=machines,
        domain_types=domains,
        firmware=_firmware_of(conn, arch, choice.domain_type),
        storage_pools=tuple(
            sorted(
                p.name()
                for p in conn.listAllStoragePools(0)
                if not (own_prefix and p.name().startswith(own_prefix))
            )
        ),
        domain_type=choice.domain_type,
        domain_type_reason=choice.reason,
    )


def _firmware_of(conn: libvirt.virConnect, arch: str, virt_type: str) -> tuple[str, ...]:
    """UEFI images for `arch` (q35 on x86_64); none where the driver has no domain
    capabilities at all (libvirt's test driver)."""
    machine = "q35" if arch == "x86_64" else None
    try:
        xml = conn.getDomainCapabilities(None, arch, machine, virt_type, 0)
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return ()
        raise
    return uefi_firmware(xml)
