"""Plans built from hand-written registrations (what `registrations.evaluate` returns)."""

from __future__ import annotations

from typing import Any

from components.plan.model import Plan

STACK_URN = "urn:pulumi:dev::kvm-estate::pulumi:pulumi:Stack::kvm-estate-dev"
DOMAIN = "pulumi-python:dynamic/kvm:Domain"
VOLUME = "pulumi-python:dynamic/kvm:Volume"
NETWORK = "pulumi-python:dynamic/kvm:Network"
PROVIDERS = {
    DOMAIN: "components.providers.domain:DomainProvider",
    VOLUME: "components.providers.volume:VolumeProvider",
    NETWORK: "components.providers.network:NetworkProvider",
}


def registration(
    typ: str,
    name: str,
    parent: dict[str, Any] | None = None,
    *,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    protect: bool | None = None,
    retain: bool | None = None,
    provider: str | None = "default",
) -> dict[str, Any]:
    custom = typ.startswith("pulumi-python:")
    parent_urn = parent["urn"] if parent else STACK_URN
    parent_type = parent_urn.split("::")[2]
    return {
        "urn": f"urn:pulumi:dev::kvm-estate::{parent_type}${typ}::{name}",
        "type": typ,
        "name": name,
        "parent": parent_urn,
        "custom": custom,
        "provider": PROVIDERS.get(typ) if provider == "default" else provider,
        "inputs": inputs or {},
        "outputs": outputs or {},
        "protect": protect,
        "retain_on_delete": retain,
    }


def plan(*registrations: dict[str, Any]) -> Plan:
    return Plan.from_registrations(
        {"project": "kvm-estate", "stack": "dev", "resources": list(registrations)}
    )


def vm(
    name: str, memory: int = 512, network: str = "dev-lan", **extra: Any
) -> list[dict[str, Any]]:
    """A VM component with its domain (one NIC on `network`)."""
    component = registration("kvm:index:VirtualMachine", name, outputs={"name": f"dev-{name}"})
    domain = registration(
        DOMAIN,
        name,
        component,
        inputs={
            "connectionUri": "qemu:///system",
            "name": f"dev-{name}",
            "memoryMib": memory,
            "maxMemoryMib": 2048,
            "interfaces": [{"network": network, "mac": "52:54:00:00:00:01", "type": "network"}],
            **extra,
        },
    )
    return [component, domain]


def lan(subnet_address: str = "10.70.0.1") -> list[dict[str, Any]]:
    component = registration("kvm:index:NatNetwork", "lan", outputs={"name": "dev-lan"})
    network = registration(
        NETWORK,
        "lan@local",
        component,
        inputs={
            "connectionUri": "qemu:///system",
            "name": "dev-lan",
            "forwardMode": "nat",
            "ips": [
                {
                    "address": subnet_address,
                    "prefix": 24,
                    "dhcpRanges": [{"start": "10.70.0.100", "end": "10.70.0.199"}],
                    "dhcpHosts": [],
                }
            ],
        },
    )
    return [component, network]
