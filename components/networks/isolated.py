"""IsolatedNetwork: guests reach each other and the host, nothing beyond (no forwarding)."""

from __future__ import annotations

from components.config.networks import IsolatedNetworkConfig
from components.networks.addressed import AddressedArgs, AddressedNetwork


class IsolatedNetworkArgs(AddressedArgs, IsolatedNetworkConfig):
    """IsolatedNetwork's arguments: the settings of a `networks.<name>` entry, with its hosts."""


class IsolatedNetwork(AddressedNetwork):
    """A libvirt network without `<forward>`: a private segment, e.g. a backend network."""

    kind = "isolated"
    args_type = IsolatedNetworkArgs
    forward_mode = None
    type_token = "kvm:index:IsolatedNetwork"
