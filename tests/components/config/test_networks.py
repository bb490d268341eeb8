"""Network kinds in the stack config, and the address mistakes each one refuses."""

from __future__ import annotations

import copy

import pytest

from components.config.load import StackConfigError, parse_stack_config
from components.config.networks import (
    BridgedNetworkConfig,
    ExistingNetworkConfig,
    IsolatedNetworkConfig,
    NatNetworkConfig,
    RoutedNetworkConfig,
)
from tests.components.mocks import stack_config


def _with(networks=None, nics=None):
    config = copy.deepcopy(stack_config("dev"))
    if networks is not None:
        config["networks"].update(networks)
    if nics is not None:
        config["vms"][0]["nics"] = nics
    return config


def _error(**kwargs) -> str:
    with pytest.raises(StackConfigError) as err:
        parse_stack_config(_with(**kwargs), "dev")
    return str(err.value)


def test_kind_selects_the_model_and_defaults_to_nat():
    config = parse_stack_config(
        _with(
            networks={
                "iso": {"kind": "isolated", "subnet": "10.90.1.0/24"},
                "dmz": {
                    "kind": "routed",
                    "subnet": "10.90.2.0/24",
                    "routes": [{"subnet": "10.90.20.0/24", "gateway": "10.90.2.254"}],
                },
                "lan2": {"kind": "bridged", "bridge": "br0"},
                "mvt": {"kind": "bridged", "interface": "eth1", "mode": "private"},
                "default": {"kind": "existing", "name": "default"},
            }
        )
    )
    kinds = {name: type(net) for name, net in config.networks.items()}
    assert kinds == {
        "lan": NatNetworkConfig,
        "backend": IsolatedNetworkConfig,
        "iso": IsolatedNetworkConfig,
        "dmz": RoutedNetworkConfig,
        "lan2": BridgedNetworkConfig,
        "mvt": BridgedNetworkConfig,
        "default": ExistingNetworkConfig,
    }


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        (
            {
                "subnet": "10.90.0.0/24",
                "staticLeases": [{"mac": "52:54:00:00:00:01", "ip": "10.91.0.5"}],
            },
            "staticLeases[0].ip: 10.91.0.5 is outside subnet 10.90.0.0/24",
        ),
        (
            {
                "subnet": "10.90.0.0/24",
                "staticLeases": [{"mac": "52:54:00:00:00:01", "ip": "10.90.0.1"}],
            },
            "staticLeases[0].ip: 10.90.0.1 is the gateway's address",
        ),
        (
            {
                "subnet": "10.90.0.0/24",
                "staticLeases": [{"mac": "52:54:00:00:00:01", "ip": "10.90.0.255"}],
            },
            "is the network or broadcast address",
        ),
        (
            {
                "subnet": "10.90.0.0/24",
                "staticLeases": [
                    {"mac": "52:54:00:00:00:01", "ip": "10.90.0.5"},
                    {"mac": "52:54:00:00:00:02", "ip": "10.90.0.5"},
                ],
            },
            "staticLeases: the same ip is used twice: ['10.90.0.5']",
        ),
        (
            {
                "subnet": "10.90.0.0/24",
                "staticLeases": [
                    {"mac": "52:54:00:00:00:01", "ip": "10.90.0.5"},
                    {"mac": "52:54:00:00:00:01", "ip": "10.90.0.6"},
                ],
            },
            "staticLeases: the same mac is used twice: ['52:54:00:00:00:01']",
        ),
        (
            {
                "kind": "routed",
                "subnet": "10.90.0.0/24",
                "routes": [{"subnet": "10.99.0.0/24", "gateway": "10.98.0.1"}],
            },
            "routes[0].gateway: 10.98.0.1 is not on subnet 10.90.0.0/24",
        ),
        (
            {"kind": "isolated", "subnet": "10.90.0.0/24", "forwarders": ["1.1.1.1"]},
            "an isolated network forwards no DNS queries",
        ),
        (
            {"kind": "bridged", "bridge": "br0", "interface": "eth0"},
            "exactly one of bridge and interface",
        ),
        ({"kind": "bridged", "bridge": "a-very-long-bridge0"}, "at most 15"),
        ({"kind": "wifi"}, "networks.extra"),
        (
            {"subnet": "10.90.0.0/24", "ipv6": {"subnet": "fd00::/64", "gateway": "fd01::1"}},
            "ipv6.gateway: fd01::1 is outside subnet fd00::/64",
        ),
    ],
)
def test_bad_network(network, expected):
    assert expected in _error(networks={"extra": network})


@pytest.mark.parametrize(
    ("nics", "expected"),
    [
        (
            [{"network": "backend", "ip": "10.99.0.5"}],
            "vms[0].nics[0].ip: 10.99.0.5 is outside subnet 10.71.0.0/24",
        ),
        (
            [{"network": "backend", "ip": "10.71.0.1"}],
            "vms[0].nics[0].ip: 10.71.0.1 is the gateway",
        ),
        ([{"network": "backend", "ip": "10.71.0.255"}], "network or broadcast address"),
        (
            [{"network": "backend", "ip": "10.71.0.12"}],
            "vms[1].nics[1].ip: 10.71.0.12 is already used by vms[0].nics[0]",
        ),
        (
            [
                {"network": "lan", "mac": "52:54:00:00:00:09"},
                {"network": "backend", "mac": "52:54:00:00:00:09"},
            ],
            "vms[0].nics[1].mac: 52:54:00:00:00:09 is already used by vms[0].nics[0]",
        ),
        ([{"network": "lan", "mac": "52:54:00:00:00:0G"}], "vms[0].nics[0].mac"),
        ([{"network": "lan", "model": "ne2k"}], "vms[0].nics[0].model"),
    ],
)
def test_bad_nic(nics, expected):
    assert expected in _error(nics=nics)


def test_fixed_ip_needs_a_network_libvirt_addresses():
    message = _error(
        networks={"uplink": {"kind": "bridged", "bridge": "br0"}},
        nics=[{"network": "uplink", "ip": "192.168.1.50"}],
    )
    assert "vms[0].nics[0].ip: a fixed IP needs a network whose DHCP libvirt runs" in message


def test_fixed_ip_clashing_with_a_static_lease():
    networks = {
        "backend": {
            "kind": "isolated",
            "subnet": "10.71.0.0/24",
            "staticLeases": [{"mac": "52:54:00:00:00:aa", "ip": "10.71.0.11"}],
        }
    }
    assert "already used by networks.backend.staticLeases[0]" in _error(networks=networks)


def test_prod_uses_a_bridged_lan_and_an_isolated_backend():
    config = parse_stack_config(stack_config("prod"), "prod")
    assert isinstance(config.networks["lan"], BridgedNetworkConfig)
    assert config.networks["lan"].bridge == "br0"
    assert isinstance(config.networks["backend"], IsolatedNetworkConfig)


def test_dev_uses_nat_and_isolated():
    config = parse_stack_config(stack_config("dev"), "dev")
    assert {type(n) for n in config.networks.values()} == {NatNetworkConfig, IsolatedNetworkConfig}
