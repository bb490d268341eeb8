"""The Domain dynamic provider: VMs defined, started, changed in place and removed.

Changes are applied the least disruptive way the field allows (see spec/changes.py):
memory and vCPUs within their maximum change live; everything else is written to the
persistent definition and takes effect at the next boot — immediately, by a graceful
restart, when the VM's `restartPolicy` is `auto`, or reported as `pendingRestart`.
Deleting a domain never deletes its disks: volumes are resources of their own.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Mapping
from typing import Any

import libvirt
from lxml import etree
from pulumi.dynamic import DiffResult

from components.providers import plugin_log, takeover
from components.providers.base import (
    ADOPT_KEY,
    LibvirtProvider,
    Props,
    ProviderError,
    found,
    has_unknowns,
)
from components.providers.connection import connect
from components.providers.disk_files import with_disk_files
from components.providers.drift import with_live_drift
from components.providers.guest_addresses import guest_addresses
from components.providers.host_facts import DomainTypeChoice, detect_domain_type
from components.providers.host_files import remove_files, serial_logs
from components.providers.interrupted_migration import finish_interrupted, settled_arrival
from components.providers.migration import describe, migrate
from components.providers.ownership_check import expected_owner, require_owned
from components.providers.retry import retried
from components.providers.snapshots import carried, domain_guard
from components.providers.snapshots.hosts import read_metadata, write_policy
from components.spec.changes import CONNECTION_KEY, DOMAIN_RULES, Effect, FieldChange
from components.spec.connection_uri import same_daemon
from components.spec.domain import DomainSpec, MigrationSettings, same_machine
from components.spec.ownership import OWNER_NS, Ownership

_POLL_SECONDS = 0.2


_choices: dict[tuple[str, str], DomainTypeChoice] = {}


def resolve_domain_type(conn: libvirt.virConnect, spec: DomainSpec) -> DomainSpec:
    """Turn `domainType: auto` into kvm or qemu for this host, warning when it is qemu.

    Decided once per host and architecture per process: a host's CPU does not change
    between the VMs of one `pulumi up`.
    """
    if spec.domain_type != "auto":
        return spec
    key = (conn.getURI(), spec.arch)
    if key not in _choices:
        _choices[key] = detect_domain_type(conn, spec.arch)
    choice = _choices[key]
    if choice.domain_type != "kvm":
        plugin_log.warn(f"domain {spec.name}: using {choice.domain_type}: {choice.reason}")
    return spec.model_copy(update={"domain_type": choice.domain_type})


def _lookup_by_name(conn: libvirt.virConnect, name: str) -> libvirt.virDomain | None:
    return found(lambda: conn.lookupByName(name), libvirt.VIR_ERR_NO_DOMAIN)


def _lookup(conn: libvirt.virConnect, uuid: str) -> libvirt.virDomain | None:
    return found(lambda: conn.lookupByUUIDString(uuid), libvirt.VIR_ERR_NO_DOMAIN)


def live_owner(dom: libvirt.virDomain) -> Ownership | None:
    """The ownership tag in the domain's persistent metadata, if any."""
    xml = read_metadata(dom, OWNER_NS)
    return Ownership.from_xml(xml) if xml is not None else None


def _define(conn: libvirt.virConnect, xml: str) -> libvirt.virDomain:
    return retried(lambda: conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE))


def _merged_definition(
    dom: libvirt.virDomain,
    spec: DomainSpec,
    unset: Collection[str] = (),
    *,
    adopting: bool = False,
) -> str:
    """The domain's persistent XML with our spec written over it (other devices kept).

    `unset`: fields the user removed from the spec, whose XML is removed too.
    """
    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    spec.merge_into(root, unset, adopting=adopting)
    domain_guard.keep_overlays(dom, root)
    return etree.tostring(root, encoding="unicode")


