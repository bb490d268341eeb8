"""Which host each VM runs on: the one it names, unless that host is in maintenance.

Evacuation is deterministic so the preview and every rerun agree: VMs leave a host in
maintenance in config order, each to the eligible host (not in maintenance, with the VM's
pool and networks) that has the least memory planned so far, ties broken by host name.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.config.stack import StackConfig, VmConfig
from components.spec.limits import effective_sizes


@dataclass(frozen=True)
class Move:
    """A VM placed away from the host it names."""

    vm: str
    away_from: str
    to: str


def _max_memory(config: StackConfig, vm: VmConfig) -> int:
    return effective_sizes(vm, config.templates[vm.template]).max_memory


def _eligible(config: StackConfig, vm: VmConfig, host: str) -> bool:
    if config.hosts[host].maintenance:
        return False
    template = config.templates[vm.template]
    if host not in config.hosts_of(config.pools[template.pool].hosts):
        return False
    return all(host in config.hosts_of(config.networks[n.network].hosts) for n in vm.nics)


def place_vms(config: StackConfig) -> tuple[dict[str, str], list[Move]]:
    """Host of every VM (by VM name), and the moves maintenance caused."""
    planned = dict.fromkeys(config.hosts, 0)
    placement: dict[str, str] = {}
    moves: list[Move] = []
    for index, vm in enumerate(config.vms):
        named = config.host_of(vm)
        if not config.hosts[named].maintenance:
            placement[vm.name] = named
            planned[named] += _max_memory(config, vm)
            continue
        candidates = [h for h in sorted(config.hosts) if _eligible(config, vm, h)]
        if not candidates:
            away = sorted(h for h, c in config.hosts.items() if c.maintenance)
            raise ValueError(
                f"vms[{index}].host: VM {vm.name!r} has nowhere to run: host {named!r} is in "
                f"maintenance and no other host has its pool and networks (in maintenance: "
                f"{', '.join(away)})"
            )
        target = min(candidates, key=lambda h: (planned[h], h))
        placement[vm.name] = target
        planned[target] += _max_memory(config, vm)
        moves.append(Move(vm.name, named, target))
    return placement, moves
