"""The example specs behind the golden files: one per shape an operator builds.

Each case's XML is kept in `golden/<case>.xml`, checked by libvirt's schema and defined on
libvirt's test driver, so a case added here is covered by all three.
"""

from __future__ import annotations

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
from components.spec.volume import VolumeSpec
from components.spec.xmlbind import XmlModel

GIB = 1024**3

MINIMAL_VM = DomainSpec(name="minimal", max_memory_mib=512, memory_mib=512, max_vcpus=1, vcpus=1)

KERNEL_BOOT_VM = DomainSpec(
    domain_type="kvm",
    name="dev-web-1",
    ownership=Ownership(project="shop", stack="dev", name="web-1"),
    max_memory_mib=4096,
    memory_mib=2048,
    max_vcpus=4,
    vcpus=2,
    kernel="/var/lib/kvm-pulumi/boot/vmlinuz",
    initrd="/var/lib/kvm-pulumi/boot/initrd.img",
    cmdline="console=ttyS0 root=/dev/vda1 ro",
    cpu_mode="host-passthrough",
    disks=[
        Disk(pool="default", volume="dev-web-1-root.qcow2", target="vda", cache="none"),
        Disk(
            device="cdrom",
            format="raw",
            pool="default",
            volume="dev-web-1-seed.iso",
            target="sda",
            bus="sata",
            readonly=True,
        ),
    ],
    interfaces=[
        Interface(network="dev-lan", mac="52:54:00:12:34:56"),
        Interface(type="bridge", bridge="br0", model="e1000e"),
    ],
    serial=SerialConsole(log_file="/var/log/kvm-pulumi/dev-web-1.log", log_append=True),
    autostart=True,
)

Q35_VM = DomainSpec(
    domain_type="kvm",
    name="q35-vm",
    max_memory_mib=2048,
    memory_mib=2048,
    max_vcpus=2,
    vcpus=2,
    machine="q35",
    boot_devices=["cdrom", "hd"],
    disks=[Disk(pool="images", volume="q35-vm.qcow2", target="vda")],
    interfaces=[Interface(network="default")],
)

NAT_NETWORK = NetworkSpec(
    name="dev-lan",
    ownership=Ownership(project="shop", stack="dev", name="lan"),
    forward_mode="nat",
    bridge_name="virbr-dev",
    stp=True,
    mtu=9000,
    domain_name="dev.lan",
    dns_forwarders=[DnsForwarder(addr="1.1.1.1"), DnsForwarder(addr="9.9.9.9")],
    dns_hosts=[
        DnsHost(ip="192.168.50.10", hostnames=["web-1", "www"]),
        DnsHost(ip="192.168.50.11", hostnames=["db-1"]),
    ],
    ips=[
        NetworkIp(
            family="ipv4",
            address="192.168.50.1",
            prefix=24,
            dhcp_ranges=[DhcpRange(start="192.168.50.100", end="192.168.50.199")],
            dhcp_hosts=[
                DhcpHost(mac="52:54:00:12:34:56", ip="192.168.50.10", name="web-1"),
                DhcpHost(mac="52:54:00:12:34:57", ip="192.168.50.11"),
            ],
        )
    ],
)

ISOLATED_NETWORK = NetworkSpec(
    name="backend",
    ips=[NetworkIp(address="10.10.0.1", prefix=24)],
)

ROUTED_NETWORK = NetworkSpec(
    name="routed",
    forward_mode="route",
    bridge_name="virbr-routed",
    ips=[
        NetworkIp(
            address="10.20.0.1",
            prefix=24,
            dhcp_ranges=[DhcpRange(start="10.20.0.50", end="10.20.0.99")],
        )
    ],
)

BRIDGED_NETWORK = NetworkSpec(name="host-bridge", forward_mode="bridge", bridge_name="br0")

MACVTAP_NETWORK = NetworkSpec(name="macvtap", forward_mode="private", forward_dev="eth0")

DIR_POOL = PoolSpec(name="images", path="/var/lib/kvm-pulumi/images")

EMPTY_QCOW2_VOLUME = VolumeSpec(name="data.qcow2", capacity_bytes=20 * GIB, pool="images")

CLONE_VOLUME = VolumeSpec(
    name="web-1-root.qcow2",
    capacity_bytes=10 * GIB,
    backing_path="/var/lib/kvm-pulumi/images/debian-12.qcow2",
    backing_format="qcow2",
    pool="images",
)

RAW_VOLUME = VolumeSpec(name="scratch.img", capacity_bytes=GIB, format="raw", pool="images")

CASES: dict[str, XmlModel] = {
    "domain-minimal": MINIMAL_VM,
    "domain-kernel-boot": KERNEL_BOOT_VM,
    "domain-q35": Q35_VM,
    "network-nat": NAT_NETWORK,
    "network-isolated": ISOLATED_NETWORK,
    "network-routed": ROUTED_NETWORK,
    "network-bridged": BRIDGED_NETWORK,
    "network-macvtap": MACVTAP_NETWORK,
    "pool-dir": DIR_POOL,
    "volume-empty-qcow2": EMPTY_QCOW2_VOLUME,
    "volume-clone": CLONE_VOLUME,
    "volume-raw": RAW_VOLUME,
}