def wait_until_off(dom: libvirt.virDomain, timeout: float) -> bool:
    """Poll until the domain is shut off; False when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while dom.isActive():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def stop(dom: libvirt.virDomain, timeout: float) -> None:
    """Graceful ACPI shutdown, wait up to `timeout` seconds, then force off."""
    if not dom.isActive():
        return
    with contextlib.suppress(libvirt.libvirtError):  # no ACPI in the guest: forced stop below
        dom.shutdown()
    if not wait_until_off(dom, timeout):
        try:
            retried(dom.destroy)
        except libvirt.libvirtError:
            if dom.isActive():
                raise


class DomainProvider(LibvirtProvider[DomainSpec]):
    """CRUD for libvirt domains described by DomainSpec."""

    spec_type = DomainSpec
    rules = DOMAIN_RULES
    kind = "domain"
    computed_keys = ("uuid", "pendingRestart", "resolvedDomainType", "ipAddresses")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """The shared diff; under a snapshot policy, says when a pre-change snapshot comes;
        a host change is announced as the migration it will be."""
        result = super().diff(_id, olds, news)
        replaces = list(result.replaces or [])
        domain_guard.after_diff(_id, olds, news, self.changes(olds, news), replaces)
        announce_migration(olds, news)
        return result

    def create_object(
        self, conn: libvirt.virConnect, spec: DomainSpec, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        resolved = resolve_domain_type(conn, spec)
        existing = _lookup_by_name(conn, spec.name)
        if existing is not None and not props.get(ADOPT_KEY):
            if not takeover.owned_by_this_resource(live_owner(existing), spec.ownership):
                raise takeover.refuse_existing("domain", spec.name, f" on {conn.getURI()}")
            takeover.announce("domain", spec.name, conn.getURI())
        on_host = with_disk_files(conn, resolved)
        if existing is not None:
            dom = _define(
                conn, _merged_definition(existing, on_host, adopting=bool(props.get(ADOPT_KEY)))
            )
        else:
            dom = _define(conn, on_host.to_xml())
        stash = None
        try:
            if existing is None:
                stash = domain_guard.restore_carried(dom)
            dom.setAutostart(int(spec.autostart))
            if spec.running and not dom.isActive():
                retried(dom.create)
        except BaseException:
            if existing is None:  # transactional: leave nothing half-made behind
                if dom.isActive():
                    retried(dom.destroy)
                flags = libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                flags |= libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA  # the stash keeps them
                retried(lambda: dom.undefineFlags(flags))
            raise
        if stash is not None:
            carried.drop_pool_stash(stash)
        return dom.UUIDString(), {
            "uuid": dom.UUIDString(),
            "pendingRestart": False,
            "resolvedDomainType": resolved.domain_type,
            "ipAddresses": guest_addresses(dom),
        }

    def read_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        desired: DomainSpec,
        props: Mapping[str, Any],
    ) -> tuple[DomainSpec, Props] | None:
        dom = _lookup(conn, id_)
        if dom is None:
            return None
        live = DomainSpec.from_xml(
            # SECURE: with the console password, which the spec has too (else it is drift).
            dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE),
            autostart=bool(dom.autostart()),
            running=bool(dom.isActive()),
            **{key: getattr(desired, key) for key in SETTINGS_OUTSIDE_LIBVIRT},
        )
        if dom.isActive():
            running = DomainSpec.from_xml(dom.XMLDesc(0))
            live = with_live_drift(live, running, desired, ("memory_mib", "vcpus"))
        return comparable(domain_guard.as_desired_disks(dom, live, desired), desired), {
            "uuid": id_,
            "pendingRestart": has_pending_changes(dom, live),
            "resolvedDomainType": live.domain_type,
            "ipAddresses": guest_addresses(dom),
        }

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: DomainSpec,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        dom = self._on_target_host(conn, id_, spec, olds)
        resolved = resolve_domain_type(conn, spec)
        keys = {c.key for c in changes}
        needs_restart = any(c.effect is Effect.RESTART for c in changes)
        definition_keys = keys - {"autostart", "running", "restartPolicy", "adopt"}
        definition_keys -= {domain_guard.POLICY_KEY, domain_guard.DELETE_SNAPSHOTS_KEY}
        domain_guard.refuse_disk_change(dom, keys)
        domain_guard.restart_policy_snapshot(dom, spec, olds, changes)
        if definition_keys - {"shutdownTimeoutSeconds"}:
            removed = {c.key for c in changes if c.new is None and c.old is not None}
            on_host = with_disk_files(conn, resolved)
            dom = _define(conn, _merged_definition(dom, on_host, removed))
        if domain_guard.POLICY_KEY in keys:
            write_policy(dom, spec.snapshot_policy)
        if dom.isActive():
            self._apply_live(dom, spec, keys, needs_restart)
        if "autostart" in keys:
            dom.setAutostart(int(spec.autostart))
        pending = bool(olds.get("pendingRestart")) or needs_restart
        if dom.isActive() and pending and spec.restart_policy == "auto":
            stop(dom, spec.shutdown_timeout_seconds)
            retried(dom.create)
            pending = False
        elif not dom.isActive():
            pending = False
        if pending and needs_restart:
            plugin_log.warn(
                f"domain {spec.name}: changes to {sorted(c.key for c in changes)} take effect "
                "at the next restart (restartPolicy: manual)"
            )
        if spec.running and not dom.isActive():
            retried(dom.create)
        elif not spec.running and dom.isActive():
            stop(dom, spec.shutdown_timeout_seconds)
        return {
            "uuid": id_,
            "pendingRestart": pending,
            "resolvedDomainType": resolved.domain_type,
            "ipAddresses": guest_addresses(dom),
        }

    def _on_target_host(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: DomainSpec,
        olds: Mapping[str, Any],
    ) -> libvirt.virDomain:
        """The domain on its (new) host, migrating it there first when its host changed.

        A rerun after a failed migration finds the domain still on the old host and tries
        again; after a migration that succeeded (but a later step failed) it is found on
        the new host.
        """
        source_uri = olds.get(CONNECTION_KEY)
        if source_uri and not same_daemon(str(source_uri), conn.getURI()):
            source = connect(str(source_uri))
            dom = _lookup(source, id_)
            arrived = settled_arrival(conn, id_) if dom is not None else None
            if dom is not None and arrived is not None:
                return finish_interrupted(dom, arrived, str(source_uri))
            if dom is not None:
                settings = spec.migration or MigrationSettings()
                dom, report = migrate(dom, source, conn, conn.getURI(), settings)
                plugin_log.info(
                    f"domain {spec.name}: migrated {olds.get('hostName') or source_uri} → "
                    f"{spec.host_name or conn.getURI()} ({report.mode}) in "
                    f"{report.seconds:.1f} s, downtime {report.downtime_ms} ms, snapshots "
                    f"moved: {list(report.snapshots_moved)}"
                )
                return dom
        dom = _lookup(conn, id_)
        if dom is None:
            raise ProviderError(f"domain {spec.name!r} ({id_}) no longer exists; run refresh")
        moved = carried.restore_domain_stash(dom)  # an earlier migration's, not yet restored
        if moved:
            plugin_log.info(f"domain {spec.name}: snapshots {moved} restored after a migration")
        return dom

    @staticmethod
    def _apply_live(
        dom: libvirt.virDomain, spec: DomainSpec, keys: set[str], needs_restart: bool
    ) -> None:
        """Memory (balloon), vCPUs (hotplug) and ownership on the running VM."""
        live = libvirt.VIR_DOMAIN_AFFECT_LIVE
        if "memoryMib" in keys and not needs_restart:
            dom.setMemoryFlags(spec.memory_mib * 1024, live)
        if "vcpus" in keys and not needs_restart:
            dom.setVcpusFlags(spec.vcpus, live)
        if "ownership" in keys and spec.ownership is not None:
            dom.setMetadata(
                libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                etree.tostring(spec.ownership.to_element(), encoding="unicode"),
                "kvmp",
                OWNER_NS,
                live,
            )

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        dom = _lookup(conn, id_)
        if dom is None:
            return
        require_owned(self.label(props), live_owner(dom), expected_owner(props))
        keep_snapshots = domain_guard.before_delete(dom, self.label(props), props)
        logs = serial_logs(dom)
        if props.get("keepsDisks"):
            # Graceful first: the guest flushes the data disks that outlive it.
            stop(dom, float(props.get("shutdownTimeoutSeconds", 60)))
        elif dom.isActive():
            retried(dom.destroy)  # its disks go with it: nothing to flush
        # NVRAM and TPM state (libvirt's default without KEEP_TPM) go with the VM.
        flags = (
            libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
            | keep_snapshots
        )
        retried(lambda: dom.undefineFlags(flags))
        remove_files(conn, logs)


SETTINGS_OUTSIDE_LIBVIRT = (
    "restart_policy",
    "shutdown_timeout_seconds",
    "delete_snapshots",
    "migration",
    "host_name",
    "cloud_init",
    "gen1_reason",
    "keeps_disks",
)
"""Spec fields libvirt does not keep: a read returns them as the resource asked for them
(they are never drift), so a refresh of an untouched VM is quiet."""

RESTART_KEYS = tuple(k for k, rule in DOMAIN_RULES.items() if rule is Effect.RESTART)


def has_pending_changes(dom: libvirt.virDomain, persistent: DomainSpec) -> bool:
    """True when the running VM still runs an older definition than the persistent one
    (changes that need a restart were applied to the definition only)."""
    if not dom.isActive():
        return False
    running = DomainSpec.from_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
    # A NIC on a libvirt network runs as that network's bridge (after a migration the
    # running XML even says type='bridge'): the network is what the definition names.
    interfaces = [
        i.model_copy(update={"bridge": None, "type": "network"}) if i.network else i
        for i in running.interfaces
    ]
    running = running.model_copy(update={"interfaces": interfaces})
    # A disk named by pool and volume and the same disk named by its file (as the provider
    # writes it; a VM adopted from another tool still runs its volume form) are one disk.
    with contextlib.suppress(ProviderError, libvirt.libvirtError):
        running = with_disk_files(dom.connect(), running)
        persistent = with_disk_files(dom.connect(), persistent)
    now = running.model_dump(by_alias=True, exclude_none=True)
    want = persistent.model_dump(by_alias=True, exclude_none=True)
    # Keys the definition leaves to libvirt (e.g. the CPU model of a TCG guest) are not
    # compared: the running XML always spells them out.
    return any(key in want and now.get(key) != want[key] for key in RESTART_KEYS)


def announce_migration(olds: Mapping[str, Any], news: Mapping[str, Any]) -> None:
    """Preview line for a host change: `web-1: migrate hv1 → hv2 (live, shared storage)`."""
    old_uri, new_uri = olds.get(CONNECTION_KEY), news.get(CONNECTION_KEY)
    if has_unknowns(new_uri) or same_daemon(str(old_uri), str(new_uri)):
        return
    settings = MigrationSettings.model_validate(news.get("migration") or {})
    plugin_log.info(
        f"{news.get('name')}: migrate {olds.get('hostName') or old_uri} → "
        f"{news.get('hostName') or new_uri} "
        f"({describe(bool(olds.get('running', True)), settings)})"
    )


def comparable(live: DomainSpec, desired: DomainSpec) -> DomainSpec:
    """The live spec with what libvirt decides by itself made equal to the desired spec.

    libvirt expands machine aliases, picks a domain type for `auto` and fills in values the
    spec leaves unset (None); none of these is drift.
    """
    update: dict[str, Any] = {}
    if same_machine(desired.machine, live.machine):
        update["machine"] = desired.machine
    if desired.domain_type == "auto":
        update["domain_type"] = "auto"
    for name in DomainSpec.model_fields:
        if getattr(desired, name) is None:
            update[name] = None
    if len(live.disks) == len(desired.disks):
        update["disks"] = [
            d.model_copy(update={"cache": None}) if w.cache is None else d
            for d, w in zip(live.disks, desired.disks, strict=True)
        ]
    if len(live.interfaces) == len(desired.interfaces):
        update["interfaces"] = [
            i.model_copy(update={"mac": None}) if w.mac is None else i
            for i, w in zip(live.interfaces, desired.interfaces, strict=True)
        ]
    return live.model_copy(update=update)
