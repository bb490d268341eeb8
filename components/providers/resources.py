"""The dynamic resources users' programs register, one per provider.

Type names read as `pulumi-python:dynamic/kvm:Domain` in previews and state. The
provider instances are pickled by reference (module + class), so these modules must stay
importable under the same names: renaming one breaks existing stacks' state.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import pulumi
from pulumi.dynamic import Resource

from components.providers.base import LibvirtProvider
from components.providers.cloud_init_seed import CloudInitSeedProvider
from components.providers.dhcp_reservation import DhcpReservationProvider
from components.providers.domain import DomainProvider
from components.providers.host_facts_resource import HostFactsProvider
from components.providers.network import NetworkProvider
from components.providers.network_reference import NetworkReferenceProvider
from components.providers.pool import StoragePoolProvider
from components.providers.reachability import leave_alone
from components.providers.snapshot import SnapshotProvider
from components.providers.volume import VolumeProvider


def _with_outputs(props: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Declare computed outputs (as None inputs) so they are readable as attributes."""
    return {**props, **{k: None for k in keys if k not in props}}


def _output(resource: Resource, key: str) -> pulumi.Output[Any]:
    """A camelCase output (the wire name) under its snake_case Python name."""
    return cast(pulumi.Output[Any], getattr(resource, key))


class LibvirtResource(Resource):
    """What every resource here does: register with a fresh instance of its provider, declare
    the provider's computed outputs, and leave the inputs of a host marked down alone.

    Subclasses name their provider (`provider_class`) and their type (`module="kvm",
    name=...`); the type token and the provider's module, recorded in state, are theirs."""

    provider_class: ClassVar[type[LibvirtProvider[Any]]]

    def __init__(
        self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        provider = self.provider_class
        super().__init__(
            provider(),
            resource_name,
            _with_outputs(props, provider.computed_keys),
            leave_alone(props, opts),
        )


class LibvirtStoragePool(LibvirtResource, module="kvm", name="StoragePool"):
    """A libvirt storage pool on one host."""

    name: pulumi.Output[str]
    path: pulumi.Output[str]
    uuid: pulumi.Output[str]

    provider_class = StoragePoolProvider


class LibvirtVolume(LibvirtResource, module="kvm", name="Volume"):
    """A libvirt storage volume in a pool on one host."""

    name: pulumi.Output[str]
    pool: pulumi.Output[str]
    key: pulumi.Output[str]
    path: pulumi.Output[str]
    format: pulumi.Output[str]

    @property
    def virtual_size_bytes(self) -> pulumi.Output[int]:
        """The size the guest sees (for an imported image: the image's virtual size)."""
        return _output(self, "virtualSizeBytes")

    provider_class = VolumeProvider


class LibvirtNetwork(LibvirtResource, module="kvm", name="Network"):
    """A libvirt virtual network on one host."""

    name: pulumi.Output[str]
    uuid: pulumi.Output[str]

    @property
    def actual_bridge_name(self) -> pulumi.Output[str]:
        """The bridge libvirt made (or was told to use) for this network."""
        return _output(self, "actualBridgeName")

    @property
    def reattached_domains(self) -> pulumi.Output[list[str]]:
        """Running VMs a replace of this network plugged back in (empty otherwise)."""
        return _output(self, "reattachedDomains")

    provider_class = NetworkProvider

    def __init__(
        self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(resource_name, props, opts)
        # Said from the program, so the engine shows it on this network's row.
        name = props.get("name")
        self.reattached_domains.apply(
            lambda names: (
                pulumi.log.info(f"network {name}: re-attached running VMs {sorted(names)}", self)
                if names
                else None
            )
        )


class LibvirtDomain(LibvirtResource, module="kvm", name="Domain"):
    """A libvirt domain (VM) on one host."""

    name: pulumi.Output[str]
    uuid: pulumi.Output[str]

    @property
    def pending_restart(self) -> pulumi.Output[bool]:
        """True while changes wait for a restart (restartPolicy: manual)."""
        return _output(self, "pendingRestart")

    @property
    def ip_addresses(self) -> pulumi.Output[list[str]]:
        """Addresses the guest agent or the networks' DHCP leases report (refresh updates)."""
        return _output(self, "ipAddresses")

    @property
    def resolved_domain_type(self) -> pulumi.Output[str]:
        """kvm or qemu, as chosen for `domainType: auto`."""
        return _output(self, "resolvedDomainType")

    provider_class = DomainProvider


class LibvirtNetworkReference(LibvirtResource, module="kvm", name="NetworkReference"):
    """An existing network used, never changed or deleted, by the stack."""

    name: pulumi.Output[str]
    uuid: pulumi.Output[str]

    provider_class = NetworkReferenceProvider


class LibvirtDhcpReservation(LibvirtResource, module="kvm", name="DhcpReservation"):
    """A VM NIC's fixed IP as a static DHCP lease on a network."""

    mac: pulumi.Output[str]
    ip: pulumi.Output[str]

    provider_class = DhcpReservationProvider


class LibvirtSnapshot(LibvirtResource, module="kvm", name="Snapshot"):
    """A declared snapshot of a domain (never pruned by a snapshot policy)."""

    name: pulumi.Output[str]
    kind: pulumi.Output[str]
    state: pulumi.Output[str]

    @property
    def creation_time(self) -> pulumi.Output[int]:
        """When libvirt took it (seconds since the epoch)."""
        return _output(self, "creationTime")

    provider_class = SnapshotProvider


class LibvirtCloudInitSeed(LibvirtResource, module="kvm", name="CloudInitSeed"):
    """A VM's cloud-init (NoCloud) seed ISO in a raw volume; attach it as a read-only CD-ROM.

    `userData` and `metaData` are registered as Pulumi secrets whatever the caller passes, and
    `contentSha256` (a hash of them) is a secret output: none of it is plaintext in the state.
    """

    name: pulumi.Output[str]
    pool: pulumi.Output[str]
    key: pulumi.Output[str]
    path: pulumi.Output[str]

    @property
    def content_sha256(self) -> pulumi.Output[str]:
        """sha256 of the volume's bytes (secret: it is derived from the user-data)."""
        return _output(self, "contentSha256")

    provider_class = CloudInitSeedProvider

    def __init__(
        self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        provider = CloudInitSeedProvider
        secrets = {k: pulumi.Output.secret(props[k]) for k in provider.secret_inputs if k in props}
        secret_outputs = pulumi.ResourceOptions(
            additional_secret_outputs=[*provider.secret_outputs]
        )
        super().__init__(
            resource_name, {**props, **secrets}, pulumi.ResourceOptions.merge(secret_outputs, opts)
        )


class LibvirtHostFacts(LibvirtResource, module="kvm", name="HostFacts"):
    """What a host is and offers (read-only; deleting it leaves the host alone)."""

    hostname: pulumi.Output[str]
    arch: pulumi.Output[str]
    cpus: pulumi.Output[int]
    architectures: pulumi.Output[list[str]]
    firmware: pulumi.Output[list[str]]

    @property
    def facts(self) -> pulumi.Output[dict[str, Any]]:
        """Every fact in one map, camelCase keys as in the state (`libvirtVersion`, …)."""
        keys = HostFactsProvider.computed_keys
        return pulumi.Output.all(*(_output(self, k) for k in keys)).apply(
            lambda values: dict(zip(keys, values, strict=True))
        )

    provider_class = HostFactsProvider
