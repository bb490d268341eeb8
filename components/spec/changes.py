"""What a change to each spec field does on apply: live, at the next restart, or a replace.

One table per kind of object, used by the providers' `diff`/`update` and by anything that
explains a change to a reviewer, so the preview and the plan always agree. Replace only
what libvirt truly cannot change; every field of every spec is classified (a test checks).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.spec.connection_uri import same_daemon

CONNECTION_KEY = "connectionUri"
"""Every resource's libvirt URI input: the host it lives on."""


class Effect(enum.StrEnum):
    """How a changed field is applied, in increasing order of disruption."""

    LIVE = "update live"
    RESTART = "update + restart"
    MIGRATE = "migrate"
    REPLACE = "replace"


_ORDER = [Effect.LIVE, Effect.RESTART, Effect.MIGRATE, Effect.REPLACE]

Props = Mapping[str, Any]
Rule = Effect | Callable[[Props, Props], Effect | None]
"""A fixed effect, or a function of old and new props; None from it means "not a change"
(e.g. a root disk keeps its base image until it is rebuilt)."""


@dataclass(frozen=True)
class FieldChange:
    """One top-level input that differs, with what applying it means."""

    key: str
    old: Any
    new: Any
    effect: Effect


def worst(effects: list[Effect]) -> Effect | None:
    """The most disruptive effect among `effects` (None when nothing changes)."""
    return max(effects, key=_ORDER.index) if effects else None


def classify(old: Props, new: Props, rules: Mapping[str, Rule]) -> list[FieldChange]:
    """Compare two wire-form property bags key by key and classify each difference.

    Keys starting with `__` (Pulumi internals such as `__provider`) are not spec fields.
    A key without a rule is treated as a replace, the only choice that cannot leave the
    object silently different from its spec.
    """
    changes = []
    for key in sorted(set(old) | set(new)):
        if key.startswith("__") or old.get(key) == new.get(key):
            continue
        if key == CONNECTION_KEY and same_daemon(str(old.get(key)), str(new.get(key))):
            # Another way to the same libvirtd (e.g. a new SSH key file): nothing moves.
            changes.append(FieldChange(key, old.get(key), new.get(key), Effect.LIVE))
            continue
        rule = rules.get(key, Effect.REPLACE)
        effect = rule if isinstance(rule, Effect) else rule(old, new)
        if effect is not None:
            changes.append(FieldChange(key, old.get(key), new.get(key), effect))
    return changes


def _memory_effect(old: Props, new: Props) -> Effect:
    """Ballooning reaches any size up to the unchanged maximum while the VM runs."""
    if old.get("maxMemoryMib") == new.get("maxMemoryMib") and (
        new.get("memoryMib", 0) <= new.get("maxMemoryMib", 0)
    ):
        return Effect.LIVE
    return Effect.RESTART


def _vcpu_effect(old: Props, new: Props) -> Effect:
    """vCPU hotplug reaches any count up to the unchanged maximum while the VM runs."""
    if old.get("maxVcpus") == new.get("maxVcpus") and (
        new.get("vcpus", 0) <= new.get("maxVcpus", 0)
    ):
        return Effect.LIVE
    return Effect.RESTART


def _cloud_init_effect(old: Props, new: Props) -> Effect:
    """A new seed is read at the next boot, or (onChange: replace) makes a new domain."""
    before, after = old.get("cloudInit") or {}, new.get("cloudInit") or {}
    if after.get("onChange") == "replace" and before.get("instanceId") != after.get("instanceId"):
        return Effect.REPLACE
    return Effect.LIVE


DOMAIN_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.MIGRATE,
    "migration": Effect.LIVE,
    "hostName": Effect.LIVE,
    "gen1Reason": Effect.LIVE,
    "cloudInit": _cloud_init_effect,
    "adopt": Effect.LIVE,
    "name": Effect.REPLACE,
    "domainType": Effect.REPLACE,
    "arch": Effect.REPLACE,
    "machine": Effect.REPLACE,
    "firmware": Effect.REPLACE,
    "secureBoot": Effect.REPLACE,
    "osType": Effect.REPLACE,
    "ownership": Effect.LIVE,
    "snapshotPolicy": Effect.LIVE,
    "memoryMib": _memory_effect,
    "maxMemoryMib": Effect.RESTART,
    "vcpus": _vcpu_effect,
    "maxVcpus": Effect.RESTART,
    "kernel": Effect.RESTART,
    "initrd": Effect.RESTART,
    "cmdline": Effect.RESTART,
    "bootDevices": Effect.RESTART,
    "acpi": Effect.RESTART,
    "apic": Effect.RESTART,
    "cpuMode": Effect.RESTART,
    "cpuModel": Effect.RESTART,
    "guestAgent": Effect.RESTART,
    "graphics": Effect.RESTART,
    "rng": Effect.RESTART,
    "tpm": Effect.RESTART,
    "onPoweroff": Effect.RESTART,
    "onReboot": Effect.RESTART,
    "onCrash": Effect.RESTART,
    "disks": Effect.RESTART,
    "interfaces": Effect.RESTART,
    "serial": Effect.RESTART,
    "autostart": Effect.LIVE,
    "running": Effect.LIVE,
    "restartPolicy": Effect.LIVE,
    "shutdownTimeoutSeconds": Effect.LIVE,
    "keepsDisks": Effect.LIVE,
    "deleteSnapshots": Effect.LIVE,
}


