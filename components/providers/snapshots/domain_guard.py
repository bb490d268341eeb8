"""What the domain provider does about snapshots, kept out of the provider's own module.

- Pre-change snapshots: under a policy with `beforeChange`, the provider snapshots a VM before
  any change that restarts or reconfigures it (effect `update + restart`) and before a replace;
  `diff` says so in the preview. Retention is applied right after, like the runner does.
- Deleting a VM that has snapshots: refused, unless the VM says `deleteSnapshots: true`
  (then its snapshots go first, external ones merged back into their disks). The VM, its
  disks and its snapshots all stay: nothing is lost by a removal from the stack.
- Replacing a VM (same name, e.g. a new machine type): its disks are kept, and so are its
  internal snapshots — their metadata is carried from the old domain to the new one
  (libvirt refuses to undefine a domain with snapshot metadata) through a stash on the host
  (snapshots/carried.py), removed only once the new domain has it. A VM with external
  snapshots is not replaced: the new definition would bypass their overlays.
- External snapshots re-point a disk at a new overlay file. When the provider rewrites a
  definition it keeps those overlays, and `read` does not report them as drift; changing the
  disks of a VM with external snapshots is refused.

The replace is known from `diff` (the engine calls diff, then delete, then create, in one
provider process per deployment); the mark expires after an hour, and without it a delete is
treated as a removal (refused), which is the safe side.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import libvirt
from lxml import etree

from components.providers import plugin_log
from components.providers.base import ProviderError
from components.providers.pool import require_pool_running
from components.providers.snapshots import carried
from components.providers.snapshots.kinds import SnapshotOptions
from components.providers.snapshots.operations import (
    list_snapshots,
    resolver,
    take_snapshot,
)
from components.providers.snapshots.pruning import (
    RUN_ERRORS,
    local_clock,
    pre_change_name,
    prunable,
)
from components.spec.changes import CONNECTION_KEY, Effect, FieldChange
from components.spec.domain import DomainSpec
from components.spec.snapshot import SnapshotTag
from components.spec.snapshot_policy import SnapshotPolicySpec

POLICY_KEY = "snapshotPolicy"
DELETE_SNAPSHOTS_KEY = "deleteSnapshots"
REPLACE_MARK_SECONDS = 3600.0

_replacing: dict[tuple[str, str], float] = {}


def policy_in(props: Mapping[str, Any]) -> SnapshotPolicySpec | None:
    raw = props.get(POLICY_KEY)
    return SnapshotPolicySpec.model_validate(raw) if raw else None


# ---- diff ----------------------------------------------------------------------------------
def after_diff(
    id_: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    changes: list[FieldChange],
    replaces: list[str],
) -> None:
    """Announce pre-change snapshots in the preview; remember replaces for `before_delete`."""
    uri = str(olds.get(CONNECTION_KEY))
    if replaces:
        _replacing[(uri, id_)] = time.monotonic()
    policy = policy_in(olds) or policy_in(news)
    restart = any(c.effect is Effect.RESTART for c in changes)
    if policy is None or not policy.before_change or not (restart or replaces):
        return
    what = "replace" if replaces else "change (update + restart)"
    plugin_log.info(
        f"domain {olds.get('name')}: snapshot policy {policy.name} takes a pre-change snapshot "
        f"before this {what}"
    )


def _replace_marked(uri: str, id_: str) -> bool:
    marked = _replacing.pop((uri, id_), None)
    return marked is not None and time.monotonic() - marked < REPLACE_MARK_SECONDS


# ---- update --------------------------------------------------------------------------------
def pre_change_snapshot(
    dom: libvirt.virDomain, policy: SnapshotPolicySpec | None, why: str
) -> str | None:
    """Take the pre-change snapshot if the policy asks; prune after. Return its name."""
    if policy is None or not policy.before_change:
        return None
    now = local_clock()
    existing = {str(n) for n in dom.snapshotListNames(0)}
    name = pre_change_name(now)
    for number in range(2, 100):  # two changes within one second
        if name not in existing:
            break
        name = f"{pre_change_name(now)}-{number}"
    try:
        taken = take_snapshot(
            dom, name, SnapshotTag("pre-change", now, policy.name), SnapshotOptions.of(policy)
        )
    except RUN_ERRORS as err:
        raise ProviderError(
            f"domain {dom.name()}: the pre-change snapshot (policy {policy.name}, beforeChange) "
            f"failed, so {why} was not applied: {err}"
        ) from err
    notes = "".join(f"; {n}" for n in taken.plan.notes)
    plugin_log.info(f"domain {dom.name()}: pre-change snapshot {name} ({taken.plan.kind}{notes})")
    try:
        for old in prunable(policy, list_snapshots(dom), None):
            dom.snapshotLookupByName(old).delete(0)
    except RUN_ERRORS as err:
        plugin_log.warn(f"domain {dom.name()}: pruning after the pre-change snapshot failed: {err}")
    return name


def restart_policy_snapshot(
    dom: libvirt.virDomain, spec: DomainSpec, olds: Mapping[str, Any], changes: list[FieldChange]
) -> None:
    """Before an update that restarts or reconfigures the VM, the policy's snapshot."""
    keys = [c.key for c in changes if c.effect is Effect.RESTART]
    if keys:
        policy = spec.snapshot_policy or policy_in(olds)
        pre_change_snapshot(dom, policy, f"the change to {', '.join(sorted(keys))}")


