"""The estate's policy rules, one implementation for the policy pack and the offline plan.

`policy/` (pulumi-policy, `pulumi preview --policy-pack policy`) and `python -m
components.plan --policy` both turn what they see into `RuleResource`s and call `check`, so
they cannot disagree. Rules read the wire inputs of our dynamic resources (camelCase keys:
`memoryMib`, `cpuMode`, `graphics`, `snapshotPolicy`, `disks[].retainOnDelete`, …) and the
resource options `protect` / `retainOnDelete`; a value known only after apply is not judged,
and a secret counts as set without being read.

Mandatory: prod VMs have a snapshot policy; prod data disks are protected or retained;
VNC/SPICE listen beyond loopback only with a password; no two networks on a host overlap;
VM memory fits the host. Advisory: gen1 only with a stated reason; CPU mode
host-passthrough blocks live migration.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.plan.values import UNKNOWN, Opaque, Secret, is_secret, is_unknown
from components.spec.changes import CONNECTION_KEY

ENFORCEMENT_KEY = "enforcementLevel"
"""Per-rule config key (as in a Pulumi policy config file): mandatory, advisory, disabled."""


@dataclass(frozen=True)
class RuleResource:
    """A resource as the rules see it: type, name, URN, props and the two delete options.

    `retain_on_delete` is None where it cannot be seen (pulumi-policy has no field for it).
    """

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    parent: str | None = None
    protect: bool = False
    retain_on_delete: bool | None = False

    @property
    def kind(self) -> str:
        """`pulumi-python:dynamic/kvm:Domain` → `Domain`."""
        return self.type.rsplit(":", 1)[-1]

    @property
    def stack(self) -> str:
        """The stack, from the URN (`urn:pulumi:<stack>::<project>::…`)."""
        return self.urn.removeprefix("urn:pulumi:").split("::", 1)[0]


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, how binding, the message, and the resource (if one)."""

    rule: str
    mandatory: bool
    message: str
    urn: str | None = None

    def to_json(self) -> dict[str, Any]:
        level = "mandatory" if self.mandatory else "advisory"
        return {"rule": self.rule, "enforcement": level, "message": self.message, "urn": self.urn}


Finding = tuple[str | None, str]
"""(URN of the offending resource or None for the stack, message)."""


@dataclass(frozen=True)
class Rule:
    """A named check over the whole estate, with its default enforcement."""

    name: str
    description: str
    mandatory: bool
    check: Callable[[Estate, Mapping[str, Any]], Iterator[Finding]]


class Estate:
    """Lookups the rules share over one stack's resources."""

    def __init__(self, resources: Iterable[RuleResource]) -> None:
        self.resources = list(resources)
        self.domains = [r for r in self.resources if r.kind == "Domain"]
        self.networks = [r for r in self.resources if r.kind == "Network"]
        self._volumes = {
            (r.props.get(CONNECTION_KEY), r.props.get("pool"), r.props.get("name")): r
            for r in self.resources
            if r.kind == "Volume"
        }

    def volume(self, uri: Any, pool: Any, name: Any) -> RuleResource | None:
        return self._volumes.get((uri, pool, name))

    def hosts(self) -> dict[str, RuleResource]:
        """KvmHost components by their libvirt URI (when the props carry it)."""
        return {
            str(r.props["uri"]): r
            for r in self.resources
            if r.kind == "KvmHost" and isinstance(r.props.get("uri"), str)
        }


def is_production(stack: str, config: Mapping[str, Any]) -> bool:
    """`prod` and `prod-…` stacks, or the names listed in config `productionStacks`."""
    named = config.get("productionStacks")
    if isinstance(named, list):
        return stack in named
    return stack == "prod" or stack.startswith("prod-")


def _set(value: Any) -> bool:
    """A value the program gave (a secret counts; empty strings and maps do not)."""
    return is_secret(value) or value not in (None, "", {}, [], False)


def _vm(domain: RuleResource) -> str:
    return str(domain.props.get("name") or domain.name)


# ---- mandatory ---------------------------------------------------------------------------


