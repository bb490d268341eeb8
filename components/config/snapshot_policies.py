"""Stack-config checks of snapshot policies: names, references from VMs, and fit.

`snapshotPolicies` maps a policy name to its settings (`SnapshotPolicySettings`: schedule,
keep*, beforeChange, includeMemory, quiesce, mode); a VM names its policy in
`vms[i].snapshotPolicy`. Each message starts with the config path, like every config error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from components.spec.snapshot_policy import SnapshotPolicySpec

if TYPE_CHECKING:
    from components.config.stack import StackConfig


def check_snapshot_policies(config: StackConfig) -> None:
    """Raise ValueError for a bad policy name, an unknown reference or a policy that cannot
    snapshot the VM it governs."""
    for name, settings in config.snapshot_policies.items():
        try:
            SnapshotPolicySpec(name=name, **settings.model_dump())
        except ValidationError as err:
            message = str(err.errors()[0]["msg"]).removeprefix("Value error, ")
            raise ValueError(f"snapshotPolicies.{name}: {message}") from None
    for index, vm in enumerate(config.vms):
        if vm.snapshot_policy is None:
            continue
        where = f"vms[{index}].snapshotPolicy"
        policy = config.snapshot_policies.get(vm.snapshot_policy)
        if policy is None:
            known = ", ".join(sorted(config.snapshot_policies)) or "none declared"
            raise ValueError(
                f"{where}: {vm.snapshot_policy!r} is not a snapshot policy (known: {known})"
            )
        if policy.mode != "internal":
            continue
        template = config.templates.get(vm.template)
        if template is not None and template.generation == "gen2":
            raise ValueError(
                f"{where}: policy {vm.snapshot_policy!r} has mode internal, but VM {vm.name!r} "
                "is gen2 (UEFI): libvirt before 10.10 refuses internal snapshots of UEFI VMs; "
                "use mode auto or disk-only"
            )
        raw = [d.name for d in vm.data_disks if d.format != "qcow2"]
        if raw:
            raise ValueError(
                f"{where}: policy {vm.snapshot_policy!r} has mode internal, but data disks "
                f"{raw} of VM {vm.name!r} are raw (internal snapshots need qcow2); use mode "
                "auto or disk-only, or qcow2 data disks"
            )
