"""Every policy rule with a resource that passes and one that fails (synthetic inputs).

The inputs are shaped like the wire inputs the program registers; fields the product does
not have yet (e.g. `gen1Reason` on a domain) are exercised here with the names the rules read.
"""

from __future__ import annotations

import pytest

from components.plan.values import SECRET, UNKNOWN
from components.policies.rules import RULES, RuleResource, check
from tests.policy.resources import URI, domain, host, network, urn, volume


def _rule(resources, rule, config=None):
    return [v for v in check(resources, {rule: config} if config else None) if v.rule == rule]


def test_every_rule_has_a_unique_name_and_the_issue_levels():
    names = [r.name for r in RULES]
    assert len(set(names)) == len(names) == 7
    advisory = {r.name for r in RULES if not r.mandatory}
    assert advisory == {"gen1-needs-reason", "host-passthrough-blocks-migration"}


# ---- prod VMs have a snapshot policy --------------------------------------------------------


def test_prod_vm_without_snapshot_policy_fails():
    (violation,) = _rule([domain("db-1")], "prod-vm-snapshot-policy")
    assert violation.mandatory
    assert "prod-db-1" in violation.message and "snapshot policy" in violation.message
    assert violation.urn == domain("db-1").urn


def test_prod_vm_with_snapshot_policy_passes():
    resources = [domain("db-1", snapshotPolicy={"name": "nightly", "keepDaily": 7})]
    assert _rule(resources, "prod-vm-snapshot-policy") == []


def test_snapshot_policy_resource_of_the_vm_passes():
    vm = domain("db-1")
    policy = RuleResource(
        urn("prod", "kvm:index:SnapshotPolicy", "db-1-nightly"),
        "kvm:index:SnapshotPolicy",
        "db-1-nightly",
        {},
        parent=vm.parent,
    )
    assert _rule([vm, policy], "prod-vm-snapshot-policy") == []


def test_dev_vm_needs_no_snapshot_policy_and_unknown_policy_is_not_judged():
    assert _rule([domain("web-1", stack="dev")], "prod-vm-snapshot-policy") == []
    assert _rule([domain("web-1", snapshotPolicy=UNKNOWN)], "prod-vm-snapshot-policy") == []


def test_production_stacks_can_be_named_in_config():
    resources = [domain("web-1", stack="live")]
    assert _rule(resources, "prod-vm-snapshot-policy") == []
    config = {"productionStacks": ["live"]}
    assert len(_rule(resources, "prod-vm-snapshot-policy", config)) == 1


# ---- prod data disks are protected or retained ----------------------------------------------


def _with_data_disk(**disk):
    root = {"pool": "prod-vmstore", "volume": "prod-db-1-root.qcow2", "target": "vda"}
    data = {"pool": "prod-vmstore", "volume": "prod-db-1-pgdata.qcow2", "target": "vdb", **disk}
    return domain("db-1", disks=[root, data])


def test_unretained_prod_data_disk_fails():
    resources = [_with_data_disk(), volume("db-1-pgdata"), volume("db-1-root")]
    (violation,) = _rule(resources, "prod-data-disk-retained")
    assert violation.urn == volume("db-1-pgdata").urn
    assert "vdb" in violation.message and "prod-db-1-pgdata.qcow2" in violation.message


@pytest.mark.parametrize(
    ("disk", "data_volume"),
    [
        ({}, volume("db-1-pgdata", retain=True)),
        ({}, volume("db-1-pgdata", protect=True)),
        ({"retainOnDelete": True}, volume("db-1-pgdata")),
        ({}, volume("db-1-pgdata", retain=None)),  # option out of sight (pulumi-policy)
    ],
)
def test_retained_or_protected_data_disk_passes(disk, data_volume):
    resources = [_with_data_disk(**disk), data_volume, volume("db-1-root")]
    assert _rule(resources, "prod-data-disk-retained") == []


def test_system_disk_and_dev_disks_are_not_data_disks_of_prod():
    assert _rule([domain("db-1"), volume("db-1-root")], "prod-data-disk-retained") == []
    dev = domain(
        "db-1",
        stack="dev",
        disks=[
            {"pool": "dev-vmstore", "volume": "dev-db-1-root.qcow2", "target": "vda"},
            {"pool": "dev-vmstore", "volume": "dev-db-1-pgdata.qcow2", "target": "vdb"},
        ],
    )
    assert _rule([dev, volume("db-1-pgdata", stack="dev")], "prod-data-disk-retained") == []


# ---- consoles beyond loopback need a password -----------------------------------------------


@pytest.mark.parametrize("kind", ["vnc", "spice"])
def test_console_on_all_addresses_without_password_fails(kind):
    resources = [domain("web-1", stack="dev", graphics={"type": kind, "listen": "0.0.0.0"})]
    (violation,) = _rule(resources, "console-loopback-or-password")
    assert violation.mandatory
    assert f"{kind.upper()} console listens on 0.0.0.0 without a password" in violation.message


