"""What every network component shares: one libvirt network per host, and its NICs.

A network with the same libvirt name on each of its hosts is what lets a VM's NIC resolve
wherever the VM runs. The component also keeps the NICs attached to it, so a second use of
a fixed IP or MAC fails when the VM is declared, not when dnsmasq refuses it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
from pydantic import BaseModel, Field, InstanceOf

from components.base.call_forms import ARGS_CONFIG, ArgsModel, OldForm, fields_of, validated
from components.config.errors import ComponentArgumentError
from components.config.naming import Owner, claim
from components.hosts.inspection import HostInspector, host_inspector
from components.hosts.kvm_host import KvmHost

T = TypeVar("T")


class OnHosts(ArgsModel):
    """The `hosts` of a network's args: the host components it is made on."""

    model_config = ARGS_CONFIG

    hosts: list[InstanceOf[KvmHost]] = Field(min_length=1)
    """The hosts the network is made on (the same libvirt name on each)."""


@dataclass(frozen=True)
class AttachedNic:
    """A NIC a VM put on this network."""

    vm: str
    mac: str
    ip: ipaddress.IPv4Address | None


def inspect_host(
    component: pulumi.Resource, host: KvmHost, ask: Callable[[HostInspector], T]
) -> T | None:
    """Ask the host something at preview; None when checks are off or the host is unreachable
    (a warning then: the providers fail on an unreachable host at apply)."""
    inspector = host_inspector()
    if inspector is None or host.config.down:
        return None
    try:
        return ask(inspector)
    except Exception as err:
        pulumi.log.warn(f"cannot inspect host {host.host_name} ({host.uri}): {err}", component)
        return None


class HostNetwork(pulumi.ComponentResource):
    """Base of the network components: per-host instances and attached NICs."""

    kind: str = ""
    subnet: ipaddress.IPv4Network | None = None
    gateway: ipaddress.IPv4Address | None = None

    def __init__(
        self,
        type_token: str,
        name: str,
        hosts: Sequence[KvmHost],
        network_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not hosts:
            raise ComponentArgumentError(
                f"{type_token.rsplit(':', 1)[-1]} {name!r}: needs at least one host"
            )
        owner = Owner(type_token.rsplit(":", 1)[-1], name)
        claim("resource", "", f"network {name}", owner)
        for host in hosts:
            claim("network", f"on host {host.host_name}", network_name, owner)
        super().__init__(type_token, name, None, opts)
        self.logical_name = name
        self.network_name = network_name
        self.host_names = [h.host_name for h in hosts]
        self._instances: dict[str, pulumi.CustomResource] = {}
        self._nics: list[AttachedNic] = []
        self._reserved: dict[ipaddress.IPv4Address, str] = {}

    def on(self, host: KvmHost) -> pulumi.CustomResource:
        """The network's instance on `host`; raise if it is not made there."""
        try:
            return self._instances[host.host_name]
        except KeyError:
            raise ComponentArgumentError(
                f"network {self.network_name!r} is not made on host {host.host_name!r}"
            ) from None

    def uuid_on(self, host: KvmHost) -> pulumi.Output[str]:
        """The UUID of the network's instance on `host` (changes when it is replaced)."""
        return self.on(host).uuid  # type: ignore[attr-defined, no-any-return]

    @property
    def manages_addresses(self) -> bool:
        """libvirt runs DHCP here, so NICs may have fixed IPs (reservations)."""
        return self.subnet is not None

    def reserved_ips(self) -> dict[ipaddress.IPv4Address, str]:
        """Fixed IPs already taken on this network, and by what."""
        return dict(self._reserved)

    def check_fixed_ip(self, where: str, ip: ipaddress.IPv4Address) -> None:
        """Raise (prefixed by `where`) unless `ip` can be a guest's fixed IP here."""
        if self.subnet is None or self.gateway is None:
            raise ComponentArgumentError(
                f"{where}: a fixed IP needs a network whose DHCP libvirt runs (nat, "
                f"isolated or routed); {self.logical_name!r} is {self.kind}"
            )
        from components.config.networks import check_fixed_ip

        try:
            check_fixed_ip("ip", ip, self.subnet, self.gateway)
        except ValueError as err:
            raise ComponentArgumentError(f"{where}: {err}") from None

    def attach(self, vm: str, mac: str, ip: ipaddress.IPv4Address | None) -> None:
        """Record a VM's NIC; raise (naming both users) on a reused MAC or fixed IP."""
        where = f"VirtualMachine {vm!r}: NIC on network {self.logical_name!r}"
        for nic in self._nics:
            if nic.mac == mac:
                raise ComponentArgumentError(f"{where}: MAC {mac} is already used by VM {nic.vm!r}")
        if ip is not None:
            self.check_fixed_ip(where, ip)
            if ip in self._reserved:
                raise ComponentArgumentError(
                    f"{where}: ip {ip} is already used by {self._reserved[ip]}"
                )
            self._reserved[ip] = f"VM {vm!r}"
        self._nics.append(AttachedNic(vm, mac, ip))


NetworkArgs = TypeVar("NetworkArgs", bound="OnHosts")


def hosts_first_form(component: str, args_type: type[NetworkArgs]) -> OldForm[NetworkArgs]:
    """The old call `Kind(name, hosts, config | None, opts, **settings)` that the NAT,
    isolated, routed and bridged networks all took."""

    def old_form(
        name: str,
        hosts: Sequence[KvmHost],
        args: BaseModel | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **settings: Any,
    ) -> tuple[NetworkArgs, pulumi.ResourceOptions | None]:
        fields = fields_of(args, "hosts") if args is not None else settings
        return validated(component, name, args_type, {**fields, "hosts": list(hosts)}), opts

    return old_form
