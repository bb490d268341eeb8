"""Wire-form inputs for the providers and an "engine" that drives them as Pulumi would.

Inputs are what a Pulumi program sends: camelCase spec fields plus `connectionUri` and an
optional `adopt`. `Engine` runs the provider protocol in the engine's order: check, then
create; check(old inputs, new inputs), diff(old outputs), update(old outputs); read; delete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.dynamic import DiffResult

from components.providers.base import LibvirtProvider

Props = dict[str, Any]
PROVIDER_KEY = "__provider"
OWNER = {"project": "kvmp-tests", "stack": "test", "name": "r"}


def domain_inputs(uri: str, name: str, **overrides: Any) -> Props:
    """A small TCG domain: 128 of 256 MiB, 1 of 2 vCPUs, not running unless asked."""
    props: Props = {
        "connectionUri": uri,
        "name": name,
        "domainType": "qemu",
        "maxMemoryMib": 256,
        "memoryMib": 128,
        "maxVcpus": 2,
        "vcpus": 1,
        "running": False,
        "ownership": {**OWNER, "name": name},
    }
    props.update(overrides)
    return props


def network_inputs(uri: str, name: str, subnet: str = "10.213.7", **overrides: Any) -> Props:
    """A NAT network `<subnet>.0/24` with a DHCP range .100-.199."""
    props: Props = {
        "connectionUri": uri,
        "name": name,
        "forwardMode": "nat",
        "ownership": {**OWNER, "name": name},
        "ips": [
            {
                "address": f"{subnet}.1",
                "prefix": 24,
                "dhcpRanges": [{"start": f"{subnet}.100", "end": f"{subnet}.199"}],
            }
        ],
    }
    props.update(overrides)
    return props


def pool_inputs(uri: str, name: str, path: str, **overrides: Any) -> Props:
    props: Props = {"connectionUri": uri, "name": name, "type": "dir", "path": path}
    props.update(overrides)
    return props


def volume_inputs(uri: str, pool: str, name: str, **overrides: Any) -> Props:
    props: Props = {"connectionUri": uri, "pool": pool, "name": name, "format": "qcow2"}
    props.update(overrides)
    return props


def failures_of(provider: LibvirtProvider[Any], olds: Props, news: Props) -> dict[str, str]:
    """check()'s failures as {property: reason}."""
    result = provider.check(olds, news)
    return {f.property: f.reason for f in result.failures}


@dataclass
class Resource:
    """What the engine keeps for one resource: id, last inputs and last outputs."""

    provider: LibvirtProvider[Any]
    id: str
    inputs: Props
    outputs: Props
    diffs: list[DiffResult] = field(default_factory=list)


class Engine:
    """Drives one provider the way the Pulumi engine does (minus the gRPC)."""

    def __init__(self, provider: LibvirtProvider[Any]) -> None:
        self.provider = provider

    def checked(self, olds: Props, news: Mapping[str, Any]) -> Props:
        raw = {**news, PROVIDER_KEY: "serialized-provider"}
        result = self.provider.check(olds, raw)
        failures = [(f.property, f.reason) for f in result.failures]
        assert not failures, f"check failed: {failures}"
        # The SDK puts the serialized provider back into the checked inputs.
        return {**result.inputs, PROVIDER_KEY: raw[PROVIDER_KEY]}

    def create(self, news: Mapping[str, Any]) -> Resource:
        inputs = self.checked({}, news)
        result = self.provider.create(inputs)
        assert result.id, f"create returned no id: {result!r}"
        outs = {**(result.outs or {}), PROVIDER_KEY: inputs[PROVIDER_KEY]}
        return Resource(self.provider, str(result.id), inputs, outs)

    def diff(self, res: Resource, news: Mapping[str, Any]) -> tuple[Props, DiffResult]:
        inputs = self.checked(res.inputs, news)
        return inputs, self.provider.diff(res.id, res.outputs, inputs)

    def update(self, res: Resource, news: Mapping[str, Any]) -> DiffResult:
        """check + diff + update (which must not be a replace); res is updated in place."""
        inputs, diff = self.diff(res, news)
        assert diff.changes, f"update expected changes, diff says none: {diff!r}"
        assert not diff.replaces, f"update expected no replace, diff says {diff.replaces}"
        result = self.provider.update(res.id, res.outputs, inputs)
        res.inputs = inputs
        res.outputs = {**(result.outs or {}), PROVIDER_KEY: inputs[PROVIDER_KEY]}
        res.diffs.append(diff)
        return diff

    def read(self, res: Resource) -> tuple[str | None, Props]:
        result = self.provider.read(res.id, res.outputs)
        return result.id, dict(result.outs or {})

    def delete(self, res: Resource) -> None:
        self.provider.delete(res.id, res.outputs)
