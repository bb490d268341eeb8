"""KvmHost: a libvirt host the stack places pools, networks and VMs on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
from pydantic import ValidationError

from components.config.stack import HostConfig
from components.host_inspection import set_host_inspector
from components.providers.host_facts import DomainTypeChoice, detect_domain_type

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


def component_error(kind: str, name: str, err: ValidationError) -> ValueError:
    """A construction error naming the component and each bad argument with its value."""
    lines = []
    for item in err.errors():
        path = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{path}: {message}" if path else message)
    return ValueError(f"{kind} {name!r}: " + "; ".join(lines))


class KvmHost(pulumi.ComponentResource):
    """A KVM host reached through a libvirt URI.

    With `domain_type='auto'` the host is checked at preview: kvm only where the CPU really
    has vmx/svm and libvirt offers kvm; otherwise VMs run under qemu (TCG) and a warning
    says why. An unreachable host is a warning here; the providers fail on it at apply.
    """

    uri: str
    domain_type: str

    def __init__(
        self,
        name: str,
        args: HostConfig | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            config = args or HostConfig(**kwargs)
        except ValidationError as err:
            raise component_error("KvmHost", name, err) from None
        super().__init__("kvm:index:KvmHost", name, None, opts)
        self.host_name = name
        self.uri = config.uri
        self.domain_type = config.domain_type
        if config.domain_type == "auto" and _probe is not None:
            self._check_domain_type(_probe)
        self.register_outputs({"uri": self.uri, "domainType": self.domain_type})

    def _check_domain_type(self, probe: HostProbe) -> None:
        try:
            choice = probe(self.uri)
        except Exception as err:
            pulumi.log.warn(
                f"host {self.host_name}: cannot check hardware virtualisation at {self.uri}: {err}",
                self,
            )
            return
        if choice.domain_type != "kvm":
            pulumi.log.warn(
                f"host {self.host_name}: VMs will run under {choice.domain_type}: {choice.reason}",
                self,
            )
