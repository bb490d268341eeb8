"""snapshotPolicies in the stack YAML: the prod stack's nightly policy, and errors that name
the config path."""

from __future__ import annotations

import copy

import pytest

from components.config.load import StackConfigError, parse_stack_config
from tests.components.mocks import stack_config


def _prod(**policy: object):
    config = copy.deepcopy(stack_config("prod"))
    config["snapshotPolicies"]["nightly"] = {**config["snapshotPolicies"]["nightly"], **policy}
    return config


def test_prod_governs_every_vm_with_a_nightly_policy():
    config = parse_stack_config(stack_config("prod"), "prod")
    nightly = config.snapshot_policies["nightly"]
    assert (nightly.schedule, nightly.keep_last, nightly.keep_daily) == ("daily at 02:00", 3, 7)
    assert (nightly.keep_weekly, nightly.keep_monthly, nightly.before_change) == (4, 6, True)
    assert {vm.name: vm.snapshot_policy for vm in config.vms} == {
        "db-1": "nightly",
        "web-1": "nightly",
        "web-2": "nightly",
    }


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"schedule": "nightly"}, "snapshotPolicies.nightly.schedule: unknown schedule word"),
        (
            {"keepLast": 0, "keepDaily": 0, "keepWeekly": 0, "keepMonthly": 0},
            "snapshotPolicies.nightly: schedule 'daily at 02:00' with every keep* setting 0",
        ),
        ({"includeMemory": True, "mode": "disk-only"}, "snapshotPolicies.nightly.includeMemory"),
        (
            {"mode": "internal"},
            "vms[0].snapshotPolicy: policy 'nightly' has mode internal, but VM 'db-1' is gen2",
        ),
        ({"keepEvery": 3}, "snapshotPolicies.nightly.keepEvery: Extra inputs are not permitted"),
    ],
)
def test_bad_policies_name_the_config_path(policy: dict[str, object], expected: str):
    with pytest.raises(StackConfigError) as raised:
        parse_stack_config(_prod(**policy), "prod")
    assert expected in str(raised.value)


def test_unknown_policy_name_on_a_vm():
    config = _prod()
    config["vms"][2]["snapshotPolicy"] = "hourly"
    with pytest.raises(
        StackConfigError,
        match=r"vms\[2\].snapshotPolicy: 'hourly' is not a snapshot policy \(known: nightly\)",
    ):
        parse_stack_config(config, "prod")


def test_policy_names_must_fit_in_snapshot_names():
    config = _prod()
    config["snapshotPolicies"]["x" * 40] = config["snapshotPolicies"].pop("nightly")
    for vm in config["vms"]:
        vm["snapshotPolicy"] = "x" * 40
    with pytest.raises(StackConfigError, match="must be 1-32 letters"):
        parse_stack_config(config, "prod")
