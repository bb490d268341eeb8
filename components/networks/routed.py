"""RoutedNetwork: guests' own addresses routed (not masqueraded) through the host."""

from __future__ import annotations

from components.config.networks import RoutedNetworkConfig
from components.networks.addressed import AddressedNetwork


class RoutedNetwork(AddressedNetwork):
    """A libvirt `forward mode='route'` network, with optional static routes behind guests.

    The rest of the LAN needs a route to the subnet via the host for replies to come back.
    """

    kind = "routed"
    config_type = RoutedNetworkConfig
    forward_mode = "route"
    type_token = "kvm:index:RoutedNetwork"
