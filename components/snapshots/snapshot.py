"""Snapshot: a declared, named snapshot of a VM — a resource of its own.

    Snapshot("before-upgrade", vm=db1)

It is taken once, when the resource is created (internal where the VM allows it, else
external disk-only), kept until the resource leaves the program, and never pruned by a
snapshot policy. Changing its inputs replaces it: the old snapshot is deleted and a new one
taken of the VM as it is then. Deleting it deletes the snapshot only, never the VM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
from pydantic import ValidationError

from components.config.errors import component_error
from components.providers.resources import LibvirtSnapshot
from components.spec.changes import CONNECTION_KEY
from components.spec.snapshot import SnapshotResourceSpec
from components.spec.snapshot_policy import SnapshotMode

if TYPE_CHECKING:
    from components.machines.virtual_machine import VirtualMachine


class Snapshot(pulumi.ComponentResource):
    """A snapshot of `vm` named `snapshot_name` (default: the resource name)."""

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
    ) -> None:
        try:
            spec = SnapshotResourceSpec(
                domain=vm.domain_name,
                name=snapshot_name or name,
                mode=mode,
                include_memory=include_memory,
                quiesce=quiesce,
            )
        except ValidationError as err:
            raise component_error("Snapshot", name, err) from None
        super().__init__("kvm:index:Snapshot", name, None, opts)
        self.snapshot = LibvirtSnapshot(
            name,
            {CONNECTION_KEY: vm.host.uri, **spec.model_dump(by_alias=True)},
            pulumi.ResourceOptions(parent=self, depends_on=[vm.domain]),
        )
        self.kind: pulumi.Output[str] = self.snapshot.kind
        self.register_outputs({"name": spec.name, "vm": vm.domain_name, "kind": self.kind})