def _snapshot_policy(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    policies = [r for r in estate.resources if r.kind.endswith("SnapshotPolicy")]
    for domain in estate.domains:
        if not is_production(domain.stack, config):
            continue
        own = domain.props.get("snapshotPolicy")
        if own is UNKNOWN or _set(own):
            continue
        if any(_covers(policy, domain) for policy in policies):
            continue
        yield (
            domain.urn,
            f"VM {_vm(domain)} in production stack {domain.stack} has no snapshot policy; "
            "give it one (snapshotPolicy) so a bad change can be rolled back",
        )


def _covers(policy: RuleResource, domain: RuleResource) -> bool:
    """A SnapshotPolicy resource applies to a VM it is part of or that it names."""
    if policy.parent is not None and policy.parent in (domain.urn, domain.parent):
        return True
    target = policy.props.get("domain") or policy.props.get("domainName")
    same_host = policy.props.get(CONNECTION_KEY) in (None, domain.props.get(CONNECTION_KEY))
    return target is not None and target == domain.props.get("name") and same_host


def data_disks(domain: RuleResource) -> list[Mapping[str, Any]]:
    """A VM's disks after its system disk (the first `disk` device, which it boots from)."""
    disks = [
        d
        for d in domain.props.get("disks") or []
        if isinstance(d, Mapping) and d.get("device", "disk") == "disk"
    ]
    return disks[1:]


def _data_disks_retained(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    for domain in estate.domains:
        if not is_production(domain.stack, config):
            continue
        uri = domain.props.get(CONNECTION_KEY)
        for disk in data_disks(domain):
            if disk.get("retainOnDelete") is True or is_unknown(disk):
                continue
            volume = estate.volume(uri, disk.get("pool"), disk.get("volume"))
            if volume is None:  # not made by this stack, so never deleted by it
                continue
            if volume.protect or volume.retain_on_delete or volume.props.get("retainOnDelete"):
                continue
            if volume.retain_on_delete is None:  # the option is out of sight: do not guess
                continue
            yield (
                volume.urn,
                f"data disk {disk.get('target')} ({disk.get('pool')}/{disk.get('volume')}) of VM "
                f"{_vm(domain)} would be deleted with the VM; protect it or set retainOnDelete",
            )


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _listen_address(console: Mapping[str, Any]) -> Any:
    """Where a VNC/SPICE console listens; None = libvirt's default (qemu.conf, loopback)."""
    for key in ("listen", "listenAddress", "address"):
        value = console.get(key)
        if isinstance(value, Mapping):
            value = value.get("address")
        if value is not None:
            return value
    return None


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    if address in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _consoles(domain: RuleResource) -> list[Mapping[str, Any]]:
    graphics = domain.props.get("graphics")
    items = graphics if isinstance(graphics, list) else [graphics]
    return [g for g in items if isinstance(g, Mapping)]


def _console_password(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    for domain in estate.domains:
        for console in _consoles(domain):
            kind = str(console.get("type", "vnc")).lower()
            if kind not in ("vnc", "spice"):
                continue
            address = _listen_address(console)
            if address is None or isinstance(address, Opaque | Secret) or is_loopback(str(address)):
                continue
            password = console.get("password", console.get("passwd"))
            if password is UNKNOWN or _set(password):
                continue
            yield (
                domain.urn,
                f"VM {_vm(domain)}: {kind.upper()} console listens on {address} without a "
                "password; listen on 127.0.0.1 or set a password",
            )


def network_subnets(network: RuleResource) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The subnets a network's addresses (`ips[].address` / `prefix`) cover."""
    subnets = []
    for ip in network.props.get("ips") or []:
        if not isinstance(ip, Mapping) or is_unknown(ip):
            continue
        try:
            subnets.append(
                ipaddress.ip_network(f"{ip.get('address')}/{ip.get('prefix')}", strict=False)
            )
        except ValueError:
            continue
    return subnets


def _networks_disjoint(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    by_host: dict[Any, list[RuleResource]] = {}
    for network in estate.networks:
        by_host.setdefault(network.props.get(CONNECTION_KEY), []).append(network)
    for uri, networks in by_host.items():
        seen: list[tuple[RuleResource, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
        for network in sorted(networks, key=lambda n: n.urn):
            for subnet in network_subnets(network):
                for other, other_subnet in seen:
                    if other is not network and subnet.overlaps(other_subnet):
                        yield (
                            network.urn,
                            f"network {network.props.get('name')} ({subnet}) overlaps network "
                            f"{other.props.get('name')} ({other_subnet}) on host {uri}",
                        )
                seen.append((network, subnet))


def _mib(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class HostMemory:
    """A host's RAM and how far the stack may overcommit it (as KvmHost's own check)."""

    memory_mib: int
    overcommit: float = 1.0


def host_memory(estate: Estate, config: Mapping[str, Any]) -> dict[str, HostMemory]:
    """Host memory by libvirt URI: config `hostMemoryMib` (keys: URI or the stack's host
    name) over what KvmHost components state (`memoryMib` or `capacity.memoryMib`, and
    `memoryOvercommit`); config `memoryOvercommit` applies to hosts that state none."""
    hosts = estate.hosts()
    default_overcommit = config.get("memoryOvercommit", 1.0)
    capacity: dict[str, HostMemory] = {}
    stated_overcommit: dict[str, float] = {}
    for uri, host in hosts.items():
        nested = host.props.get("capacity")
        stated = host.props.get("memoryMib")
        if stated is None and isinstance(nested, Mapping):
            stated = nested.get("memoryMib")
        overcommit = host.props.get("memoryOvercommit")
        if isinstance(overcommit, int | float) and not isinstance(overcommit, bool):
            stated_overcommit[uri] = float(overcommit)
        mib = _mib(stated)
        if mib is not None:
            capacity[uri] = HostMemory(mib, stated_overcommit.get(uri, default_overcommit))
    names = {host.name: uri for uri, host in hosts.items()}
    for key, value in (config.get("hostMemoryMib") or {}).items():
        uri = names.get(key, key)
        mib = _mib(value)
        if mib is not None:
            capacity[uri] = HostMemory(mib, stated_overcommit.get(uri, default_overcommit))
    return capacity


def _memory_fits(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    capacity = host_memory(estate, config)
    hosts = estate.hosts()
    placed: dict[str, int] = {}
    for domain in estate.domains:
        uri = domain.props.get(CONNECTION_KEY)
        if not isinstance(uri, str) or uri not in capacity:
            continue
        ram = capacity[uri].memory_mib
        peak = _mib(domain.props.get("maxMemoryMib")) or _mib(domain.props.get("memoryMib"))
        if peak is None:
            continue
        if peak > ram:
            yield (
                domain.urn,
                f"VM {_vm(domain)} may use {peak} MiB, more than host {uri} has ({ram} MiB)",
            )
        placed[uri] = placed.get(uri, 0) + peak
    for uri, total in sorted(placed.items()):
        host_memory_ = capacity[uri]
        limit = host_memory_.memory_mib * host_memory_.overcommit
        if total > limit:
            host = hosts.get(uri)
            yield (
                host.urn if host is not None else None,
                f"VMs on host {uri} may use {total} MiB together; the host allows {limit:g} MiB "
                f"({host_memory_.memory_mib} MiB x overcommit {host_memory_.overcommit:g})",
            )


# ---- advisory ----------------------------------------------------------------------------


def generation_of(props: Mapping[str, Any]) -> str | None:
    """A domain's generation: its `generation` input, else what components/machines/generations.py
    makes of each: gen1 = BIOS on i440fx (`pc`), gen2 = UEFI (`firmware: efi`) on q35."""
    generation = props.get("generation")
    if isinstance(generation, str | int) and not isinstance(generation, bool):
        text = str(generation).lower()
        return f"gen{text}" if text in ("1", "2") else text
    machine = props.get("machine", "pc")
    if not isinstance(machine, str):
        return None
    firmware = props.get("firmware")
    if firmware is None and (machine == "pc" or machine.startswith("pc-i440fx-")):
        return "gen1"
    if firmware == "efi" and (machine == "q35" or machine.startswith("pc-q35-")):
        return "gen2"
    return None


GEN1_REASON_KEYS = ("gen1Reason", "generationReason")
"""Where a gen1 VM states why (on its domain's inputs)."""


def _gen1_reason(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    for domain in estate.domains:
        if generation_of(domain.props) != "gen1":
            continue
        if any(_set(domain.props.get(key)) for key in GEN1_REASON_KEYS):
            continue
        yield (
            domain.urn,
            f"VM {_vm(domain)} is gen1 (BIOS, i440fx) without a stated reason; use gen2 "
            "(UEFI, q35) or say why (gen1Reason)",
        )


def _passthrough_migration(estate: Estate, config: Mapping[str, Any]) -> Iterator[Finding]:
    for domain in estate.domains:
        if domain.props.get("cpuMode") != "host-passthrough":
            continue
        yield (
            domain.urn,
            f"VM {_vm(domain)} uses CPU mode host-passthrough: it cannot live-migrate to a "
            "host with a different CPU; use host-model unless the guest needs the exact CPU",
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "prod-vm-snapshot-policy",
        "VMs of production stacks have a snapshot policy",
        True,
        _snapshot_policy,
    ),
    Rule(
        "prod-data-disk-retained",
        "Data disks of production VMs are protected or retained on delete",
        True,
        _data_disks_retained,
    ),
    Rule(
        "console-loopback-or-password",
        "VNC/SPICE consoles listen beyond loopback only with a password",
        True,
        _console_password,
    ),
    Rule(
        "no-overlapping-networks",
        "No two networks on one host have overlapping subnets",
        True,
        _networks_disjoint,
    ),
    Rule(
        "vm-memory-within-host",
        "VM memory fits the host (config hostMemoryMib, memoryOvercommit)",
        True,
        _memory_fits,
    ),
    Rule(
        "gen1-needs-reason",
        "gen1 (BIOS) VMs state why (gen1Reason)",
        False,
        _gen1_reason,
    ),
    Rule(
        "host-passthrough-blocks-migration",
        "CPU mode host-passthrough prevents live migration between different CPUs",
        False,
        _passthrough_migration,
    ),
)


def enforcement(rule: Rule, config: Mapping[str, Any]) -> str:
    """mandatory / advisory / disabled: the rule's default unless config overrides it."""
    level = config.get(ENFORCEMENT_KEY)
    if level in ("mandatory", "advisory", "disabled"):
        return str(level)
    return "mandatory" if rule.mandatory else "advisory"


def check(
    resources: Iterable[RuleResource],
    config: Mapping[str, Mapping[str, Any]] | None = None,
    rules: Sequence[Rule] = RULES,
) -> list[Violation]:
    """Run `rules` over one stack's resources; `config` maps rule name → that rule's config
    (the shape of a Pulumi policy config file)."""
    estate = Estate(resources)
    violations = []
    for rule in rules:
        rule_config = (config or {}).get(rule.name) or {}
        level = enforcement(rule, rule_config)
        if level == "disabled":
            continue
        for urn, message in rule.check(estate, rule_config):
            violations.append(Violation(rule.name, level == "mandatory", message, urn))
    return violations
