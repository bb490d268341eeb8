"""What the reference documents: the components, their explicit parameters and outputs, the
nested settings, and what a change of each setting does.

The effect of a change is stated once per field. Where the field reaches a provider as one
input, it is a `Via` that reads the provider's own rule (`components/spec/changes.py`), so
the reference cannot drift from what the provider's `diff` does; a settings field without an
entry stops the generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from components.base.call_forms import ArgsModel
from components.config.host_uri import SshConfig
from components.config.machines import CpuConfig, DataDiskConfig, GraphicsConfig, MigrationConfig
from components.config.networks import (
    BridgedNetworkConfig,
    DhcpRangeConfig,
    DnsHostConfig,
    Ipv6Config,
    IsolatedNetworkConfig,
    NatNetworkConfig,
    RouteConfig,
    RoutedNetworkConfig,
    StaticLeaseConfig,
)
from components.config.stack import HostConfig, ImageConfig, TemplateSettings, VmSettings
from components.hosts.kvm_host import KvmHost, KvmHostArgs
from components.hosts.storage_pool import StoragePool, StoragePoolArgs
from components.machines.cloud_init.config import CloudInitConfig, CloudInitUser, WriteFile
from components.machines.virtual_machine import Nic, VirtualMachine, VirtualMachineArgs
from components.machines.vm_template import VmTemplate, VmTemplateArgs
from components.networks.bridged import BridgedNetwork, BridgedNetworkArgs
from components.networks.existing import ExistingNetwork, ExistingNetworkArgs
from components.networks.isolated import IsolatedNetwork, IsolatedNetworkArgs
from components.networks.nat import NatNetwork, NatNetworkArgs
from components.networks.routed import RoutedNetwork, RoutedNetworkArgs
from components.snapshots.policy import SnapshotPolicy, SnapshotPolicyArgs
from components.snapshots.snapshot import Snapshot, SnapshotArgs
from components.spec.changes import (
    DOMAIN_RULES,
    NETWORK_REFERENCE_RULES,
    NETWORK_RULES,
    POOL_RULES,
    RESERVATION_RULES,
    SNAPSHOT_RULES,
    VOLUME_RULES,
    Effect,
    Rule,
)
from components.spec.snapshot_policy import SnapshotPolicySettings


@dataclass(frozen=True)
class Via:
    """The argument reaches a provider as input `key` of `rules`: its effect is that rule's."""

    rules: Mapping[str, Rule]
    key: str
    note: str = ""

    def text(self) -> str:
        rule = self.rules[self.key]
        if not isinstance(rule, Effect):  # decided from old and new values: the note says how
            if not self.note:
                raise ValueError(f"{self.key}: its rule depends on the values; give a note")
            return self.note
        return f"{rule.value} ({self.note})" if self.note else rule.value


Effectish = Via | str

_NETWORK: dict[str, Effectish] = {
    "hosts": "create / delete on the hosts added / removed",
    "libvirt_name": Via(NETWORK_RULES, "name"),
    "subnet": Via(NETWORK_RULES, "ips", "replace (a new address)"),
    "gateway": Via(NETWORK_RULES, "ips", "replace (a new address)"),
    "dhcp": Via(NETWORK_RULES, "ips", "update live (virNetworkUpdate)"),
    "static_leases": Via(NETWORK_RULES, "ips", "update live (virNetworkUpdate)"),
    "ipv6": Via(NETWORK_RULES, "ips", "replace (a new address)"),
    "dns_domain": Via(NETWORK_RULES, "domainName"),
    "dns_hosts": Via(NETWORK_RULES, "dnsHosts"),
    "forwarders": Via(NETWORK_RULES, "dnsForwarders"),
    "mtu": Via(NETWORK_RULES, "mtu"),
    "bridge_name": Via(NETWORK_RULES, "bridgeName"),
    "autostart": Via(NETWORK_RULES, "autostart"),
    "kind": "another component: delete and create",
    "routes": Via(NETWORK_RULES, "routes"),
    "bridge": Via(NETWORK_RULES, "bridgeName"),
    "interface": Via(NETWORK_RULES, "forwardDev"),
    "mode": Via(NETWORK_RULES, "forwardMode"),
    "adopt": "checked at create only: take over an existing network of that name",
}

