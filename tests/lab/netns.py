"""A network namespace of its own for the lab, so libvirt networks never touch the machine's.

A NAT network makes libvirt create bridges, start dnsmasq, add firewall rules and set
`ip_forward`; inside this namespace all of that disappears with the namespace.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.lab.prerequisites import LabSetupError, find_program

NETNS_DIR = Path("/run/netns")


def _ip() -> str:
    ip = find_program("ip")
    if ip is None:
        raise LabSetupError("the lab needs `ip`. Install with: apt-get install -y iproute2")
    return ip


class NetworkNamespace:
    """A named namespace (`ip netns add NAME`) with only `lo` up."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, name: str) -> NetworkNamespace:
        """Create the namespace and bring its loopback up (migration traffic runs over it)."""
        ip = _ip()
        _run([ip, "netns", "add", name])
        namespace = cls(name)
        try:
            _run([ip, "-n", name, "link", "set", "lo", "up"])
        except LabSetupError:
            namespace.delete()
            raise
        return namespace

    def exec_prefix(self) -> list[str]:
        """argv prefix that runs a command inside the namespace."""
        return [_ip(), "netns", "exec", self.name]

    def run(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run `argv` inside the namespace; never raises on a non-zero exit status."""
        return subprocess.run(
            [*self.exec_prefix(), *argv], capture_output=True, text=True, check=False
        )

    def exists(self) -> bool:
        return (NETNS_DIR / self.name).exists()

    def delete(self) -> None:
        """Remove the namespace; bridges and rules in it go once its last process has gone."""
        if self.exists():
            _run([_ip(), "netns", "delete", self.name])


def _run(argv: Sequence[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LabSetupError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()}")
