"""Synthetic resources for policy tests, shaped like what the program registers."""

from __future__ import annotations

from typing import Any

from components.policies.rules import RuleResource

DOMAIN = "pulumi-python:dynamic/kvm:Domain"
VOLUME = "pulumi-python:dynamic/kvm:Volume"
NETWORK = "pulumi-python:dynamic/kvm:Network"
HOST = "kvm:index:KvmHost"
VM = "kvm:index:VirtualMachine"
URI = "qemu+ssh://admin@hv1.example.internal/system"


def urn(stack: str, typ: str, name: str) -> str:
    return f"urn:pulumi:{stack}::kvm-estate::{typ}::{name}"


def domain(name: str = "web-1", stack: str = "prod", **props: Any) -> RuleResource:
    base: dict[str, Any] = {
        "connectionUri": URI,
        "name": f"{stack}-{name}",
        "memoryMib": 1024,
        "maxMemoryMib": 2048,
        "machine": "q35",
        "firmware": "efi",
        "disks": [
            {"pool": f"{stack}-vmstore", "volume": f"{stack}-{name}-root.qcow2", "target": "vda"}
        ],
    }
    return RuleResource(
        urn(stack, f"{VM}${DOMAIN}", name),
        DOMAIN,
        name,
        {**base, **props},
        parent=urn(stack, VM, name),
    )


def volume(
    name: str, stack: str = "prod", *, protect: bool = False, retain: bool | None = False
) -> RuleResource:
    return RuleResource(
        urn(stack, f"{VM}${VOLUME}", name),
        VOLUME,
        name,
        {"connectionUri": URI, "pool": f"{stack}-vmstore", "name": f"{stack}-{name}.qcow2"},
        protect=protect,
        retain_on_delete=retain,
    )


def network(
    name: str, address: str, prefix: int, stack: str = "prod", uri: str = URI
) -> RuleResource:
    return RuleResource(
        urn(stack, NETWORK, f"{name}@{uri[-12:]}"),
        NETWORK,
        name,
        {
            "connectionUri": uri,
            "name": f"{stack}-{name}",
            "ips": [{"address": address, "prefix": prefix}],
        },
    )


def host(name: str = "hv1", stack: str = "prod", **props: Any) -> RuleResource:
    return RuleResource(urn(stack, HOST, name), HOST, name, {"uri": URI, **props})