_TEMPLATE_AND_VM: dict[str, Effectish] = {
    "image": "new base volume; VMs keep theirs until `rebuild` is bumped",
    "retained_images": "create / delete of those base volumes (never one still in use)",
    "generation": Via(DOMAIN_RULES, "machine", "machine and firmware"),
    "gen1_reason": Via(DOMAIN_RULES, "gen1Reason"),
    "machine": Via(DOMAIN_RULES, "machine"),
    "secure_boot": Via(DOMAIN_RULES, "secureBoot"),
    "tpm": Via(DOMAIN_RULES, "tpm"),
    "cpu": Via(DOMAIN_RULES, "cpuMode"),
    "graphics": Via(DOMAIN_RULES, "graphics"),
    "cloud_init": Via(
        DOMAIN_RULES,
        "cloudInit",
        "update live: re-seeded, read at the next boot (`onChange: replace`: replace)",
    ),
    "guest_agent": Via(DOMAIN_RULES, "guestAgent"),
    "boot_order": Via(DOMAIN_RULES, "bootDevices"),
    "memory": Via(
        DOMAIN_RULES, "memoryMib", "update live up to `maxMemory` (balloon), else update + restart"
    ),
    "max_memory": Via(DOMAIN_RULES, "maxMemoryMib"),
    "vcpus": Via(
        DOMAIN_RULES, "vcpus", "update live up to `maxVcpus` (hotplug), else update + restart"
    ),
    "max_vcpus": Via(DOMAIN_RULES, "maxVcpus"),
    "disk_size": Via(VOLUME_RULES, "capacityBytes", "the root disk grows; shrinking is refused"),
    "kernel": Via(DOMAIN_RULES, "kernel"),
    "initrd": Via(DOMAIN_RULES, "initrd"),
    "cmdline": Via(DOMAIN_RULES, "cmdline"),
    "running": Via(DOMAIN_RULES, "running"),
    "autostart": Via(DOMAIN_RULES, "autostart"),
    "restart_policy": Via(DOMAIN_RULES, "restartPolicy"),
    "shutdown_timeout_seconds": Via(DOMAIN_RULES, "shutdownTimeoutSeconds"),
    "data_disks": Via(DOMAIN_RULES, "disks", "and create / delete of the volumes"),
    "migration": Via(DOMAIN_RULES, "migration"),
    "delete_snapshots": Via(DOMAIN_RULES, "deleteSnapshots"),
    "rebuild": Via(VOLUME_RULES, "rebuild", "the root disk only: a fresh clone of the image"),
    "adopt": "checked at create only: take over the existing domain, disks and seed",
    "firmware": Via(DOMAIN_RULES, "firmware", "generation custom"),
    "disk_bus": Via(DOMAIN_RULES, "disks", "generation custom: every disk's bus"),
    "nic_model": Via(DOMAIN_RULES, "interfaces", "generation custom: every NIC's model"),
    "rng": Via(DOMAIN_RULES, "rng", "generation custom"),
    "serial_console": Via(DOMAIN_RULES, "serial"),
    "existing_disks": Via(DOMAIN_RULES, "disks", "attached as they are, never managed"),
    "libvirt_name": Via(DOMAIN_RULES, "name", "the domain's name"),
    "root_disk_libvirt_name": Via(VOLUME_RULES, "name", "the root disk's volume name"),
}