# ---- external overlays ---------------------------------------------------------------------
def external_overlays(dom: libvirt.virDomain) -> dict[str, set[str]]:
    """Disk target → the overlay files the domain's external snapshots made for it."""
    found: dict[str, set[str]] = {}
    for snap in list_snapshots(dom):
        for target, path in snap.spec.overlay_files().items():
            found.setdefault(target, set()).add(path)
    return found


def refuse_disk_change(dom: libvirt.virDomain, keys: set[str]) -> None:
    """New disks on a VM with external snapshots would bypass their overlays: refuse."""
    if "disks" not in keys:
        return
    overlays = external_overlays(dom)
    if overlays:
        raise ProviderError(
            f"domain {dom.name()} has external snapshots (overlays for disks "
            f"{sorted(overlays)}); changing its disks would bypass them. Delete the snapshots "
            "first (python -m components.snapshots delete …), then apply the change"
        )


def keep_overlays(dom: libvirt.virDomain, merged: etree._Element) -> None:
    """In a definition about to be written, keep disks that point at snapshot overlays."""
    overlays = external_overlays(dom)
    if not overlays:
        return
    live = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    live_disks = {_target(d): d for d in live.findall("devices/disk")}
    for disk in merged.findall("devices/disk"):
        target = _target(disk)
        current = live_disks.get(target)
        parent = disk.getparent()
        if current is None or parent is None or target is None:
            continue
        if _source_file(current) in overlays.get(target, set()):
            parent.replace(disk, current)


def as_desired_disks(dom: libvirt.virDomain, live: DomainSpec, desired: DomainSpec) -> DomainSpec:
    """`live` with disks that are the desired volume — as its file, or behind snapshot
    overlays — made equal (the rest of such a disk, bus or format, still compares). A disk
    whose pool is stopped or undefined cannot be compared: `UnreadableNowError`."""
    if len(live.disks) != len(desired.disks):
        return live
    overlays = external_overlays(dom)
    resolve = resolver(dom.connect())
    disks = []
    for have, want in zip(live.disks, desired.disks, strict=True):
        same = have.target == want.target and have.type == "file" and have.file is not None
        if same and want.type == "volume" and want.pool and want.volume:
            try:
                path = resolve(want.pool, want.volume)
            except libvirt.libvirtError:
                require_pool_running(dom.connect(), want.pool)
                path = None
            if have.file in overlays.get(have.target, set()):
                disks.append(want)
                continue
            if have.file == path:  # the provider writes volumes as their files
                source = {"type": "volume", "pool": want.pool, "volume": want.volume, "file": None}
                disks.append(have.model_copy(update=source))
                continue
        disks.append(have)
    return live.model_copy(update={"disks": disks})


def _target(disk: etree._Element) -> str | None:
    target = disk.find("target")
    return target.get("dev") if target is not None else None


def _source_file(disk: etree._Element) -> str | None:
    source = disk.find("source")
    return source.get("file") if source is not None else None


# ---- delete / replace ----------------------------------------------------------------------
def before_delete(dom: libvirt.virDomain, label: str, props: Mapping[str, Any]) -> int:
    """Deal with the domain's snapshots before it is undefined; return extra undefine flags."""
    uri = str(props.get(CONNECTION_KEY))
    replacing = _replace_marked(uri, str(dom.UUIDString()))
    if replacing:
        pre_change_snapshot(dom, policy_in(props), "the replace")
    snapshots = list_snapshots(dom)
    if not snapshots:
        return 0
    names = [s.name for s in snapshots]
    if props.get(DELETE_SNAPSHOTS_KEY):
        for snap in reversed(snapshots):
            dom.snapshotLookupByName(snap.name).delete(0)
        plugin_log.info(f"{label}: deleted its snapshots {names} (deleteSnapshots: true)")
        return 0
    if replacing and not any(s.spec.is_external() for s in snapshots):
        path = carried.stash_in_pool(dom.connect(), dom)
        plugin_log.info(
            f"{label}: its snapshots {names} are kept in {path} until the new VM has them"
        )
        return int(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    if replacing:
        raise ProviderError(
            f"{label} has external snapshots {names}; a replace would bypass their disk "
            "overlays. Delete the snapshots first (python -m components.snapshots delete …)"
        )
    raise ProviderError(
        f"{label} has snapshots {names}; deleting the VM would lose them, so it was kept (with "
        "its disks and snapshots). To delete them with the VM, set deleteSnapshots: true on "
        "the VM and run up before removing it; or delete them with "
        "python -m components.snapshots delete"
    )


def restore_carried(dom: libvirt.virDomain) -> libvirt.virStorageVol | None:
    """Give a re-created domain the snapshot metadata its predecessor left in a stash on the
    host (see module doc); return the stash, which the caller drops once the create succeeded
    (on a failure it stays for the next try)."""
    stash = carried.find_pool_stash(dom.connect(), str(dom.name()))
    if stash is None:
        return None
    vol, snapshots = stash
    names = carried.redefine(dom, snapshots)
    plugin_log.info(f"domain {dom.name()}: kept {len(names)} snapshots across the replace")
    return vol
