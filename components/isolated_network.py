"""IsolatedNetwork: guests reach each other and the host, nothing beyond (no forwarding)."""

from __future__ import annotations

from components.addressed_network import AddressedNetwork
from components.config.networks import IsolatedNetworkConfig
from components.network_base import OnHosts


class IsolatedNetworkArgs(OnHosts, IsolatedNetworkConfig):
    """IsolatedNetwork's arguments: the settings of a `networks.<name>` entry, with its hosts."""


class IsolatedNetwork(AddressedNetwork):
    """A libvirt network without `<forward>`: a private segment, e.g. a backend network."""

    kind = "isolated"
    args_type = IsolatedNetworkArgs
    forward_mode = None
    type_token = "kvm:index:IsolatedNetwork"
