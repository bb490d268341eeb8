"""The bad-input matrix's shared parts: a valid stack touching every section, and edits.

A case is an edit of that stack (`path` → value, in the operator's spelling) plus what the
error must name: the path, and the value (its repr) unless the value is a secret, which must
not appear at all.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

SECRET = "S3cr3t-xyz"
"""A secret value planted by the secret cases: never in any message."""

BASE: dict[str, Any] = {
    "hosts": {
        "hv1": {"uri": "qemu+ssh://admin@hv1.example.internal/system"},
        "hv2": {"uri": "qemu+ssh://admin@hv2.example.internal/system", "sharedStorage": "/srv"},
    },
    "pools": {"vmstore": {"path": "/srv/vmstore/prod"}},
    "networks": {
        "lan": {
            "subnet": "10.70.0.0/24",
            "dhcp": {"start": "10.70.0.100", "end": "10.70.0.199"},
            "dnsDomain": "dev.internal",
            "staticLeases": [{"mac": "52:54:00:aa:bb:01", "ip": "10.70.0.50", "name": "printer"}],
            "dnsHosts": [{"ip": "10.70.0.5", "hostnames": ["ns.dev.internal"]}],
            "forwarders": ["9.9.9.9"],
            "ipv6": {"subnet": "fd00:70::/64"},
        },
        "backend": {
            "kind": "isolated",
            "subnet": "10.80.0.0/24",
            "ipv6": {"subnet": "fd00:80::/64"},
        },
        "routed": {
            "kind": "routed",
            "subnet": "10.90.0.0/24",
            "routes": [{"subnet": "10.91.0.0/24", "gateway": "10.90.0.254"}],
        },
        "uplink": {"kind": "bridged", "bridge": "br0"},
        "default": {"kind": "existing", "name": "default"},
    },
    "templates": {
        "debian": {
            "image": {"url": "https://example.org/debian.qcow2"},
            "pool": "vmstore",
            "memory": "1GiB",
            "maxMemory": "2GiB",
            "vcpus": 1,
            "maxVcpus": 2,
            "diskSize": "10GiB",
            "cmdline": "console=ttyS0",
            "cpu": {"mode": "custom", "model": "Skylake-Server"},
            "graphics": {"type": "vnc", "listen": "127.0.0.1"},
        }
    },
    "snapshotPolicies": {"nightly": {"schedule": "daily at 02:00", "keepLast": 3}},
    "defaults": {"retainDataDisks": True},
    "vms": [
        {
            "name": "web-1",
            "template": "debian",
            "host": "hv1",
            "snapshotPolicy": "nightly",
            "nics": [{"network": "lan"}, {"network": "backend", "ip": "10.80.0.11"}],
            "dataDisks": [{"name": "data", "size": "20GiB"}],
            "migration": {"address": "hv1.example.internal"},
            "cloudInit": {
                "users": [{"name": "ops", "password": "pw-ok-1"}],
                "packages": ["nginx"],
                "writeFiles": [{"path": "/etc/motd", "content": "hello"}],
            },
        },
        {"name": "web-2", "template": "debian", "host": "hv2", "nics": [{"network": "lan"}]},
    ],
}

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_DELETE = object()


def steps(path: str) -> list[str | int]:
    """`vms[0].nics[1].mac` → ['vms', 0, 'nics', 1, 'mac']."""
    return [int(index) if index else name for name, index in _STEP.findall(path)]


def edited(base: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with each `path` set (DELETE removes it)."""
    data = copy.deepcopy(base)
    for path, value in edits.items():
        *parents, last = steps(path)
        node: Any = data
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list) and isinstance(last, int) and last == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[last] = copy.deepcopy(value)
    return data


DELETE = _DELETE


@dataclass(frozen=True)
class Case:
    """One bad input: the edits, the path the error names and the value it shows."""

    section: str
    path: str
    value: Any
    edits: dict[str, Any] = field(default_factory=dict)
    shown: str | None = None
    """Text the message must hold for the value (default: repr of `value`)."""
    secret: bool = False

    @property
    def id(self) -> str:
        return f"{self.path}={self.value!r}"[:80]

    def expected_value(self) -> str | None:
        if self.secret:
            return None
        if self.shown is not None:
            return self.shown
        if isinstance(self.value, dict):
            return None
        if isinstance(self.value, list):
            return None
        return repr(self.value)


def at(
    path: str,
    value: Any,
    *,
    also: dict[str, Any] | None = None,
    where: str | None = None,
    shown: str | None = None,
    secret: bool = False,
    section: str | None = None,
) -> Case:
    """A case setting `path` to `value` (plus `also`); the error names `where` (default
    `path`) and shows `shown` (default: repr of the value)."""
    edits = {path: value, **(also or {})}
    named = where or path
    return Case(section or str(steps(named)[0]), named, value, edits, shown, secret)
