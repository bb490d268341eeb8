"""Hypothesis strategies for valid specs of every kind.

They stay inside what the models accept (current ≤ maximum, unique disk targets, a source
matching each disk/NIC type, clones in qcow2…) and vary everything else: optional fields
present or absent, lists empty or long.
"""

from __future__ import annotations

import ipaddress
import operator
import string
from typing import Any

from hypothesis import strategies as st

from components.spec.domain import Disk, DomainSpec, Interface, SerialConsole
from components.spec.network import (
    DhcpHost,
    DhcpRange,
    DnsForwarder,
    DnsHost,
    NetworkIp,
    NetworkSpec,
)
from components.spec.ownership import Ownership
from components.spec.pool import PoolSpec
from components.spec.volume import ImageSource, VolumeSpec

LOWER = string.ascii_lowercase
SAFE = LOWER + string.digits + "-"


def words(first: str, rest: str, max_rest: int) -> st.SearchStrategy[str]:
    """Strings of one character from `first`, then up to `max_rest` from `rest`."""
    return st.builds(operator.add, st.sampled_from(first), st.text(rest, max_size=max_rest))


names = words(LOWER, SAFE, 30)
bridge_names = words(LOWER, SAFE, 14)
paths = st.lists(words(LOWER + string.digits, SAFE + "._", 12), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)
macs = st.binary(min_size=3, max_size=3).map(lambda tail: "52:54:00:" + tail.hex(":"))
ipv4s = st.integers(1, 2**32 - 2).map(lambda n: str(ipaddress.IPv4Address(n)))
hostnames = st.lists(words(LOWER, SAFE, 12), min_size=1, max_size=3).map(".".join)
cmdlines = st.lists(words(LOWER, SAFE + "_=./,", 15), min_size=1, max_size=5).map(" ".join)
disk_targets = st.builds(operator.add, st.sampled_from(["vd", "sd", "hd"]), st.sampled_from(LOWER))
sha256s = st.binary(min_size=32, max_size=32).map(bytes.hex)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


ownerships = st.builds(Ownership, project=names, stack=names, name=names)


@st.composite
def disks(draw: st.DrawFn, target: str) -> Disk:
    kind = draw(st.sampled_from(["volume", "file", "block"]))
    source: dict[str, Any] = (
        {"pool": draw(names), "volume": draw(names)} if kind == "volume" else {"file": draw(paths)}
    )
    return Disk(
        type=kind,
        device=draw(st.sampled_from(["disk", "cdrom"])),
        format=draw(st.sampled_from(["qcow2", "raw"])),
        cache=draw(optional(st.sampled_from(["none", "writeback", "unsafe", "default"]))),
        target=target,
        bus=draw(st.sampled_from(["virtio", "sata", "scsi", "ide", "usb"])),
        readonly=draw(st.booleans()),
        **source,
    )


@st.composite
def interfaces(draw: st.DrawFn) -> Interface:
    kind = draw(st.sampled_from(["network", "bridge", "direct"]))
    source_field = {"network": "network", "bridge": "bridge", "direct": "dev"}[kind]
    return Interface(
        type=kind,
        mac=draw(optional(macs)),
        model=draw(st.sampled_from(["virtio", "e1000", "e1000e", "rtl8139"])),
        **{source_field: draw(bridge_names)},
    )


serials = st.builds(
    SerialConsole,
    log_file=optional(paths),
    log_append=optional(st.booleans()),
    port=st.integers(0, 3),
)

DOMAIN_LIFECYCLE = ("autostart", "running", "restart_policy", "shutdown_timeout_seconds")
"""DomainSpec fields libvirt keeps outside the XML (from_xml gets them separately)."""


