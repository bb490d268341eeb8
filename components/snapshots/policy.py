"""SnapshotPolicy: scheduled snapshots with retention, and snapshots before risky changes.

    nightly = SnapshotPolicy("nightly", SnapshotPolicyArgs(schedule="daily at 02:00",
                             keep_last=3, keep_daily=7, before_change=True))
    VirtualMachine("db-1", VirtualMachineArgs(template=debian, host=hv1,
                                              snapshot_policy=nightly))

The policy makes no libvirt object of its own: it is written into each governed domain's
`<metadata>` (see `components.spec.snapshot_policy`), where the domain provider finds it for
pre-change snapshots and the runner (`python -m components.snapshots run`) for schedules and
retention. Settings are checked at construction: bad schedule words, a schedule with every
keep_* 0, include_memory with mode disk-only.
"""

from __future__ import annotations

from typing import Any, overload

import pulumi
from pydantic import ValidationError

from components.base.call_forms import ArgsModel, call_form, fields_of, validated
from components.config.errors import component_error
from components.spec.domain import DomainSpec
from components.spec.snapshot_policy import SnapshotPolicySettings, SnapshotPolicySpec


class SnapshotPolicyArgs(ArgsModel, SnapshotPolicySettings):
    """SnapshotPolicy's arguments: the settings of a `snapshotPolicies.<name>` entry."""


def _old_form(
    name: str,
    args: SnapshotPolicySettings | None = None,
    opts: pulumi.ResourceOptions | None = None,
    **kwargs: Any,
) -> tuple[SnapshotPolicyArgs, pulumi.ResourceOptions | None]:
    """`SnapshotPolicy(name, SnapshotPolicySettings(...) | **settings, opts)`."""
    fields = fields_of(args) if args is not None else kwargs
    return validated("SnapshotPolicy", name, SnapshotPolicyArgs, fields), opts


class SnapshotPolicy(pulumi.ComponentResource):
    """A named snapshot policy; pass it to the VMs it governs (`snapshot_policy=`)."""

    @overload
    def __init__(
        self, name: str, args: SnapshotPolicyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        args: SnapshotPolicySettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        settings, opts = call_form(
            "SnapshotPolicy", name, SnapshotPolicyArgs, _old_form, positional=args, keywords=kwargs
        )
        try:
            self.spec = SnapshotPolicySpec(name=name, **fields_of(settings, "secret"))
        except ValidationError as err:
            raise component_error("SnapshotPolicy", name, err) from None
        super().__init__("kvm:index:SnapshotPolicy", name, None, opts)
        self.policy_name = name
        self.register_outputs(self.spec.model_dump(by_alias=True, exclude_none=True))


def governed(
    spec: DomainSpec, policy: SnapshotPolicy | None, delete_snapshots: bool, vm: str
) -> DomainSpec:
    """`spec` under `policy` (and with the VM's delete_snapshots choice); raise naming the VM
    when the policy cannot snapshot its disks."""
    if policy is None and not delete_snapshots:
        return spec
    fields = spec.model_dump()
    fields["snapshot_policy"] = policy.spec.model_dump() if policy is not None else None
    fields["delete_snapshots"] = True if delete_snapshots else None
    try:
        return DomainSpec.model_validate(fields)
    except ValidationError as err:
        raise component_error("VirtualMachine", vm, err) from None
