"""IsolatedNetwork: guests reach each other and the host, nothing beyond (no forwarding)."""

from __future__ import annotations

from components.config.networks import IsolatedNetworkConfig
from components.networks.addressed import AddressedNetwork


class IsolatedNetwork(AddressedNetwork):
    """A libvirt network without `<forward>`: a private segment, e.g. a backend network."""

    kind = "isolated"
    config_type = IsolatedNetworkConfig
    forward_mode = None
    type_token = "kvm:index:IsolatedNetwork"
