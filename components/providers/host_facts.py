"""What a libvirt host really offers, read from its capabilities.

`auto` picks kvm only when the host CPU has hardware virtualisation (vmx/svm) AND libvirt
offers the kvm domain type: capabilities alone lie on nested or paravirtual hosts, where
libvirt offers kvm and happily starts guests that then hang.
"""

from __future__ import annotations

from dataclasses import dataclass

import libvirt
from lxml import etree

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
