"""RoutedNetwork: guests' own addresses routed (not masqueraded) through the host."""

from __future__ import annotations

from components.config.networks import RoutedNetworkConfig
from components.networks.addressed import AddressedArgs, AddressedNetwork


class RoutedNetworkArgs(AddressedArgs, RoutedNetworkConfig):
    """RoutedNetwork's arguments: the settings of a `networks.<name>` entry, with its hosts."""


class RoutedNetwork(AddressedNetwork):
    """A libvirt `forward mode='route'` network, with optional static routes behind guests.

    The rest of the LAN needs a route to the subnet via the host for replies to come back.
    """

    kind = "routed"
    args_type = RoutedNetworkArgs
    forward_mode = "route"
    type_token = "kvm:index:RoutedNetwork"
