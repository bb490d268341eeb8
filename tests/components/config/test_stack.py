"""Stack config validation: each bad input is refused with its path and value."""

from __future__ import annotations

import copy

import pytest

from components.config.load import StackConfigError, parse_stack_config
from tests.components.mocks import stack_config


def _config(**changes):
    config = copy.deepcopy(stack_config("dev"))
    for path, value in changes.items():
        node = config
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        node[int(last) if last.isdigit() else last] = value
    return config


def _error(**changes) -> str:
    with pytest.raises(StackConfigError) as err:
        parse_stack_config(_config(**changes), "dev")
    return str(err.value)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shipped_stacks_validate(stack):
    config = parse_stack_config(stack_config(stack), stack)
    assert config.vms, "each stack declares VMs"


def test_sizes_accept_binary_units_and_plain_mib():
    config = parse_stack_config(
        _config(vms__0__memory="2GiB", vms__1__memory=1536, templates__debian__diskSize="20GiB")
    )
    assert config.vms[0].memory == 2048
    assert config.vms[1].memory == 1536
    assert config.templates["debian"].disk_size == 20 * 1024**3


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"networks__lan__subnet": "10.70.0.0/33"}, "networks.lan.subnet: '10.70.0.0/33'"),
        ({"networks__lan__subnet": "not-a-cidr"}, "networks.lan.subnet: 'not-a-cidr'"),
        ({"networks__lan__subnet": "10.70.0.1/24"}, "has host bits set"),
        ({"networks__lan__dhcp__end": "10.71.0.5"}, "dhcp.end: 10.71.0.5 is outside subnet"),
        (
            {"networks__lan__dhcp__start": "10.70.0.250", "networks__lan__dhcp__end": "10.70.0.20"},
            "dhcp: the range is reversed: start 10.70.0.250 is after end 10.70.0.20",
        ),
        ({"networks__lan__dhcp__start": "10.70.0.1"}, "contains the gateway 10.70.0.1"),
        ({"networks__lan__dhcp__end": "10.70.0.255"}, "is the network or broadcast address"),
        ({"vms__1__memory": "2GB?"}, "vms[1].memory: '2GB?' is not a size"),
        ({"vms__1__memory": -1}, "vms[1].memory: -1 is not a positive size"),
        ({"vms__1__memory": 0}, "vms[1].memory: 0 is not a positive size"),
        ({"templates__debian__diskSize": "-5GiB"}, "templates.debian.diskSize: '-5GiB'"),
        ({"vms__0__nics__0__network": "wan"}, "vms[0].nics[0].network: 'wan' is not a network"),
        ({"vms__0__template": "ubuntu"}, "vms[0].template: 'ubuntu' is not a template"),
        ({"vms__1__name": "web-1"}, "vms: duplicate VM names ['web-1']"),
        ({"vms__0__name": "web/1"}, "vms[0].name: 'web/1' is not a valid libvirt name"),
        ({"vms__0__name": "x" * 70}, "is 70 characters long"),
        ({"vms__0__host": "hv9"}, "vms[0].host: 'hv9' is not a host"),
        ({"hosts__local__uri": "http://example"}, "hosts.local.uri: 'http://example'"),
        ({"templates__debian__image": {"path": "relative.qcow2"}}, "must be an absolute path"),
        ({"templates__debian__image": {"url": "ftp://x/y.qcow2"}}, "must start with http://"),
        ({"templates__debian__image": {}}, "exactly one of path and url"),
        ({"vms__0__memory": "4GiB"}, "vms[0].memory: 4096 MiB is above maxMemory 2048 MiB"),
        ({"templates__debian__pool": "fast"}, "templates.debian.pool: 'fast' is not a pool"),
        ({"vms__0__colour": "blue"}, "vms[0].colour: Extra inputs are not permitted"),
    ],
)
def test_bad_input_names_path_and_value(changes, expected):
    assert expected in _error(**changes)


def test_overlapping_networks_on_one_host():
    config = _config()
    config["networks"]["lab"] = {"subnet": "10.70.0.128/25"}
    with pytest.raises(StackConfigError, match=r"networks.lab.subnet: 10.70.0.128/25 overlaps"):
        parse_stack_config(config)


def test_two_networks_asking_for_one_bridge():
    config = _config(networks__lan__bridgeName="virbr-lan")
    config["networks"]["lab"] = {"subnet": "10.72.0.0/24", "bridgeName": "virbr-lan"}
    with pytest.raises(StackConfigError, match="'virbr-lan' is also asked for by network 'lan'"):
        parse_stack_config(config)


def test_bridge_name_over_15_characters():
    assert "at most 15" in _error(networks__lan__bridgeName="virbr-much-too-long")


def test_several_hosts_need_an_explicit_host_per_vm():
    config = _config()
    config["hosts"]["other"] = {"uri": "qemu+ssh://root@other/system"}
    with pytest.raises(StackConfigError, match=r"vms\[0\].host: required"):
        parse_stack_config(config)


def test_all_errors_reported_at_once():
    message = _error(vms__0__memory="lots", vms__1__vcpus=0)
    assert "vms[0].memory" in message
    assert "vms[1].vcpus" in message
