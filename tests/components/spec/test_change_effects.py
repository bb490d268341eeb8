"""What applying each kind of change means: live, restart, or replace."""

from __future__ import annotations

from typing import Any

import pytest

from components.spec.changes import (
    DOMAIN_RULES,
    NETWORK_RULES,
    POOL_RULES,
    VOLUME_RULES,
    Effect,
    FieldChange,
    classify,
    worst,
)
from tests.components.spec.examples import (
    CLONE_VOLUME,
    DIR_POOL,
    KERNEL_BOOT_VM,
    NAT_NETWORK,
)

VM = KERNEL_BOOT_VM.model_dump(by_alias=True, exclude_none=True, mode="json")
NET = NAT_NETWORK.model_dump(by_alias=True, exclude_none=True, mode="json")
URI = {"connectionUri": "qemu:///system", "adopt": False}


def domain_effects(**changed: Any) -> dict[str, Effect]:
    old = {**VM, **URI}
    return {c.key: c.effect for c in classify(old, {**old, **changed}, DOMAIN_RULES)}


def with_first_ip(**changed: Any) -> dict[str, Any]:
    first = {**NET["ips"][0], **changed}
    return {**NET, "ips": [first, *NET["ips"][1:]]}


def network_effect(new: dict[str, Any]) -> Effect | None:
    return worst([c.effect for c in classify(NET, new, NETWORK_RULES)])


def test_nothing_changed_is_no_change() -> None:
    assert classify({**VM, **URI}, {**VM, **URI}, DOMAIN_RULES) == []


def test_memory_within_the_maximum_is_live() -> None:
    assert VM["maxMemoryMib"] == 4096
    assert domain_effects(memoryMib=4096) == {"memoryMib": Effect.LIVE}
    assert domain_effects(memoryMib=1024) == {"memoryMib": Effect.LIVE}


def test_memory_above_the_maximum_needs_a_restart() -> None:
    assert domain_effects(memoryMib=8192) == {"memoryMib": Effect.RESTART}


def test_changed_maximum_memory_needs_a_restart() -> None:
    assert domain_effects(maxMemoryMib=8192, memoryMib=6144) == {
        "maxMemoryMib": Effect.RESTART,
        "memoryMib": Effect.RESTART,
    }


def test_vcpus_within_the_maximum_are_live() -> None:
    assert VM["maxVcpus"] == 4
    assert domain_effects(vcpus=4) == {"vcpus": Effect.LIVE}


def test_vcpus_above_the_maximum_or_a_new_maximum_need_a_restart() -> None:
    assert domain_effects(vcpus=6) == {"vcpus": Effect.RESTART}
    assert domain_effects(maxVcpus=8, vcpus=6) == {
        "maxVcpus": Effect.RESTART,
        "vcpus": Effect.RESTART,
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [("machine", "q35"), ("domainType", "qemu"), ("arch", "aarch64"), ("name", "other")],
)
def test_identity_of_the_vm_is_a_replace(key: str, value: str) -> None:
    assert domain_effects(**{key: value}) == {key: Effect.REPLACE}


def test_moving_to_another_host_is_a_migration_not_a_replace() -> None:
    assert domain_effects(connectionUri="qemu+ssh://other/system") == {
        "connectionUri": Effect.MIGRATE
    }


def test_volumes_follow_their_vm_on_shared_storage_and_are_copied_elsewhere() -> None:
    old = {"name": "v", "pool": "p", "connectionUri": "qemu+ssh://a/system", "shared": True}
    moved = {**old, "connectionUri": "qemu+ssh://b/system"}
    assert {c.key: c.effect for c in classify(old, moved, VOLUME_RULES)} == {
        "connectionUri": Effect.LIVE
    }
    local = {**old, "shared": False}
    assert {c.key: c.effect for c in classify(local, {**moved, "shared": False}, VOLUME_RULES)} == {
        "connectionUri": Effect.REPLACE
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [("disks", []), ("interfaces", []), ("kernel", "/boot/other"), ("acpi", False)],
)
def test_definition_changes_wait_for_a_restart(key: str, value: object) -> None:
    assert domain_effects(**{key: value}) == {key: Effect.RESTART}


def test_lifecycle_settings_are_live() -> None:
    assert domain_effects(autostart=False, running=False, adopt=True) == {
        "autostart": Effect.LIVE,
        "running": Effect.LIVE,
        "adopt": Effect.LIVE,
    }


