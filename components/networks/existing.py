"""ExistingNetwork: use a network the stack does not own, e.g. libvirt's `default`.

The stack refers to it read-only: apply checks that it exists, and nothing the stack does
(destroy included) ever changes or deletes it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.config.errors import ComponentArgumentError
from components.hosts.kvm_host import KvmHost
from components.networks.base import HostNetwork
from components.providers.resources import LibvirtNetworkReference
from components.spec.changes import CONNECTION_KEY
from components.spec.names import check_libvirt_name


class ExistingNetwork(HostNetwork):
    """A reference by libvirt name to a network on each of `hosts`."""

    kind = "existing"

    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        network_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        try:
            check_libvirt_name(network_name)
        except ValueError as err:
            raise ComponentArgumentError(f"ExistingNetwork {name!r}: {err}") from None
        super().__init__("kvm:index:ExistingNetwork", name, hosts, network_name, opts)
        for host in hosts:
            self._instances[host.host_name] = LibvirtNetworkReference(
                f"{name}@{host.host_name}",
                {CONNECTION_KEY: host.uri, "name": network_name},
                pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"name": network_name})