EFFECTS: dict[type[BaseModel], Mapping[str, Effectish]] = {
    ArgsModel: {
        "secret": "inputs stored as secrets, nothing else changes (the stack file: "
        "`pulumi config set --secret` on the section)"
    },
    HostConfig: {
        "uri": "its VMs migrate; its pools, networks and volumes not on shared storage are "
        "replaced; another URI to the same libvirtd changes nothing",
        "ssh": "as `uri` (the options become part of it)",
        "domain_type": Via(DOMAIN_RULES, "domainType", "each VM's domain"),
        "memory_overcommit": "checked at preview only",
        "vcpu_overcommit": "checked at preview only",
        "shared_storage": Via(VOLUME_RULES, "shared"),
        "maintenance": "migrate: its VMs move to the eligible hosts",
        "down": "its resources are left as they are (not contacted) until it is up again",
    },
    NatNetworkConfig: _NETWORK,
    IsolatedNetworkConfig: _NETWORK,
    RoutedNetworkConfig: _NETWORK,
    BridgedNetworkConfig: _NETWORK,
    TemplateSettings: _TEMPLATE_AND_VM,
    VmSettings: _TEMPLATE_AND_VM,
    SnapshotPolicySettings: {
        name: Via(DOMAIN_RULES, "snapshotPolicy", "metadata of each governed VM")
        for name in SnapshotPolicySettings.model_fields
    },
}
"""The effect of changing each settings field, per component model."""


@dataclass(frozen=True)
class Param:
    """An argument the stack file does not hold in the component's own section, or holds
    elsewhere: its YAML key (None: Python only) and its effect."""

    yaml: str | None
    effect: Effectish


@dataclass(frozen=True)
class Component:
    """A component in the reference: its class, args class, the args fields that are not
    settings (other components, Python-only choices) and outputs (registered output name →
    what it holds)."""

    cls: type
    model: type[BaseModel] | None
    params: Mapping[str, Param]
    outputs: Mapping[str, str]
    section: str = ""
    not_keywords: tuple[str, ...] = ()
    """Args fields the reference leaves out (a network's `kind`, set by its class)."""


_HOSTS = Param("hosts", "create / delete on the hosts added / removed")
_NETWORK_PARAMS = {"hosts": _HOSTS}
_SNAPSHOT_PYTHON_ONLY = {
    "vm": Param(None, Via(SNAPSHOT_RULES, "domain")),
    "snapshot_name": Param(None, Via(SNAPSHOT_RULES, "name")),
    "mode": Param(None, Via(SNAPSHOT_RULES, "mode")),
    "include_memory": Param(None, Via(SNAPSHOT_RULES, "includeMemory")),
    "quiesce": Param(None, Via(SNAPSHOT_RULES, "quiesce")),
}