def test_pulumi_internal_keys_are_ignored() -> None:
    old = {**VM, **URI, "__provider": "urn:one"}
    assert classify(old, {**old, "__provider": "urn:two"}, DOMAIN_RULES) == []


def test_a_key_without_a_rule_is_a_replace() -> None:
    changes = classify({"mystery": 1}, {"mystery": 2}, DOMAIN_RULES)
    assert changes == [FieldChange("mystery", 1, 2, Effect.REPLACE)]


def test_a_change_records_old_and_new_values() -> None:
    (change,) = classify({**VM, **URI}, {**VM, **URI, "memoryMib": 1024}, DOMAIN_RULES)
    assert (change.old, change.new) == (2048, 1024)


def test_static_lease_change_is_live() -> None:
    hosts = [{"mac": "52:54:00:aa:bb:cc", "ip": "192.168.50.20"}]
    assert network_effect(with_first_ip(dhcpHosts=hosts)) is Effect.LIVE


def test_dhcp_range_change_is_live() -> None:
    ranges = [{"start": "192.168.50.150", "end": "192.168.50.160"}]
    assert network_effect(with_first_ip(dhcpRanges=ranges)) is Effect.LIVE


def test_dns_host_change_is_live() -> None:
    new = {**NET, "dnsHosts": [{"ip": "192.168.50.12", "hostnames": ["cache-1"]}]}
    assert network_effect(new) is Effect.LIVE


@pytest.mark.parametrize(
    "changed", [{"prefix": 16}, {"address": "192.168.60.1"}, {"family": "ipv6"}]
)
def test_subnet_change_is_a_replace(changed: dict[str, Any]) -> None:
    assert network_effect(with_first_ip(**changed)) is Effect.REPLACE


def test_adding_an_address_family_is_a_replace() -> None:
    ipv6 = {"family": "ipv6", "address": "fd00::1", "prefix": 64}
    assert network_effect({**NET, "ips": [*NET["ips"], ipv6]}) is Effect.REPLACE


def test_lease_and_subnet_change_together_is_a_replace() -> None:
    hosts = [{"mac": "52:54:00:aa:bb:cc", "ip": "192.168.60.20"}]
    assert network_effect(with_first_ip(prefix=16, dhcpHosts=hosts)) is Effect.REPLACE


@pytest.mark.parametrize("mode", ["route", "open"])
def test_forward_mode_change_is_a_replace(mode: str) -> None:
    assert network_effect({**NET, "forwardMode": mode}) is Effect.REPLACE


def test_nat_to_isolated_is_a_replace() -> None:
    isolated = {k: v for k, v in NET.items() if k != "forwardMode"}
    assert network_effect(isolated) is Effect.REPLACE


def test_pool_path_is_a_replace_and_autostart_live() -> None:
    old = DIR_POOL.model_dump(by_alias=True, mode="json")
    changes = classify(old, {**old, "path": "/srv/images", "autostart": False}, POOL_RULES)
    assert {c.key: c.effect for c in changes} == {
        "path": Effect.REPLACE,
        "autostart": Effect.LIVE,
    }


def test_volume_grows_live_and_keeps_its_base_until_rebuilt() -> None:
    old = CLONE_VOLUME.model_dump(by_alias=True, exclude_none=True, mode="json")
    changes = classify(
        old, {**old, "capacityBytes": 2 * old["capacityBytes"], "backingPath": "/b"}, VOLUME_RULES
    )
    assert {c.key: c.effect for c in changes} == {"capacityBytes": Effect.LIVE}


def test_a_rebuild_clones_the_new_base() -> None:
    old = CLONE_VOLUME.model_dump(by_alias=True, exclude_none=True, mode="json")
    changes = classify(old, {**old, "backingPath": "/b", "rebuild": 1}, VOLUME_RULES)
    assert {c.key: c.effect for c in changes} == {
        "backingPath": Effect.REPLACE,
        "rebuild": Effect.REPLACE,
    }


def test_worst_is_the_most_disruptive_effect() -> None:
    assert worst([]) is None
    assert worst([Effect.LIVE]) is Effect.LIVE
    assert worst([Effect.RESTART, Effect.LIVE]) is Effect.RESTART
    assert worst([Effect.LIVE, Effect.MIGRATE, Effect.RESTART]) is Effect.MIGRATE
    assert worst([Effect.REPLACE, Effect.MIGRATE, Effect.LIVE]) is Effect.REPLACE
