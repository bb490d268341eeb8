"""Plans the picture tests draw: a prod change with every action, and a dev host move.

`prod_change` changes a copy of `stacks/Pulumi.prod.yaml`: web-1 moves from hv1 to hv2
(migrate; its root disk follows on shared storage), db-1's maximum memory doubles (update +
restart), web-2 gets more memory within its maximum (update live), a VM web-3 is added
(create) and the network `mgmt` that only the old side has goes (delete); `backend` changes
subnet (replace, re-attaching its VMs).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from components.plan.diff import PlanDiff, diff_plans
from components.plan.model import Plan
from components.plan.sources import plan_in_process
from tests.components.plan.projects import program_project, stack_file


def stack_plan(directory: Path, stack: str, data: dict[str, Any]) -> Plan:
    """The plan of the repo's program for `stack` with the stack file `data`."""
    return plan_in_process(program_project(directory, {stack: data}), stack)


def prod_change(directory: Path) -> tuple[Plan, Plan, PlanDiff]:
    """(old plan, new plan, diff) of the prod change described above."""
    before = copy.deepcopy(stack_file("prod"))
    config = before["config"]
    config["kvm-estate:networks"]["mgmt"] = {
        "kind": "isolated",
        "subnet": "10.90.0.0/24",
        "hosts": ["hv1"],
    }
    after = copy.deepcopy(stack_file("prod"))
    config = after["config"]
    vms = {vm["name"]: vm for vm in config["kvm-estate:vms"]}
    vms["web-1"]["host"] = "hv2"
    vms["db-1"]["maxMemory"] = "32GiB"
    vms["web-2"]["memory"] = "6GiB"
    config["kvm-estate:vms"].append(
        {**copy.deepcopy(vms["web-2"]), "name": "web-3", "nics": [{"network": "lan"}]}
    )
    backend = config["kvm-estate:networks"]["backend"]
    backend.update(subnet="10.81.0.0/24", dhcp={"start": "10.81.0.100", "end": "10.81.0.199"})
    for vm in config["kvm-estate:vms"]:
        for nic in vm["nics"]:
            if "ip" in nic:
                nic["ip"] = nic["ip"].replace("10.80.", "10.81.")
    old = stack_plan(directory / "old", "prod", before)
    new = stack_plan(directory / "new", "prod", after)
    return old, new, diff_plans(old, new, "main", "this change")


def dev_move(directory: Path) -> tuple[Plan, Plan, PlanDiff]:
    """(old plan, new plan, diff) of both dev VMs moving to a second host without shared
    storage: their disks are copied, a base image is made there and the old one deleted."""
    before = copy.deepcopy(stack_file("dev"))
    config = before["config"]
    config["kvm-estate:hosts"]["hv2"] = {"uri": "qemu+ssh://admin@hv2.example.internal/system"}
    for vm in config["kvm-estate:vms"]:
        vm["host"] = "local"
    after = copy.deepcopy(before)
    for vm in after["config"]["kvm-estate:vms"]:
        vm["host"] = "hv2"
    old = stack_plan(directory / "old", "dev", before)
    new = stack_plan(directory / "new", "dev", after)
    return old, new, diff_plans(old, new, "main", "this change")
