"""Reading a plan for its picture: which host each pool, image, network and VM is on, what
each says, and which resources (URNs) each node stands for, so a diff can colour it.

Pools, networks and base images go to the host their `connectionUri` names; a VM to its
domain's host, with one NIC edge per interface to that host's network (a libvirt name the
plan does not make becomes an `uplink` node). A declared snapshot is a line of its VM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from components.plan import fields
from components.plan.model import Plan, PlannedResource
from components.plan.nic_addresses import NicAddresses
from components.plan.values import Opaque
from components.policies.rules import generation_of
from components.spec.changes import CONNECTION_KEY

UNMANAGED_ADDRESS = "unmanaged"
"""Edge label of a NIC on a network whose addresses the stack does not hand out (a LAN
bridge): the guest gets its address from outside the stack."""


@dataclass
class Item:
    """A node before ids are assigned: its key, host, words, and the URNs it stands for."""

    key: tuple[str, ...]
    host: str
    kind: str
    title: str
    lines: list[str]
    primary: str | None
    urns: set[str] = field(default_factory=set)
    parts: list[tuple[str, str]] = field(default_factory=list)
    """(URN, line) of parts drawn as a line of the node (a VM's disks): the diff marks them."""
    action: str | None = None

    def with_action(self, action: str | None) -> Item:
        return replace(self, action=action)


@dataclass
class HostEntry:
    name: str
    uri: str
    urns: set[str] = field(default_factory=set)
    action: str | None = None


@dataclass
class NicEdge:
    vm: tuple[str, ...]
    network: tuple[str, ...]
    label: str


@dataclass
class Drawn:
    hosts: dict[str, HostEntry] = field(default_factory=dict)
    items: dict[tuple[str, ...], Item] = field(default_factory=dict)
    nics: list[NicEdge] = field(default_factory=list)
    ghosts: list[tuple[tuple[str, ...], str, str]] = field(default_factory=list)


def collect(plan: Plan) -> Drawn:
    """Hosts and the nodes in them, of one plan."""
    return Collector(plan).collect()


class Collector:
    """Sorts one plan's resources into hosts and the nodes drawn in them."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.drawn = Drawn()
        self.host_of_uri = plan.host_names()
        self.addresses = NicAddresses(plan)
        self.networks: dict[tuple[Any, Any], tuple[str, ...]] = {}
        self.managed_addresses: set[tuple[Any, Any]] = set()

    def host(self, uri: Any) -> str:
        name = self.host_of_uri.get(str(uri))
        if name is None:  # a URI no KvmHost names: draw it as a host of its own
            name = str(uri)
            self.drawn.hosts.setdefault(name, HostEntry(name, name))
        return name

    def collect(self) -> Drawn:
        for component in self.plan.of_kind("KvmHost"):
            host = HostEntry(component.name, str(component.outputs.get("uri", "")))
            host.urns = {component.urn, *(r.urn for r in self._below(component))}
            self.drawn.hosts[component.name] = host
        vms, snapshots = [], []
        for resource in self.plan.custom():
            top = self.plan.top_of(resource)
            if resource.kind == "StoragePool":
                self._pool(resource, top)
            elif top.kind.endswith("Network") and "name" in resource.inputs:
                self._network(resource, top)
            elif top.kind == "VmTemplate" and resource.kind == "Volume":
                self._image(resource, top)
            elif top.kind == "VirtualMachine" and resource.kind == "Domain":
                vms.append((resource, top))
            elif "domain" in resource.inputs and top.kind == "Snapshot":
                snapshots.append(resource)
        for domain, top in vms:
            self._vm(domain, top)
        for snapshot in snapshots:
            self._snapshot(snapshot)
        return self.drawn

    def _below(self, component: PlannedResource) -> list[PlannedResource]:
        found, pending = [], self.plan.children(component.urn)
        while pending:
            child = pending.pop()
            found.append(child)
            pending += self.plan.children(child.urn)
        return found

    def _add(self, item: Item) -> None:
        self.drawn.items[item.key] = item

    def _pool(self, pool: PlannedResource, top: PlannedResource) -> None:
        host = self.host(pool.inputs.get(CONNECTION_KEY))
        shared = " (shared)" if pool.inputs.get("shared") is True else ""
        lines = [f"{_text(pool.inputs.get('path'))}{shared}"]
        key = ("pool", host, top.name)
        self._add(Item(key, host, "pool", f"pool {top.name}", lines, pool.urn, {pool.urn}))

    def _network(self, network: PlannedResource, top: PlannedResource) -> None:
        inputs, outputs = network.inputs, top.outputs
        uri = inputs.get(CONNECTION_KEY)
        host = self.host(uri)
        kind = top.kind.removesuffix("Network").lower() or "network"
        lines = [_text(outputs[k]) for k in ("subnet", "uplink") if outputs.get(k) is not None]
        ranges = _dhcp_ranges(inputs)
        if ranges:
            self.managed_addresses.add((uri, inputs["name"]))
            lines.append(f"DHCP {ranges}")
        key = ("network", host, top.name)
        title = f"network {top.name} ({kind})"
        self._add(Item(key, host, "network", title, lines, network.urn, {network.urn}))
        self.networks[(uri, inputs["name"])] = key

    def _image(self, volume: PlannedResource, top: PlannedResource) -> None:
        host = self.host(volume.inputs.get(CONNECTION_KEY))
        shared = ", shared" if volume.inputs.get("shared") is True else ""
        lines = [_text(volume.inputs.get("name")) + shared]
        source = volume.inputs.get("source")
        if isinstance(source, Mapping):
            lines += [_short(_text(v)) for k, v in sorted(source.items()) if k in ("path", "url")]
        key = ("image", host, volume.name)
        self._add(Item(key, host, "image", f"image {top.name}", lines, volume.urn, {volume.urn}))

    def _vm(self, domain: PlannedResource, top: PlannedResource) -> None:
        inputs = domain.inputs
        uri = inputs.get(CONNECTION_KEY)
        host = self.host(uri)
        below = self._below(top)
        volumes = {r.inputs.get("name"): r for r in below if r.custom and "pool" in r.inputs}
        item = Item(("vm", top.name), host, "vm", f"vm {top.name}", [], domain.urn)
        item.urns = {top.urn, *(r.urn for r in below)}
        item.lines.append(_machine_line(inputs))
        for disk in inputs.get("disks") or []:
            if isinstance(disk, Mapping):
                volume = volumes.get(disk.get("volume"))
                line = _disk_line(disk, volume)
                if volume is not None:
                    item.parts.append((volume.urn, line))
                item.lines.append(line)
        policy = inputs.get("snapshotPolicy")
        if isinstance(policy, Mapping):
            schedule = policy.get("schedule")
            when = f", {_text(schedule)}" if schedule is not None else ", before changes"
            item.lines.append(f"snapshots: {_text(policy.get('name'))}{when}")
        self._add(item)
        for nic in inputs.get("interfaces") or []:
            if isinstance(nic, Mapping):
                self._nic(item, uri, host, nic)

    def _nic(self, vm: Item, uri: Any, host: str, nic: Mapping[str, Any]) -> None:
        name = nic.get("network")
        if name is not None:
            target = self.networks.get((uri, name))
            if target is None:  # a network the plan does not make: a libvirt name only
                target = ("uplink", host, f"network {_text(name)}")
                self._uplink(target, host)
            address = self.addresses.describe(uri, nic)
            if address is not None and address.endswith(" (reserved)"):
                label = address.removesuffix(" (reserved)")
            elif (uri, name) in self.managed_addresses:
                label = "DHCP"
            else:
                label = UNMANAGED_ADDRESS
        else:
            device = nic.get("bridge") or nic.get("dev")
            word = "bridge" if nic.get("bridge") is not None else "host NIC"
            target = ("uplink", host, f"{word} {_text(device)}")
            self._uplink(target, host)
            label = UNMANAGED_ADDRESS
        self.drawn.nics.append(NicEdge(vm.key, target, label))

    def _uplink(self, key: tuple[str, ...], host: str) -> None:
        if key not in self.drawn.items:
            self._add(Item(key, host, "uplink", key[2], ["not managed by the stack"], None))

    def _snapshot(self, snapshot: PlannedResource) -> None:
        uri, domain = snapshot.inputs.get(CONNECTION_KEY), snapshot.inputs.get("domain")
        for item in self.drawn.items.values():
            vm = self.plan.by_urn().get(item.primary or "")
            if (
                item.kind == "vm"
                and vm is not None
                and vm.inputs.get("name") == domain
                and vm.inputs.get(CONNECTION_KEY) == uri
            ):
                line = f"snapshot {_text(snapshot.inputs.get('name'))}"
                item.parts.append((snapshot.urn, line))
                item.lines.append(line)
                item.urns.add(snapshot.urn)


def _machine_line(inputs: Mapping[str, Any]) -> str:
    """`gen2, 1 vCPU (max 2), 512 MiB (max 2 GiB)`."""
    words = []
    generation = generation_of(inputs)
    if generation is not None:
        words.append(generation)
    vcpus, max_vcpus = inputs.get("vcpus"), inputs.get("maxVcpus")
    if vcpus is not None:
        text = f"{_text(vcpus)} vCPU{'' if vcpus == 1 else 's'}"
        words.append(
            text + (f" (max {_text(max_vcpus)})" if max_vcpus not in (None, vcpus) else "")
        )
    memory, max_memory = inputs.get("memoryMib"), inputs.get("maxMemoryMib")
    if memory is not None:
        text = fields.value("memoryMib", memory)
        if max_memory not in (None, memory):
            text += f" (max {fields.value('maxMemoryMib', max_memory)})"
        words.append(text)
    return ", ".join(words)


def _disk_line(disk: Mapping[str, Any], volume: PlannedResource | None) -> str:
    """`vda 10 GiB dev-web-1-root.qcow2`, `sda cdrom dev-web-1-cidata.iso`."""
    words = [_text(disk.get("target"))]
    if disk.get("device") not in (None, "disk"):
        words.append(_text(disk["device"]))
    if volume is not None and volume.inputs.get("capacityBytes") is not None:
        words.append(fields.value("capacityBytes", volume.inputs["capacityBytes"]))
    words.append(_text(disk.get("volume") or disk.get("file")))
    return " ".join(words)


def _dhcp_ranges(inputs: Mapping[str, Any]) -> str:
    ranges = []
    for ip in inputs.get("ips") or []:
        for span in (ip.get("dhcpRanges") or []) if isinstance(ip, Mapping) else []:
            if isinstance(span, Mapping):
                ranges.append(f"{_text(span.get('start'))}-{_text(span.get('end'))}")
    return ", ".join(ranges)


def _short(text: str, limit: int = 60) -> str:
    """A long URL or path, shortened in the middle (the file name stays readable)."""
    return text if len(text) <= limit else f"{text[: limit // 3]}…{text[-(2 * limit // 3) :]}"


def _text(item: Any) -> str:
    return str(item) if isinstance(item, Opaque) or item is not None else "-"
