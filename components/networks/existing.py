"""ExistingNetwork: use a network the stack does not own, e.g. libvirt's `default`.

The stack refers to it read-only: apply checks that it exists, and nothing the stack does
(destroy included) ever changes or deletes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import pulumi

from components.base.call_forms import call_form, validated
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.networks import ExistingNetworkConfig
from components.hosts.kvm_host import KvmHost
from components.networks.base import HostNetwork, OnHosts
from components.providers.resources import LibvirtNetworkReference
from components.spec.changes import CONNECTION_KEY


class ExistingNetworkArgs(OnHosts, ExistingNetworkConfig):
    """ExistingNetwork's arguments: the libvirt `name` of the network, and its hosts."""


def _old_form(
    name: str,
    hosts: Sequence[KvmHost],
    network_name: str,
    opts: pulumi.ResourceOptions | None = None,
) -> tuple[ExistingNetworkArgs, pulumi.ResourceOptions | None]:
    """`ExistingNetwork(name, hosts, network_name, opts)`."""
    fields = {"hosts": list(hosts), "name": network_name}
    return validated("ExistingNetwork", name, ExistingNetworkArgs, fields), opts


class ExistingNetwork(HostNetwork):
    """A reference by libvirt name to a network on each of `hosts`."""

    kind = "existing"

    @overload
    def __init__(
        self, name: str, args: ExistingNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        network_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        config, opts = call_form(
            "ExistingNetwork",
            name,
            ExistingNetworkArgs,
            _old_form,
            positional=args,
            keywords=kwargs,
        )
        hosts: list[KvmHost] = config.hosts
        network_name = config.name
        super().__init__("kvm:index:ExistingNetwork", name, hosts, network_name, opts)
        for host in hosts:
            inputs = secret_inputs(
                {CONNECTION_KEY: host.uri, "name": network_name},
                secret=config.secret,
                host_secret=host.config.secret,
            )
            self._instances[host.host_name] = LibvirtNetworkReference(
                f"{name}@{host.host_name}", inputs, child_options(self, opts, inputs)
            )
        self.register_outputs({"name": network_name})
