"""KvmHost: a libvirt host the stack places pools, networks and VMs on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

import pulumi

from components.base.call_forms import ARGS_CONFIG, ArgsModel, call_form, fields_of, validated
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError
from components.config.host_uri import connection_uri
from components.config.naming import Owner, claim
from components.config.stack import HostConfig
from components.hosts.inspection import (
    GuestUsage,
    HostCapacity,
    HostInspector,
    MachineSupport,
    host_inspector,
    set_host_inspector,
)
from components.providers.host_facts import DomainTypeChoice, detect_domain_type
from components.providers.reachability import mark_down, unreachable
from components.providers.resources import LibvirtHostFacts
from components.spec.changes import CONNECTION_KEY
from components.spec.connection_uri import parse_host_uri
from components.spec.names import default_libvirt_name

HostProbe = Callable[[str], DomainTypeChoice]
"""Given a libvirt URI, decide the domain type (connects to the host)."""


def libvirt_probe(uri: str) -> DomainTypeChoice:
    """Ask the host itself (used at preview, so the warning shows before anything changes)."""
    from components.providers.connection import connect

    return detect_domain_type(connect(uri))


_probe: HostProbe | None = libvirt_probe


def set_host_probe(probe: HostProbe | None) -> None:
    """Replace the host check; None turns every preview-time host check off (offline
    plans, unit tests), network inspection included."""
    global _probe  # noqa: PLW0603 - one process-wide switch, set by tests and the plan tool
    _probe = probe
    if probe is None:
        set_host_inspector(None)


def host_probe() -> HostProbe | None:
    """The current domain-type check (None when host checks are off)."""
    return _probe


class KvmHostArgs(ArgsModel, HostConfig):
    """KvmHost's arguments: the settings of a `hosts.<name>` entry."""

    model_config = ARGS_CONFIG


def _old_form(
    name: str,
    args: HostConfig | None = None,
    opts: pulumi.ResourceOptions | None = None,
    **kwargs: Any,
) -> tuple[KvmHostArgs, pulumi.ResourceOptions | None]:
    """`KvmHost(name, HostConfig(...) | **settings, opts)`."""
    fields = fields_of(args) if args is not None else kwargs
    return validated("KvmHost", name, KvmHostArgs, fields), opts