@pytest.mark.parametrize(
    "graphics",
    [
        {"type": "vnc", "listen": "127.0.0.1"},
        {"type": "vnc", "listen": "::1"},
        {"type": "vnc"},  # libvirt's default listen address: loopback
        {"type": "vnc", "listen": "0.0.0.0", "password": SECRET},
        {"type": "spice", "listen": "10.0.0.5", "password": "plaintext-in-the-pack"},
        [{"type": "vnc", "listen": "localhost"}],
    ],
)
def test_console_on_loopback_or_with_password_passes(graphics):
    resources = [domain("web-1", graphics=graphics)]
    assert _rule(resources, "console-loopback-or-password") == []


def test_empty_password_is_no_password():
    resources = [domain("web-1", graphics=[{"type": "vnc", "listen": "0.0.0.0", "password": ""}])]
    (violation,) = _rule(resources, "console-loopback-or-password")
    assert "without a password" in violation.message


# ---- networks on one host do not overlap ----------------------------------------------------


def test_overlapping_networks_on_one_host_fail():
    resources = [network("lan", "10.70.0.1", 24), network("wide", "10.70.128.1", 16)]
    (violation,) = _rule(resources, "no-overlapping-networks")
    assert "10.70.0.0/16" in violation.message and "10.70.0.0/24" in violation.message


def test_disjoint_networks_and_other_hosts_pass():
    assert (
        _rule(
            [network("lan", "10.70.0.1", 24), network("backend", "10.71.0.1", 24)],
            "no-overlapping-networks",
        )
        == []
    )
    other_host = network("lan", "10.70.0.1", 24, uri="qemu+ssh://admin@hv2/system")
    assert _rule([network("lan", "10.70.0.1", 24), other_host], "no-overlapping-networks") == []


# ---- VM memory fits the host ----------------------------------------------------------------


def test_vm_larger_than_its_host_fails():
    resources = [host(), domain("db-1", memoryMib=4096, maxMemoryMib=16384)]
    violations = _rule(resources, "vm-memory-within-host", {"hostMemoryMib": {"hv1": 8192}})
    assert any("may use 16384 MiB" in v.message for v in violations)


def test_vms_adding_up_beyond_the_host_fail_on_the_host():
    vms = [domain(f"web-{i}", memoryMib=2048, maxMemoryMib=2048) for i in range(3)]
    config = {"hostMemoryMib": {URI: 4096}}
    (violation,) = _rule([host(), *vms], "vm-memory-within-host", config)
    assert violation.urn == host().urn
    assert "6144 MiB together" in violation.message


def test_memory_within_capacity_or_overcommit_passes():
    vms = [domain(f"web-{i}", memoryMib=2048, maxMemoryMib=2048) for i in range(3)]
    config = {"hostMemoryMib": {"hv1": 4096}, "memoryOvercommit": 2.0}
    assert _rule([host(), *vms], "vm-memory-within-host", config) == []
    assert _rule([host(), *vms], "vm-memory-within-host", {"hostMemoryMib": {"hv1": 8192}}) == []


def test_capacity_the_host_states_is_used_and_no_capacity_is_no_check():
    vm = domain("db-1", maxMemoryMib=16384)
    assert len(_rule([host(memoryMib=8192), vm], "vm-memory-within-host")) == 2
    assert _rule([host(), vm], "vm-memory-within-host") == []


# ---- advisory: gen1 with a reason -----------------------------------------------------------


def test_gen1_without_reason_is_advisory():
    (violation,) = _rule([domain("old", machine="pc", firmware=None)], "gen1-needs-reason")
    assert not violation.mandatory
    assert "gen1" in violation.message


@pytest.mark.parametrize(
    "props",
    [
        {"machine": "pc", "firmware": None, "gen1Reason": "Windows 2008 guest"},
        {"generation": "gen1", "generationReason": "PXE appliance"},
        {"machine": "q35", "firmware": "efi"},
        {"generation": "gen2", "machine": "q35"},
    ],
)
def test_gen1_with_reason_and_gen2_pass(props):
    assert _rule([domain("vm", **props)], "gen1-needs-reason") == []


def test_explicit_gen1_generation_without_reason_fails():
    assert len(_rule([domain("vm", generation="gen1")], "gen1-needs-reason")) == 1


# ---- advisory: host-passthrough -------------------------------------------------------------


def test_host_passthrough_is_advisory_and_host_model_passes():
    (violation,) = _rule(
        [domain("db-1", cpuMode="host-passthrough")], "host-passthrough-blocks-migration"
    )
    assert not violation.mandatory and "live-migrate" in violation.message
    assert _rule([domain("db-1", cpuMode="host-model")], "host-passthrough-blocks-migration") == []


# ---- enforcement from config ----------------------------------------------------------------


def test_enforcement_level_can_be_raised_or_disabled():
    resources = [domain("db-1", cpuMode="host-passthrough")]
    raised = check(
        resources, {"host-passthrough-blocks-migration": {"enforcementLevel": "mandatory"}}
    )
    assert [v.mandatory for v in raised if v.rule == "host-passthrough-blocks-migration"] == [True]
    off = check(resources, {"host-passthrough-blocks-migration": {"enforcementLevel": "disabled"}})
    assert not [v for v in off if v.rule == "host-passthrough-blocks-migration"]
