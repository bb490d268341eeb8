"""What the program says about VMs whose host changes, at preview, on the VM's own row.

The domain provider knows a host change is a migration, but it runs in the plugin process,
whose log lines the CLI shows as unattached text on the stack row. The program can say it
where the engine shows it (a diagnostic on the VM): it looks, through the host inspector,
for the VM's domain on the estate's other hosts. Hosts that cannot be asked are skipped
(KvmHost already warns about them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pulumi

from components.hosts.inspection import environment_checks_enabled, host_inspector
from components.hosts.kvm_host import KvmHost
from components.machines.virtual_machine import VirtualMachine
from components.providers.migration import describe
from components.spec.domain import MigrationSettings


def current_host(vm: VirtualMachine, hosts: Iterable[KvmHost]) -> tuple[KvmHost, bool] | None:
    """The other host that holds the VM's domain now, and whether it runs there."""
    inspector = host_inspector()
    look = getattr(inspector, "domain_state", None)
    if look is None:
        return None
    for host in hosts:
        if host is vm.host:
            continue
        try:
            running = look(host.uri, vm.domain_name)
        except Exception:
            continue
        if running is not None:
            return host, bool(running)
    return None


def announce_moves(vms: Mapping[str, VirtualMachine], hosts: Iterable[KvmHost]) -> None:
    """`web-1: migrate hv1 → hv2 (live, shared storage)` on each VM that will move."""
    if not environment_checks_enabled():
        return
    every = list(hosts)
    for name, vm in vms.items():
        found = current_host(vm, every)
        if found is None:
            continue
        old, running = found
        settings = vm.migration or MigrationSettings()
        pulumi.log.info(
            f"{name}: migrate {old.host_name} → {vm.host.host_name} "
            f"({describe(running, settings)})",
            vm,
        )