class KvmHost(pulumi.ComponentResource):
    """A KVM host reached through a libvirt URI.

    With `domain_type='auto'` the host is checked at preview: kvm only where the CPU really
    has vmx/svm and libvirt offers kvm; otherwise VMs run under qemu (TCG) and a warning
    says why. An unreachable host is a warning here; the providers fail on it at apply.

    `uri` is what every resource on the host connects with: the configured URI plus the SSH
    options (`ssh=`). The host's facts (versions, CPU, memory, machine types, firmware,
    pools, the domain-type decision) are read at apply by a `kvm:HostFacts` child and
    exported as the `facts` output.
    """

    uri: str
    domain_type: str
    facts: pulumi.Output[dict[str, Any]]

    @overload
    def __init__(
        self, name: str, args: KvmHostArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        args: HostConfig | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        config, opts = call_form(
            "KvmHost", name, KvmHostArgs, _old_form, positional=args, keywords=kwargs
        )
        owner = Owner("KvmHost", name)
        uri = connection_uri(config.uri, config.ssh)
        claim("resource", "", f"KvmHost {name}", owner)
        claim("resource", "", f"{name}-facts", owner)
        claim("libvirt daemon", "", "://".join(map(str, parse_host_uri(uri).daemon)), owner)
        super().__init__("kvm:index:KvmHost", name, None, opts)
        self.host_name = name
        self.uri = uri
        self.domain_type = config.domain_type
        self.config = config
        self.shared_storage = config.shared_storage
        self.maintenance = config.maintenance
        self.effective_domain_type: str = config.domain_type
        """kvm or qemu once the host was checked; `auto` while unknown (offline)."""
        self._placed: list[GuestUsage] = []
        self._machines: dict[tuple[str, str], MachineSupport | None] = {}
        self._capacity: HostCapacity | None = None
        if config.ssh is not None and config.ssh.no_verify:
            pulumi.log.warn(
                f"host {name}: ssh.noVerify: an unknown host key at {config.uri} is accepted",
                self,
            )
        mark_down(self.uri, config.down)
        if config.down:
            pulumi.log.warn(
                f"host {name} ({self.uri}) is marked down: its resources are left as they "
                "are; nothing on it is read or changed",
                self,
            )
        elif (inspector := host_inspector()) is not None:
            self._check_reachable(inspector)
        if config.domain_type == "auto" and _probe is not None and not config.down:
            self._check_domain_type(_probe)
        facts_props = secret_inputs(
            {
                CONNECTION_KEY: self.uri,
                "stackPrefix": default_libvirt_name(pulumi.get_stack(), ""),
            },
            secret=False,
            host_secret=config.secret,
        )
        self.facts_resource = LibvirtHostFacts(
            f"{name}-facts",
            facts_props,
            child_options(self, opts, facts_props),
        )
        self.facts = self.facts_resource.facts
        self.register_outputs(
            {"uri": self.uri, "domainType": self.domain_type, "facts": self.facts}
        )

    def _check_reachable(self, inspector: HostInspector) -> None:
        """Fail the preview on a host that does not answer (see host_reachability)."""
        try:
            inspector.answers(self.uri)
        except Exception as err:
            raise unreachable(self.host_name, self.uri, err) from None

    def _check_domain_type(self, probe: HostProbe) -> None:
        try:
            choice = probe(self.uri)
        except Exception as err:
            pulumi.log.warn(
                f"host {self.host_name}: cannot check hardware virtualisation at {self.uri}: {err}",
                self,
            )
            return
        self.effective_domain_type = choice.domain_type
        if choice.domain_type != "kvm":
            pulumi.log.warn(
                f"host {self.host_name}: VMs will run under {choice.domain_type}: {choice.reason}",
                self,
            )

    def shares(self, path: str) -> bool:
        """Whether `path` lies in this host's shared storage."""
        root = self.shared_storage
        return root is not None and (path == root or path.startswith(root.rstrip("/") + "/"))

    def place(self, vm: str, memory_mib: int, vcpus: int) -> None:
        """Count a VM against the host's capacity; raise (listing the top consumers) when
        the stack's VMs plus the running VMs it does not manage exceed RAM x memory overcommit
        or CPUs x vCPU overcommit. Skipped when host checks are off or the host is down."""
        self._placed.append(GuestUsage(vm, memory_mib, vcpus))
        capacity = self._host_capacity()
        if capacity is None:
            return
        users = [*capacity.foreign, *self._placed]
        for label, used, limit, unit in (
            (
                "memory",
                sum(u.memory_mib for u in users),
                capacity.memory_mib * self.config.memory_overcommit,
                "MiB",
            ),
            ("vCPUs", sum(u.vcpus for u in users), capacity.cpus * self.config.vcpu_overcommit, ""),
        ):
            if used > limit:
                key = _by_memory if label == "memory" else _by_vcpus
                top = sorted(users, key=key, reverse=True)[:5]
                ours = {p.name for p in self._placed}
                listed = ", ".join(
                    f"{u.name} {key(u)}{unit}{'' if u.name in ours else ' (not in this stack)'}"
                    for u in top
                )
                raise ComponentArgumentError(
                    f"VirtualMachine {vm!r}: host {self.host_name!r} would need {used:g}{unit} "
                    f"of {label} but allows {limit:g}{unit} (capacity x overcommit); top "
                    f"consumers: {listed}"
                )

    def _host_capacity(self) -> HostCapacity | None:
        if self._capacity is None:
            inspector = host_inspector()
            if inspector is None or self.config.down:
                return None
            try:
                self._capacity = inspector.capacity(
                    self.uri, pulumi.get_project(), pulumi.get_stack()
                )
            except Exception as err:
                pulumi.log.warn(f"host {self.host_name}: cannot read capacity: {err}", self)
                return None
        return self._capacity

    def machine_support(self, arch: str, machine: str) -> MachineSupport | bool | None:
        """What the host offers for `machine`: MachineSupport, None when the machine type is
        not available, or False when that cannot be known (checks off, host unreachable,
        domain type still undecided)."""
        inspector = host_inspector()
        if inspector is None or self.effective_domain_type == "auto" or self.config.down:
            return False
        key = (arch, machine)
        if key not in self._machines:
            try:
                self._machines[key] = inspector.machine_support(
                    self.uri, arch, machine, self.effective_domain_type
                )
            except Exception as err:
                pulumi.log.warn(f"host {self.host_name}: cannot read capabilities: {err}", self)
                return False
        return self._machines[key]


def _by_memory(usage: GuestUsage) -> int:
    return usage.memory_mib


def _by_vcpus(usage: GuestUsage) -> int:
    return usage.vcpus