def _network_ips_effect(old: Props, new: Props) -> Effect:
    """Static leases and DHCP ranges change live (virNetworkUpdate); addresses do not."""
    olds, news = old.get("ips") or [], new.get("ips") or []
    if len(olds) != len(news):
        return Effect.REPLACE
    live_keys = {"dhcpHosts", "dhcpRanges"}
    for before, after in zip(olds, news, strict=True):
        fixed_before = {k: v for k, v in before.items() if k not in live_keys}
        fixed_after = {k: v for k, v in after.items() if k not in live_keys}
        if fixed_before != fixed_after:
            return Effect.REPLACE
    return Effect.LIVE


NETWORK_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.REPLACE,
    "adopt": Effect.LIVE,
    "name": Effect.REPLACE,
    "ownership": Effect.LIVE,
    "forwardMode": Effect.REPLACE,
    "forwardDev": Effect.REPLACE,
    "bridgeName": Effect.REPLACE,
    "stp": Effect.REPLACE,
    "mtu": Effect.REPLACE,
    "domainName": Effect.REPLACE,
    "dnsForwarders": Effect.REPLACE,
    "dnsHosts": Effect.LIVE,
    "ips": _network_ips_effect,
    "routes": Effect.REPLACE,
    "autostart": Effect.LIVE,
}


RESERVATION_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.REPLACE,
    "adopt": Effect.LIVE,
    "network": Effect.REPLACE,
    "networkUuid": Effect.REPLACE,
    "mac": Effect.REPLACE,
    "ip": Effect.LIVE,
    "name": Effect.LIVE,
}


NETWORK_REFERENCE_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.REPLACE,
    "name": Effect.REPLACE,
}


POOL_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.REPLACE,
    "adopt": Effect.LIVE,
    "type": Effect.REPLACE,
    "name": Effect.REPLACE,
    "path": Effect.REPLACE,
    "autostart": Effect.LIVE,
    "running": Effect.LIVE,
    "shared": Effect.LIVE,
}


def _backing_effect(old: Props, new: Props) -> Effect | None:
    """A clone keeps its base (a new template image) until the user asks for a rebuild."""
    if old.get("rebuild") == new.get("rebuild") and old.get("backingPath"):
        return None
    return Effect.REPLACE


def _volume_host_effect(old: Props, new: Props) -> Effect:
    """On shared storage the same file is the volume on every host: follow the VM there.
    Elsewhere a volume on another host is another volume (made and filled, then the old
    one removed, by the migration of the VM that uses it)."""
    return Effect.LIVE if old.get("shared") and new.get("shared") else Effect.REPLACE


VOLUME_RULES: dict[str, Rule] = {
    CONNECTION_KEY: _volume_host_effect,
    "shared": Effect.LIVE,
    "adopt": Effect.LIVE,
    "name": Effect.REPLACE,
    "pool": Effect.REPLACE,
    "capacityBytes": Effect.LIVE,  # grows in place; `check` refuses shrinking (data loss)
    "format": Effect.REPLACE,
    "backingPath": _backing_effect,
    "backingFormat": _backing_effect,
    "rebuild": Effect.REPLACE,
    "source": Effect.REPLACE,
}


SNAPSHOT_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.REPLACE,
    "adopt": Effect.LIVE,
    "domain": Effect.REPLACE,
    "name": Effect.REPLACE,
    "mode": Effect.REPLACE,
    "includeMemory": Effect.REPLACE,
    "quiesce": Effect.REPLACE,
}
"""A snapshot is immutable: any change takes a new one (the old one is deleted first)."""


SEED_RULES: dict[str, Rule] = {
    CONNECTION_KEY: Effect.REPLACE,
    "adopt": Effect.LIVE,
    "name": Effect.REPLACE,
    "pool": Effect.REPLACE,
    "format": Effect.REPLACE,
    "capacityBytes": Effect.LIVE,
    "userData": Effect.LIVE,
    "metaData": Effect.LIVE,
    "networkConfig": Effect.LIVE,
}
"""A cloud-init seed is re-seeded in place (same volume, grown when needed); what that does to
the VM (cloud-init again at next boot, or a replace) is the VM's `onChange`, not the seed's.
`capacityBytes` is the provider's (the ISO's size), never compared as an input."""


def _facts_host_effect(old: Props, new: Props) -> Effect:
    """Another URI to the same daemon (another SSH key, say) just re-reads the facts."""
    same = same_daemon(str(old.get(CONNECTION_KEY)), str(new.get(CONNECTION_KEY)))
    return Effect.LIVE if same else Effect.REPLACE


HOST_FACTS_RULES: dict[str, Rule] = {
    CONNECTION_KEY: _facts_host_effect,
    "stackPrefix": Effect.LIVE,
    "adopt": Effect.LIVE,
}
"""A host's facts are outputs only: refresh shows them changing; another host is a replace."""
