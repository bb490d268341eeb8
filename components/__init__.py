"""kvm-pulumi: KVM hosts, networks, VM templates and VMs on libvirt, as Pulumi components.

Every component takes `Component(name, args, opts=None)`; import them from here
(`from components import VirtualMachine, VirtualMachineArgs`) or from their module.

Layers (arrows point down only): the components, by concept (`hosts`, `networks`,
`machines`, `snapshots`; `config` reads the stack file, `estate` builds it) → `spec`
(typed libvirt objects ↔ XML, pure) → `providers` (Pulumi dynamic providers over
libvirt-python). Names are loaded on first use, so the plugin process, which imports only
the providers, does not pay for the components.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from components.base import moved_modules

moved_modules.install()

PUBLIC: dict[str, str] = {
    "KvmHost": "components.hosts.kvm_host",
    "KvmHostArgs": "components.hosts.kvm_host",
    "StoragePool": "components.hosts.storage_pool",
    "StoragePoolArgs": "components.hosts.storage_pool",
    "NatNetwork": "components.networks.nat",
    "NatNetworkArgs": "components.networks.nat",
    "IsolatedNetwork": "components.networks.isolated",
    "IsolatedNetworkArgs": "components.networks.isolated",
    "RoutedNetwork": "components.networks.routed",
    "RoutedNetworkArgs": "components.networks.routed",
    "BridgedNetwork": "components.networks.bridged",
    "BridgedNetworkArgs": "components.networks.bridged",
    "ExistingNetwork": "components.networks.existing",
    "ExistingNetworkArgs": "components.networks.existing",
    "VmTemplate": "components.machines.vm_template",
    "VmTemplateArgs": "components.machines.vm_template",
    "VirtualMachine": "components.machines.virtual_machine",
    "VirtualMachineArgs": "components.machines.virtual_machine",
    "Nic": "components.machines.virtual_machine",
    "SnapshotPolicy": "components.snapshots.policy",
    "SnapshotPolicyArgs": "components.snapshots.policy",
    "Snapshot": "components.snapshots.snapshot",
    "SnapshotArgs": "components.snapshots.snapshot",
}
"""The components and their args classes: name → the module that defines it."""

__all__ = [
    "BridgedNetwork",
    "BridgedNetworkArgs",
    "ExistingNetwork",
    "ExistingNetworkArgs",
    "IsolatedNetwork",
    "IsolatedNetworkArgs",
    "KvmHost",
    "KvmHostArgs",
    "NatNetwork",
    "NatNetworkArgs",
    "Nic",
    "RoutedNetwork",
    "RoutedNetworkArgs",
    "Snapshot",
    "SnapshotArgs",
    "SnapshotPolicy",
    "SnapshotPolicyArgs",
    "StoragePool",
    "StoragePoolArgs",
    "VirtualMachine",
    "VirtualMachineArgs",
    "VmTemplate",
    "VmTemplateArgs",
]

if TYPE_CHECKING:
    from components.hosts.kvm_host import KvmHost, KvmHostArgs
    from components.hosts.storage_pool import StoragePool, StoragePoolArgs
    from components.machines.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
    from components.machines.vm_template import VmTemplate, VmTemplateArgs
    from components.networks.bridged import BridgedNetwork, BridgedNetworkArgs
    from components.networks.existing import ExistingNetwork, ExistingNetworkArgs
    from components.networks.isolated import IsolatedNetwork, IsolatedNetworkArgs
    from components.networks.nat import NatNetwork, NatNetworkArgs
    from components.networks.routed import RoutedNetwork, RoutedNetworkArgs
    from components.snapshots.policy import SnapshotPolicy, SnapshotPolicyArgs
    from components.snapshots.snapshot import Snapshot, SnapshotArgs


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    if name in PUBLIC:
        return getattr(importlib.import_module(PUBLIC[name]), name)
    raise AttributeError(f"module 'components' has no attribute {name!r}")
