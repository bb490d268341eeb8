"""Module paths from before the layout by concept, still importable.

Programs written against the old layout (`from components.virtual_machine import
VirtualMachine`) and anything that recorded a module path (a pickled provider in a stack's
state refers to its class by module) keep working: an old path imports the module at its new
home and is the same module object, so classes compare equal across both names. A
DeprecationWarning names the new path. Installed by `components/__init__.py`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

MOVED: dict[str, str] = {
    "components.addressed_network": "components.networks.addressed",
    "components.bridged_network": "components.networks.bridged",
    "components.cloud_init": "components.machines.cloud_init",
    "components.cloud_init.seed_iso": "components.spec.seed_iso",
    "components.existing_network": "components.networks.existing",
    "components.generations": "components.machines.generations",
    "components.host_inspection": "components.hosts.inspection",
    "components.host_reachability": "components.providers.reachability",
    "components.isolated_network": "components.networks.isolated",
    "components.kvm_host": "components.hosts.kvm_host",
    "components.move_notices": "components.hosts.move_notices",
    "components.naming": "components.config.naming",
    "components.nat_network": "components.networks.nat",
    "components.network_base": "components.networks.base",
    "components.placement": "components.hosts.placement",
    "components.policy_pack": "components.policies.pack",
    "components.policy_rules": "components.policies.rules",
    "components.progress": "components.providers.progress",
    "components.routed_network": "components.networks.routed",
    "components.snapshot": "components.snapshots.snapshot",
    "components.snapshot_policy": "components.snapshots.policy",
    "components.snapshots.carried": "components.providers.snapshots.carried",
    "components.snapshots.domain_guard": "components.providers.snapshots.domain_guard",
    "components.snapshots.external_revert": "components.providers.snapshots.external_revert",
    "components.snapshots.hosts": "components.providers.snapshots.hosts",
    "components.snapshots.kinds": "components.providers.snapshots.kinds",
    "components.snapshots.operations": "components.providers.snapshots.operations",
    "components.snapshots.retention": "components.spec.snapshot_retention",
    "components.storage_pool": "components.hosts.storage_pool",
    "components.virtual_machine": "components.machines.virtual_machine",
    "components.vm_template": "components.machines.vm_template",
}
"""Old module path → where it lives now (packages map their submodules too)."""


def new_home(old: str) -> str | None:
    """Where `old` lives now: itself moved, or inside a moved package."""
    if old in MOVED:
        return MOVED[old]
    for package, home in MOVED.items():
        if old.startswith(package + "."):
            return home + old[len(package) :]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.target}; import it from there",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module ran already; the alias only names it."""


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Finds old module paths and hands out the module at its new home."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        home = new_home(fullname)
        if home is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(home))


def install() -> None:
    """Put the finder first on `sys.meta_path`, once per process: an old submodule path
    (`components.cloud_init.render`) must reach it before the path finder would load a
    second copy of the module under the old name."""
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())
