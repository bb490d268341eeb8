"""A snapshot of the machine's own firewall and forwarding state, to prove the lab left it alone.

Libvirt NAT networks add iptables/nft rules and set `ip_forward`; the lab keeps them inside
its network namespace. Comparing this snapshot before and after a test session checks that.
Packet counters and generator timestamps are dropped: they change without anyone's help.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path

from tests.lab.prerequisites import find_program

_FORWARDING = {
    "ipv4 ip_forward": Path("/proc/sys/net/ipv4/ip_forward"),
    "ipv6 all.forwarding": Path("/proc/sys/net/ipv6/conf/all/forwarding"),
}
_NFT_COUNTER = re.compile(r"counter packets \d+ bytes \d+")
_SAVE_COUNTER = re.compile(r"\[\d+:\d+\]")


@dataclass(frozen=True)
class RootNetworkState:
    """What the test process's (the machine's) network namespace looks like right now."""

    nft_ruleset: str
    iptables: str
    ip6tables: str
    forwarding: str

    @classmethod
    def capture(cls) -> RootNetworkState:
        nft = find_program("nft")
        nft_text = _output([nft, "list", "ruleset"]) if nft else "(nft not installed)"
        return cls(
            nft_ruleset=_NFT_COUNTER.sub("counter", nft_text),
            iptables=_save_output("iptables-save"),
            ip6tables=_save_output("ip6tables-save"),
            forwarding="\n".join(
                f"{name}={path.read_text().strip() if path.exists() else '-'}"
                for name, path in _FORWARDING.items()
            ),
        )

    def differences(self, later: RootNetworkState) -> list[str]:
        """Human-readable list of what changed between `self` and `later` (empty if nothing)."""
        changed = []
        for field in fields(self):
            before, after = getattr(self, field.name), getattr(later, field.name)
            if before != after:
                changed.append(f"{field.name} changed:\n--- before\n{before}\n--- after\n{after}")
        return changed


def _save_output(program: str) -> str:
    path = find_program(program)
    if path is None:
        return f"({program} not installed)"
    lines = _output([path]).splitlines()
    return "\n".join(_SAVE_COUNTER.sub("", line) for line in lines if not line.startswith("#"))


def _output(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.stdout + (
        f"\n(exit {done.returncode}: {done.stderr.strip()})" if done.returncode else ""
    )
