"""BridgedNetwork: guests directly on the host's LAN, through an existing host bridge
(`br0`) or macvtap on a host NIC.

The bridge (or NIC) is the host's, made outside libvirt; the preview fails when it does not
exist on a host, because libvirt would only notice when a VM starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, overload

import pulumi
from pydantic import WrapValidator

from components.base.call_forms import call_form, later_if_output
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError
from components.config.naming import adopting, libvirt_name, ownership
from components.config.networks import BridgedNetworkConfig
from components.config.types import BridgeName
from components.hosts.inspection import HostInspector
from components.hosts.kvm_host import KvmHost
from components.networks.base import HostNetwork, OnHosts, hosts_first_form, inspect_host
from components.providers.resources import LibvirtNetwork
from components.spec.changes import CONNECTION_KEY
from components.spec.names import check_bridge_name
from components.spec.network import NetworkSpec

BridgeOrLater = Annotated[BridgeName | pulumi.Output[str] | None, WrapValidator(later_if_output)]


class BridgedNetworkArgs(OnHosts, BridgedNetworkConfig):
    """BridgedNetwork's arguments: the settings of a `networks.<name>` entry, with its hosts."""

    bridge: BridgeOrLater = None  # type: ignore[assignment]
    """The host bridge (`br0`); may be an `Output` (checked once known; the preview cannot
    check that the host has it then)."""


def bridged_network_spec(
    name: str, config: BridgedNetworkConfig, owner: dict[str, str]
) -> NetworkSpec:
    """`<forward mode='bridge'/><bridge name='br0'/>`, or macvtap `<forward mode dev>`."""
    if config.bridge is not None:
        return NetworkSpec.model_validate(
            {
                "name": name,
                "ownership": owner,
                "forwardMode": "bridge",
                "bridgeName": config.bridge,
                "autostart": config.autostart,
            }
        )
    return NetworkSpec.model_validate(
        {
            "name": name,
            "ownership": owner,
            "forwardMode": config.mode,
            "forwardDev": config.interface,
            "autostart": config.autostart,
        }
    )


def _network_inputs(
    name: str, network_name: str, config: BridgedNetworkConfig, later: pulumi.Output[str] | None
) -> dict[str, Any]:
    """The network's inputs; a bridge that is an `Output` is checked (naming the network
    and the field) once known. Nothing else in the spec depends on the bridge's name, so
    the rest is built with a stand-in name that the `Output` then replaces."""
    if later is None:
        spec = bridged_network_spec(network_name, config, ownership(name))
        return spec.model_dump(by_alias=True, exclude_none=True)
    stand_in = config.model_copy(update={"bridge": "br0"})
    props = bridged_network_spec(network_name, stand_in, ownership(name)).model_dump(
        by_alias=True, exclude_none=True
    )

    def checked(bridge: object) -> str:
        try:
            return check_bridge_name(bridge)
        except ValueError as err:
            raise ComponentArgumentError(f"BridgedNetwork {name!r}: bridge: {err}") from None

    return {**props, "bridgeName": later.apply(checked)}


def _interfaces_of(host: KvmHost) -> Callable[[HostInspector], set[str]]:
    return lambda inspector: inspector.interfaces(host.uri)


class BridgedNetwork(HostNetwork):
    """A libvirt network onto a host bridge or NIC; addresses come from the LAN's DHCP."""

    kind = "bridged"

    @overload
    def __init__(
        self, name: str, args: BridgedNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        args: BridgedNetworkConfig | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        config, opts = call_form(
            "BridgedNetwork",
            name,
            BridgedNetworkArgs,
            hosts_first_form("BridgedNetwork", BridgedNetworkArgs),
            positional=args,
            keywords=kwargs,
        )
        hosts: list[KvmHost] = config.hosts
        super().__init__(
            "kvm:index:BridgedNetwork", name, hosts, libvirt_name(name, config.libvirt_name), opts
        )
        later = config.bridge if isinstance(config.bridge, pulumi.Output) else None
        self.uplink: str | pulumi.Output[str] = later or str(config.bridge or config.interface)
        props = _network_inputs(name, self.network_name, config, later)
        for host in hosts:
            present = None if later else inspect_host(self, host, _interfaces_of(host))
            if present is not None and self.uplink not in present:
                what = "bridge" if config.bridge else "interface"
                raise ComponentArgumentError(
                    f"BridgedNetwork {name!r}: {what} {self.uplink!r} does not exist on host "
                    f"{host.host_name!r} (has: {', '.join(sorted(present)) or 'none'}); "
                    "create it on the host first"
                )
            inputs = secret_inputs(
                {CONNECTION_KEY: host.uri, **props, **adopting(config.adopt)},
                secret=config.secret,
                host_secret=host.config.secret,
            )
            self._instances[host.host_name] = LibvirtNetwork(
                f"{name}@{host.host_name}", inputs, child_options(self, opts, inputs)
            )
        self.register_outputs({"name": self.network_name, "uplink": self.uplink})
