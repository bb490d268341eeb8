"""The Snapshot dynamic provider: a declared snapshot of a VM is a resource of its own.

Create takes the snapshot (internal where the VM allows it, else external disk-only; see
`components.providers.snapshots.kinds`), tagged `kind=declared` so no policy ever prunes it. Read
reports whether it still exists, its state and creation time. Delete removes the snapshot
only — never the VM or its disks — and refuses a snapshot this stack did not take. Any
change of inputs is a replace: the old snapshot is deleted, a new one taken of the VM as it
is then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt

from components.providers.base import ADOPT_KEY, LibvirtProvider, Props, ProviderError, found
from components.providers.snapshots.kinds import SnapshotOptions, SnapshotRefusedError
from components.providers.snapshots.operations import SnapshotInfo, take_snapshot
from components.providers.snapshots.pruning import local_clock
from components.spec.changes import CONNECTION_KEY, SNAPSHOT_RULES, FieldChange
from components.spec.snapshot import SnapshotResourceSpec, SnapshotSpec, SnapshotTag


def _domain(conn: libvirt.virConnect, find: str, by_uuid: bool) -> libvirt.virDomain | None:
    lookup = conn.lookupByUUIDString if by_uuid else conn.lookupByName
    return found(lambda: lookup(find), libvirt.VIR_ERR_NO_DOMAIN)


def _snapshot(dom: libvirt.virDomain, name: str) -> libvirt.virDomainSnapshot | None:
    return found(lambda: dom.snapshotLookupByName(name), libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT)


def _declared(snap: libvirt.virDomainSnapshot) -> bool:
    """A snapshot a Snapshot resource took (an interrupted run's is taken over on rerun)."""
    tag = SnapshotSpec.from_xml(snap.getXMLDesc(0)).tag
    return tag is not None and tag.kind == "declared"


def _computed(dom: libvirt.virDomain, info: SnapshotInfo) -> Props:
    return {
        "domainUuid": str(dom.UUIDString()),
        "kind": info.kind,
        "memory": info.spec.has_memory(),
        "state": info.spec.state,
        "creationTime": info.spec.creation_time,
    }


class SnapshotProvider(LibvirtProvider[SnapshotResourceSpec]):
    """CRUD for declared snapshots of libvirt domains."""

    spec_type = SnapshotResourceSpec
    rules = SNAPSHOT_RULES
    kind = "snapshot"
    computed_keys = ("domainUuid", "kind", "memory", "state", "creationTime")

    def label(self, props: Mapping[str, Any]) -> str:
        return (
            f"snapshot {props.get('name')!r} of domain {props.get('domain')!r} on "
            f"{props.get(CONNECTION_KEY)}"
        )

    def create_object(
        self, conn: libvirt.virConnect, spec: SnapshotResourceSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        dom = _domain(conn, spec.domain, by_uuid=False)
        if dom is None:
            raise ProviderError(f"{self.label(props)}: the domain does not exist")
        existing = _snapshot(dom, spec.name)
        if existing is not None and not props.get(ADOPT_KEY) and not _declared(existing):
            raise ProviderError(
                f"{self.label(props)} already exists; set adopt: true to manage it with this "
                "stack, or choose another name"
            )
        if existing is not None:
            info = SnapshotInfo(spec.domain, SnapshotSpec.from_xml(existing.getXMLDesc(0)))
        else:
            options = SnapshotOptions(spec.mode, spec.include_memory, spec.quiesce)
            tag = SnapshotTag("declared", local_clock())
            try:
                info = take_snapshot(dom, spec.name, tag, options).info
            except SnapshotRefusedError as err:
                raise ProviderError(str(err)) from err
        return f"{dom.UUIDString()}/{spec.name}", _computed(dom, info)

    def read_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        desired: SnapshotResourceSpec,
        props: Mapping[str, Any],
    ) -> tuple[SnapshotResourceSpec, Props] | None:
        uuid, _, name = id_.partition("/")
        dom = _domain(conn, uuid, by_uuid=True)
        snap = _snapshot(dom, name) if dom is not None else None
        if dom is None or snap is None:
            return None
        info = SnapshotInfo(str(dom.name()), SnapshotSpec.from_xml(snap.getXMLDesc(0)))
        live = desired.model_copy(update={"domain": str(dom.name()), "name": info.name})
        return live, _computed(dom, info)

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: SnapshotResourceSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        """Only `adopt` changes in place; the computed values stay as they were."""
        return {k: olds.get(k) for k in self.computed_keys}

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        uuid, _, name = id_.partition("/")
        dom = _domain(conn, uuid, by_uuid=True)
        snap = _snapshot(dom, name) if dom is not None else None
        if dom is None or snap is None:
            return
        tag = SnapshotSpec.from_xml(snap.getXMLDesc(0)).tag
        if not props.get(ADOPT_KEY) and (tag is None or tag.kind != "declared"):
            raise ProviderError(
                f"{self.label(props)} was not taken by a Snapshot resource; refusing to delete it"
            )
        snap.delete(0)