@st.composite
def domain_specs(draw: st.DrawFn) -> DomainSpec:
    max_memory = draw(st.integers(1, 1024 * 1024))
    max_vcpus = draw(st.integers(1, 256))
    targets = draw(st.lists(disk_targets, unique=True, max_size=6))
    return DomainSpec(
        domain_type=draw(st.sampled_from(["kvm", "qemu", "auto"])),
        name=draw(names),
        ownership=draw(optional(ownerships)),
        max_memory_mib=max_memory,
        memory_mib=draw(st.integers(1, max_memory)),
        max_vcpus=max_vcpus,
        vcpus=draw(st.integers(1, max_vcpus)),
        arch=draw(st.sampled_from(["x86_64", "aarch64", "i686"])),
        machine=draw(st.sampled_from(["pc", "q35", "pc-q35-7.2", "pc-i440fx-8.0", "virt"])),
        kernel=draw(optional(paths)),
        initrd=draw(optional(paths)),
        cmdline=draw(optional(cmdlines)),
        boot_devices=draw(st.lists(st.sampled_from(["hd", "cdrom", "network"]), unique=True)),
        acpi=draw(st.booleans()),
        apic=draw(st.booleans()),
        cpu_mode=draw(optional(st.sampled_from(["host-passthrough", "host-model", "custom"]))),
        on_poweroff=draw(st.sampled_from(["destroy", "restart", "preserve"])),
        on_reboot=draw(st.sampled_from(["destroy", "restart", "rename-restart"])),
        on_crash=draw(st.sampled_from(["destroy", "restart", "preserve"])),
        disks=[draw(disks(target)) for target in targets],
        interfaces=draw(st.lists(interfaces(), max_size=4)),
        serial=draw(optional(serials)),
        autostart=draw(st.booleans()),
        running=draw(st.booleans()),
        restart_policy=draw(st.sampled_from(["auto", "manual"])),
        shutdown_timeout_seconds=draw(st.integers(0, 3600)),
    )


dhcp_hosts = st.builds(DhcpHost, mac=macs, ip=ipv4s, name=optional(hostnames))
network_ips = st.builds(
    NetworkIp,
    family=optional(st.just("ipv4")),
    address=ipv4s,
    prefix=st.integers(8, 30),
    dhcp_ranges=st.lists(st.builds(DhcpRange, start=ipv4s, end=ipv4s), max_size=3),
    dhcp_hosts=st.lists(dhcp_hosts, max_size=4),
)
dns_hosts = st.builds(DnsHost, ip=ipv4s, hostnames=st.lists(hostnames, min_size=1, max_size=3))


@st.composite
def network_specs(draw: st.DrawFn) -> NetworkSpec:
    mode = draw(optional(st.sampled_from(["nat", "route", "bridge", "private", "vepa", "open"])))
    bridge = draw(bridge_names if mode == "bridge" else optional(bridge_names))
    return NetworkSpec(
        name=draw(names),
        ownership=draw(optional(ownerships)),
        forward_mode=mode,
        forward_dev=draw(optional(bridge_names)),
        bridge_name=bridge,
        stp=draw(optional(st.booleans())),
        mtu=draw(optional(st.integers(68, 65535))),
        domain_name=draw(optional(hostnames)),
        dns_forwarders=draw(st.lists(st.builds(DnsForwarder, addr=ipv4s), max_size=3)),
        dns_hosts=draw(st.lists(dns_hosts, max_size=4)),
        ips=draw(st.lists(network_ips, max_size=2)),
        autostart=draw(st.booleans()),
    )


pool_specs = st.builds(PoolSpec, name=names, path=paths, autostart=st.booleans())

image_sources = st.one_of(
    st.builds(ImageSource, path=paths, sha256=optional(sha256s)),
    st.builds(
        ImageSource,
        url=st.tuples(st.sampled_from(["http", "https"]), hostnames, paths).map(
            lambda parts: f"{parts[0]}://{parts[1]}{parts[2]}"
        ),
    ),
)
capacities = st.integers(1, 2**50)


@st.composite
def volume_specs(draw: st.DrawFn) -> VolumeSpec:
    origin = draw(st.sampled_from(["empty", "clone", "import"]))
    common: dict[str, Any] = {"name": draw(names), "pool": draw(names)}
    if origin == "clone":
        return VolumeSpec(
            **common,
            capacity_bytes=draw(capacities),
            format="qcow2",
            backing_path=draw(paths),
            backing_format=draw(optional(st.sampled_from(["qcow2", "raw"]))),
        )
    if origin == "import":
        return VolumeSpec(
            **common,
            capacity_bytes=draw(optional(capacities)),
            format=draw(st.sampled_from(["qcow2", "raw"])),
            source=draw(image_sources),
        )
    return VolumeSpec(
        **common, capacity_bytes=draw(capacities), format=draw(st.sampled_from(["qcow2", "raw"]))
    )
