"""VirtualMachine: a VM made from a template — a CoW root disk plus a libvirt domain.

Deleting or replacing the domain never deletes a disk: the root disk is a resource of
its own, parented to the VM, and goes only when the VM leaves the program.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import pulumi
from pydantic import ValidationError

from components.config.stack import VmSettings
from components.kvm_host import KvmHost, component_error
from components.naming import derived_mac, libvirt_name, ownership
from components.network_base import HostNetwork
from components.providers.resources import LibvirtDhcpReservation, LibvirtDomain, LibvirtVolume
from components.spec.changes import CONNECTION_KEY
from components.spec.domain import Disk, DomainSpec, Interface, NicModel, SerialConsole
from components.vm_template import VmTemplate

SERIAL_LOG_DIR = "/var/log/libvirt/qemu"


@dataclass(frozen=True)
class Nic:
    """A NIC on one of the stack's networks.

    `mac` is derived from project, stack, VM and NIC index when not given; `ip` (on a nat,
    isolated or routed network) becomes a DHCP reservation for this NIC on the network.
    """

    network: HostNetwork
    ip: str | ipaddress.IPv4Address | None = None
    mac: str | None = None
    model: NicModel = "virtio"

    def fixed_ip(self, vm: str) -> ipaddress.IPv4Address | None:
        """The fixed IP as an address; raise naming the VM when it is not one."""
        if self.ip is None:
            return None
        try:
            return ipaddress.IPv4Address(str(self.ip))
        except ValueError:
            raise ValueError(
                f"VirtualMachine {vm!r}: NIC ip {self.ip!r} is not an IPv4 address"
            ) from None


class VirtualMachine(pulumi.ComponentResource):
    """A VM on one host, cloned from a template, with per-VM overrides."""

    def __init__(
        self,
        name: str,
        template: VmTemplate,
        host: KvmHost,
        nics: list[Nic] | None = None,
        *,
        args: VmSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            settings = args or VmSettings.model_validate(kwargs)
        except ValidationError as err:
            raise component_error("VirtualMachine", name, err) from None
        nics = nics or []
        self.domain_name = libvirt_name(name)
        spec = self._domain_spec(name, template, host, nics, settings)
        networks = [nic.network.on(host) for nic in nics]
        fixed = [nic.fixed_ip(name) for nic in nics]
        for nic, interface, ip in zip(nics, spec.interfaces, fixed, strict=True):
            nic.network.attach(name, str(interface.mac), ip)
        super().__init__("kvm:index:VirtualMachine", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        base = template.base_volume(host)
        profile = template.settings
        root_props: dict[str, Any] = {
            CONNECTION_KEY: host.uri,
            "name": libvirt_name(name, suffix="-root.qcow2"),
            "pool": template.pool.pool_name,
            "format": "qcow2",
            "backingPath": base.path,
            "backingFormat": profile.image.format,
            "capacityBytes": settings.disk_size or profile.disk_size or base.virtual_size_bytes,
        }
        self.root_disk = LibvirtVolume(f"{name}-root", root_props, child)
        self.reservations = [
            LibvirtDhcpReservation(
                f"{name}-nic{index}",
                {
                    CONNECTION_KEY: host.uri,
                    "network": nic.network.network_name,
                    "networkUuid": nic.network.uuid_on(host),
                    "mac": interface.mac,
                    "ip": str(ip),
                    "name": name,
                },
                pulumi.ResourceOptions(parent=self, depends_on=[networks[index]]),
            )
            for index, (nic, interface, ip) in enumerate(
                zip(nics, spec.interfaces, fixed, strict=True)
            )
            if ip is not None
        ]
        self.domain = LibvirtDomain(
            name,
            {CONNECTION_KEY: host.uri, **spec.model_dump(by_alias=True, exclude_none=True)},
            pulumi.ResourceOptions(
                parent=self, depends_on=[self.root_disk, *networks, *self.reservations]
            ),
        )
        self.uuid: pulumi.Output[str] = self.domain.uuid
        self.mac_addresses = [i.mac for i in spec.interfaces]
        self.ip_addresses = [str(ip) for ip in fixed if ip is not None]
        self.host = host
        self.register_outputs(
            {
                "name": self.domain_name,
                "uuid": self.uuid,
                "host": host.host_name,
                "macAddresses": self.mac_addresses,
                "ipAddresses": self.ip_addresses,
                "pendingRestart": self.domain.pending_restart,
            }
        )

    def _domain_spec(
        self,
        name: str,
        template: VmTemplate,
        host: KvmHost,
        nics: list[Nic],
        settings: VmSettings,
    ) -> DomainSpec:
        """The domain this VM asks for; raises (naming the VM) on impossible sizes."""
        profile = template.settings
        memory = settings.memory or profile.memory
        max_memory = settings.max_memory or profile.max_memory or memory
        vcpus = settings.vcpus or profile.vcpus
        max_vcpus = settings.max_vcpus or profile.max_vcpus or vcpus
        if memory > max_memory:
            raise ValueError(
                f"VirtualMachine {name!r}: memory {memory} MiB is above maxMemory {max_memory} MiB"
            )
        if vcpus > max_vcpus:
            raise ValueError(
                f"VirtualMachine {name!r}: vcpus {vcpus} is above maxVcpus {max_vcpus}"
            )
        interfaces = [
            Interface(
                network=nic.network.network_name,
                mac=nic.mac or derived_mac(name, index),
                model=nic.model,
            )
            for index, nic in enumerate(nics)
        ]
        root = Disk(
            pool=template.pool.pool_name,
            volume=libvirt_name(name, suffix="-root.qcow2"),
            target="vda",
        )
        return DomainSpec(
            name=self.domain_name,
            domain_type=host.domain_type,
            ownership=ownership(name),
            memory_mib=memory,
            max_memory_mib=max_memory,
            vcpus=vcpus,
            max_vcpus=max_vcpus,
            machine=profile.machine,
            kernel=profile.kernel,
            initrd=profile.initrd,
            cmdline=settings.cmdline or profile.cmdline,
            disks=[root],
            interfaces=interfaces,
            serial=SerialConsole(
                log_file=f"{SERIAL_LOG_DIR}/{self.domain_name}-serial.log", log_append=True
            ),
            autostart=settings.autostart,
            running=settings.running,
            restart_policy=settings.restart_policy,
            shutdown_timeout_seconds=settings.shutdown_timeout_seconds,
        )
