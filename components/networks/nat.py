"""NatNetwork: guests get addresses by DHCP and reach out through the host's address."""

from __future__ import annotations

from components.config.networks import NatNetworkConfig
from components.networks.addressed import AddressedArgs, AddressedNetwork


class NatNetworkArgs(AddressedArgs, NatNetworkConfig):
    """NatNetwork's arguments: the settings of a `networks.<name>` entry, with its hosts."""


class NatNetwork(AddressedNetwork):
    """A libvirt NAT network (bridge + dnsmasq + masquerading) on each of its hosts."""

    kind = "nat"
    args_type = NatNetworkArgs
    forward_mode = "nat"
    type_token = "kvm:index:NatNetwork"