COMPONENTS: tuple[Component, ...] = (
    Component(
        KvmHost,
        KvmHostArgs,
        {},
        {
            "uri": "the URI every resource on the host connects with (SSH options included)",
            "domainType": "`kvm` or `qemu` (`auto` decided at preview)",
            "facts": "the host's facts, read at apply (see Hosts and domain type)",
        },
        "hosts.<name>",
    ),
    Component(
        StoragePool,
        StoragePoolArgs,
        {
            "hosts": _HOSTS,
            "path": Param("path", Via(POOL_RULES, "path")),
            "libvirt_name": Param("libvirtName", Via(POOL_RULES, "name")),
            "adopt": Param("adopt", "checked at create only: take over an existing pool"),
        },
        {"name": "the libvirt pool name", "path": "its directory"},
        "pools.<name>",
    ),
    *(
        Component(
            cls,
            model,
            _NETWORK_PARAMS,
            {"name": "the libvirt network name", "subnet": "the IPv4 subnet"},
            f"networks.<name> (kind: {model.model_fields['kind'].default})",
            ("kind",),
        )
        for cls, model in (
            (NatNetwork, NatNetworkArgs),
            (IsolatedNetwork, IsolatedNetworkArgs),
            (RoutedNetwork, RoutedNetworkArgs),
        )
    ),
    Component(
        BridgedNetwork,
        BridgedNetworkArgs,
        _NETWORK_PARAMS,
        {"name": "the libvirt network name", "uplink": "the host bridge or NIC"},
        "networks.<name> (kind: bridged)",
        ("kind",),
    ),
    Component(
        ExistingNetwork,
        ExistingNetworkArgs,
        {
            "hosts": _HOSTS,
            "name": Param("name", Via(NETWORK_REFERENCE_RULES, "name", "the reference")),
        },
        {"name": "the libvirt network name"},
        "networks.<name> (kind: existing)",
        ("kind", "libvirt_name", "adopt"),
    ),
    Component(
        VmTemplate,
        VmTemplateArgs,
        {"pool": Param("pool", "new base volumes in that pool")},
        {"baseVolume": "the current image's base volume name", "generation": "gen1 or gen2"},
        "templates.<name>",
    ),
    Component(
        VirtualMachine,
        VirtualMachineArgs,
        {
            "template": Param("template", "as the template's settings that differ"),
            "host": Param("host", Via(DOMAIN_RULES, "connectionUri")),
            "nics": Param("nics", Via(DOMAIN_RULES, "interfaces")),
            "snapshot_policy": Param("snapshotPolicy", Via(DOMAIN_RULES, "snapshotPolicy")),
            "retain_data_disks": Param(
                "defaults.retainDataDisks", "resource option of the data disks (no change)"
            ),
        },
        {
            "name": "the libvirt domain name",
            "uuid": "the domain's UUID",
            "host": "the host's name in the stack",
            "macAddresses": "one MAC per NIC",
            "ipAddresses": "the fixed IPs (reservations)",
            "leasedAddresses": "the addresses the guest holds now (DHCP leases, read at apply)",
            "pendingRestart": "true while a change waits for a restart (restartPolicy: manual)",
        },
        "vms[i]",
    ),
    Component(
        Nic,
        None,
        {
            "network": Param("network", Via(DOMAIN_RULES, "interfaces")),
            "ip": Param("ip", Via(RESERVATION_RULES, "ip", "the NIC's DHCP reservation")),
            "mac": Param("mac", Via(DOMAIN_RULES, "interfaces")),
            "model": Param("model", Via(DOMAIN_RULES, "interfaces")),
        },
        {},
        "vms[i].nics[j]",
    ),
    Component(
        SnapshotPolicy,
        SnapshotPolicyArgs,
        {},
        {
            "name": "the policy name",
            **{
                str(field.alias): "the setting (when set)"
                for field in SnapshotPolicySettings.model_fields.values()
            },
        },
        "snapshotPolicies.<name>",
    ),
    Component(
        Snapshot,
        SnapshotArgs,
        _SNAPSHOT_PYTHON_ONLY,
        {
            "name": "the libvirt snapshot name",
            "vm": "the domain's libvirt name",
            "kind": "internal or external (decided at apply)",
        },
        "(Python only)",
    ),
)

CONSTRUCTOR: Mapping[str, str] = {
    "name": "replace (the logical name is the URN)",
    "args": "the arguments below, as the component's args class",
    "opts": "Pulumi resource options; `protect`, `retain_on_delete`, `custom_timeouts`, "
    "`ignore_changes`, `depends_on`, providers and `aliases` reach its children",
}
"""The three constructor arguments every component takes, and what each is."""


NO_YAML_KEY = frozenset({"secret"})
"""Args fields the stack file sets otherwise than by a key of the section."""


def effects_of(model: type[BaseModel]) -> dict[str, Effectish]:
    """The effect of each settings field of an args class, from the config models it
    extends (the stack file's sections)."""
    found: dict[str, Effectish] = {}
    for base in reversed(model.__mro__):
        found.update(EFFECTS.get(base, {}))
    return found


NESTED: tuple[type[BaseModel], ...] = (
    SshConfig,
    ImageConfig,
    CpuConfig,
    GraphicsConfig,
    DataDiskConfig,
    MigrationConfig,
    DhcpRangeConfig,
    StaticLeaseConfig,
    DnsHostConfig,
    Ipv6Config,
    RouteConfig,
    CloudInitConfig,
    CloudInitUser,
    WriteFile,
)
"""Settings inside settings: a table each (their change is the enclosing field's)."""
