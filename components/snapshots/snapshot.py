"""Snapshot: a declared, named snapshot of a VM — a resource of its own.

    Snapshot("before-upgrade", SnapshotArgs(vm=db1))

It is taken once, when the resource is created (internal where the VM allows it, else
external disk-only), kept until the resource leaves the program, and never pruned by a
snapshot policy. Changing its inputs replaces it: the old snapshot is deleted and a new one
taken of the VM as it is then. Deleting it deletes the snapshot only, never the VM.
"""

from __future__ import annotations

from typing import Any, overload

import pulumi
from pydantic import InstanceOf, ValidationError

from components.base.call_forms import ARGS_CONFIG, ArgsModel, call_form, validated
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.base import ConfigModel
from components.config.errors import component_error
from components.machines.virtual_machine import VirtualMachine
from components.providers.resources import LibvirtSnapshot
from components.spec.changes import CONNECTION_KEY
from components.spec.snapshot import SnapshotResourceSpec
from components.spec.snapshot_policy import SnapshotMode


class SnapshotArgs(ArgsModel, ConfigModel):
    """Snapshot's arguments: the VM and how its snapshot is taken."""

    model_config = ARGS_CONFIG

    vm: InstanceOf[VirtualMachine]
    """The VM to snapshot."""
    snapshot_name: str | None = None
    """The libvirt snapshot name (default: the resource name)."""
    mode: SnapshotMode = "auto"
    include_memory: bool = False
    quiesce: bool = False


def _old_form(
    name: str,
    vm: VirtualMachine,
    *,
    snapshot_name: str | None = None,
    mode: SnapshotMode = "auto",
    include_memory: bool = False,
    quiesce: bool = False,
    opts: pulumi.ResourceOptions | None = None,
) -> tuple[SnapshotArgs, pulumi.ResourceOptions | None]:
    """`Snapshot(name, vm, *, snapshot_name, mode, include_memory, quiesce, opts)`."""
    fields = {
        "vm": vm,
        "snapshot_name": snapshot_name,
        "mode": mode,
        "include_memory": include_memory,
        "quiesce": quiesce,
    }
    return validated("Snapshot", name, SnapshotArgs, fields), opts


class Snapshot(pulumi.ComponentResource):
    """A snapshot of `vm` named `snapshot_name` (default: the resource name)."""

    @overload
    def __init__(
        self, name: str, args: SnapshotArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        vm: VirtualMachine,
        *,
        snapshot_name: str | None = None,
        mode: SnapshotMode = "auto",
        include_memory: bool = False,
        quiesce: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        config, opts = call_form(
            "Snapshot", name, SnapshotArgs, _old_form, positional=args, keywords=kwargs
        )
        vm = config.vm
        try:
            spec = SnapshotResourceSpec(
                domain=vm.domain_name,
                name=config.snapshot_name or name,
                mode=config.mode,
                include_memory=config.include_memory,
                quiesce=config.quiesce,
            )
        except ValidationError as err:
            raise component_error("Snapshot", name, err) from None
        super().__init__("kvm:index:Snapshot", name, None, opts)
        inputs = secret_inputs(
            {CONNECTION_KEY: vm.host.uri, **spec.model_dump(by_alias=True)},
            secret=config.secret,
            host_secret=vm.host.config.secret,
        )
        self.snapshot = LibvirtSnapshot(
            name, inputs, child_options(self, opts, inputs, depends_on=[vm.domain])
        )
        self.kind: pulumi.Output[str] = self.snapshot.kind
        self.register_outputs({"name": spec.name, "vm": vm.domain_name, "kind": self.kind})
