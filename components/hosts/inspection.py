"""Read-only looks at a host at preview time: its interfaces and the networks on it.

Components use them to fail `pulumi preview` on what would only break at apply (a bridge
that does not exist, a subnet that overlaps a network someone else runs on the host).
An unreachable host is a warning, never an error; the offline plan and unit tests turn
inspection off (`set_host_inspector(None)`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from components.spec.ownership import OWNER_TAG, Ownership

Subnet = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class LiveNetwork:
    """A network defined on a host, with its subnets and ownership tag (if any)."""

    name: str
    subnets: tuple[Subnet, ...]
    owner: Ownership | None


@dataclass(frozen=True)
class MachineSupport:
    """What a host offers for one machine type (from libvirt's domain capabilities)."""

    machine: str
    """The canonical machine type the alias resolves to (pc → pc-i440fx-7.2)."""
    efi: bool
    secure_boot: bool
    tpm_emulator: bool
    cpu_modes: frozenset[str] = frozenset({"host-passthrough", "host-model", "custom"})


@dataclass(frozen=True)
class GuestUsage:
    """A VM running on a host that the stack does not manage."""

    name: str
    memory_mib: int
    vcpus: int


@dataclass(frozen=True)
class HostCapacity:
    """A host's CPUs and memory, and what VMs the stack does not manage already use."""

    cpus: int
    memory_mib: int
    foreign: tuple[GuestUsage, ...]


class HostInspector(Protocol):
    """What components may ask a host at preview."""

    def answers(self, uri: str) -> None:
        """Return when the host's libvirt answers; raise (saying why) when it does not."""
        ...

    def interfaces(self, uri: str) -> set[str]:
        """Names of the host's network interfaces (bridges, NICs)."""
        ...

    def networks(self, uri: str) -> list[LiveNetwork]:
        """libvirt networks defined on the host."""
        ...

    def machine_support(
        self, uri: str, arch: str, machine: str, virt_type: str
    ) -> MachineSupport | None:
        """What the host offers for `machine` (None: the machine type is not available)."""
        ...

    def domain_state(self, uri: str, name: str) -> bool | None:
        """Whether the domain `name` runs on the host; None when it is not defined there."""
        import libvirt

        from components.providers.base import found
        from components.providers.connection import connect

        dom = found(lambda: connect(uri).lookupByName(name), libvirt.VIR_ERR_NO_DOMAIN)
        return None if dom is None else bool(dom.isActive())

    def capacity(self, uri: str, project: str, stack: str) -> HostCapacity:
        """CPUs, memory and the running VMs not owned by `project`/`stack`."""
        ...


def machine_support(domain_capabilities_xml: str) -> MachineSupport:
    """Parse libvirt's domain capabilities for one machine type."""
    root = etree.fromstring(domain_capabilities_xml.encode())
    firmware = {v.text for v in root.findall("os/enum[@name='firmware']/value")}
    secure = {v.text for v in root.findall("os/loader/enum[@name='secure']/value")}
    tpm = root.find("devices/tpm[@supported='yes']")
    backends = set()
    if tpm is not None:
        backends = {v.text for v in tpm.findall("enum[@name='backendModel']/value")}
    loaders = root.findall("os/loader/value")
    modes = {str(m.get("name")) for m in root.findall("cpu/mode[@supported='yes']")}
    return MachineSupport(
        machine=root.findtext("machine") or "",
        efi="efi" in firmware or any("OVMF" in (v.text or "") for v in loaders),
        secure_boot="yes" in secure,
        tpm_emulator="emulator" in backends,
        cpu_modes=frozenset(modes),
    )


def guest_usage(xml: str) -> GuestUsage:
    """Memory (current) and vCPUs (current) of a domain from its live XML."""
    root = etree.fromstring(xml.encode())
    memory = root.find("currentMemory")
    if memory is None:
        memory = root.find("memory")
    kib = int(memory.text or 0) if memory is not None else 0
    vcpu = root.find("vcpu")
    count = int(vcpu.get("current") or vcpu.text or 1) if vcpu is not None else 1
    return GuestUsage(root.findtext("name") or "", kib // 1024, count)


def live_network(xml: str) -> LiveNetwork:
    """Parse a network's XML into name, subnets and owner."""
    root = etree.fromstring(xml.encode())
    subnets: list[Subnet] = []
    for ip in root.findall("ip"):
        address, prefix = ip.get("address"), ip.get("prefix") or ip.get("netmask")
        if address and prefix:
            subnets.append(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    tag = root.find(f"metadata/{OWNER_TAG}")
    owner = Ownership.from_element(tag) if tag is not None else None
    return LiveNetwork(root.findtext("name") or "", tuple(subnets), owner)


class LibvirtInspector:
    """Asks the host's libvirt (through the shared connection cache)."""

    def answers(self, uri: str) -> None:
        import libvirt

        from components.providers.connection import connect

        try:
            connect(uri).getLibVersion()  # a round trip: a cached connection may be stale
            return
        except Exception:
            pass
        libvirt.open(uri).close()  # a fresh connection says why it fails

    def interfaces(self, uri: str) -> set[str]:
        from components.providers.connection import connect

        return {str(i.name()) for i in connect(uri).listAllInterfaces(0)}

    def networks(self, uri: str) -> list[LiveNetwork]:
        from components.providers.connection import connect

        return [live_network(n.XMLDesc(0)) for n in connect(uri).listAllNetworks(0)]

    def machine_support(
        self, uri: str, arch: str, machine: str, virt_type: str
    ) -> MachineSupport | None:
        import libvirt

        from components.providers.connection import connect

        try:
            xml = connect(uri).getDomainCapabilities(None, arch, machine, virt_type, 0)
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_INVALID_ARG:
                return None
            raise
        return machine_support(xml)

    def domain_state(self, uri: str, name: str) -> bool | None:
        """Whether the domain `name` runs on the host; None when it is not defined there."""
        import libvirt

        from components.providers.base import found
        from components.providers.connection import connect

        dom = found(lambda: connect(uri).lookupByName(name), libvirt.VIR_ERR_NO_DOMAIN)
        return None if dom is None else bool(dom.isActive())

    def capacity(self, uri: str, project: str, stack: str) -> HostCapacity:
        import libvirt

        from components.providers.base import each_found
        from components.providers.connection import connect

        conn = connect(uri)
        _arch, memory_mib, cpus, *_ = conn.getInfo()
        foreign = []
        running = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        for _dom, xml in each_found(running, lambda d: d.XMLDesc(0), libvirt.VIR_ERR_NO_DOMAIN):
            tag = etree.fromstring(xml.encode()).find(f"metadata/{OWNER_TAG}")
            owner = Ownership.from_element(tag) if tag is not None else None
            if owner is None or (owner.project, owner.stack) != (project, stack):
                foreign.append(guest_usage(xml))
        return HostCapacity(int(cpus), int(memory_mib), tuple(foreign))


_inspector: HostInspector | None = LibvirtInspector()


def set_host_inspector(inspector: HostInspector | None) -> None:
    """Replace the host inspector; None turns preview-time host checks off."""
    global _inspector  # noqa: PLW0603 - one process-wide switch, set by tests and the plan tool
    _inspector = inspector


def host_inspector() -> HostInspector | None:
    """The current inspector (None when host checks are off)."""
    return _inspector


def environment_checks_enabled() -> bool:
    """Whether preview may look at hosts and local files (off for offline plans and
    unit tests, which run where neither exists)."""
    return _inspector is not None
