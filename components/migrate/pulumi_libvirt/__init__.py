"""pulumi-libvirt (terraform-provider-libvirt 0.8) resources → a kvm-pulumi stack config.

Every object is described exactly as the old provider made it, and adopted: pools, networks
and domains keep their libvirt names and UUIDs, NICs their MACs, domains their machine type,
disk buses and NIC models (a `custom` machine profile), and a clone's base volume becomes its
template's image, adopted in place instead of imported again. What kvm-pulumi does not model
is listed as a Finding and stays on the host untouched.

Property names are the Pulumi wire names of the pulumi-libvirt 0.5.4 SDK (`networkInterfaces`,
`volumeId`, `baseVolumeId`…); ids are what the bridged provider sets: UUIDs for domains,
networks and pools, volume keys (paths, for dir pools) for volumes, and
`<volume key>;<uuid>` for cloud-init disks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.migrate.export import StackExport
from components.migrate.findings import KEPT_AS_IS
from components.migrate.pulumi_libvirt.context import (
    DOMAIN,
    KNOWN_TYPES,
    NETWORK,
    POOL,
    Context,
    Conversion,
    ConversionError,
    domain_type,
    read_hosts,
    subject_of,
)
from components.migrate.pulumi_libvirt.networks import convert_network
from components.migrate.pulumi_libvirt.pools import convert_pool
from components.migrate.pulumi_libvirt.secrets import with_placeholders
from components.migrate.pulumi_libvirt.vms import convert_vm, note_unattached_volumes

__all__ = ["Conversion", "ConversionError", "convert"]


def convert(export: StackExport, overrides: Mapping[str, str] | None = None) -> Conversion:
    """The stack config that adopts every object of a pulumi-libvirt stack export."""
    out = Conversion()
    ctx = Context(export, read_hosts(export, overrides or {}), out)
    out.sections["hosts"] = {
        key: {"uri": uri, **domain_type(ctx, key)} for key, uri in ctx.hosts.uris.items()
    }
    for resource in export.resources:
        if resource.type.startswith("libvirt:") and resource.type not in KNOWN_TYPES:
            out.note(
                subject_of(resource),
                f"type {resource.type} has no kvm-pulumi equivalent",
                f"{KEPT_AS_IS}; it is not part of the new stack",
            )
    for pool in export.of_type(POOL):
        convert_pool(ctx, pool)
    for network in export.of_type(NETWORK):
        convert_network(ctx, network)
    vms: list[dict[str, Any]] = []
    for domain in export.of_type(DOMAIN):
        vm = convert_vm(ctx, domain)
        if vm is not None:
            vms.append(vm)
    out.sections["vms"] = vms
    note_unattached_volumes(ctx)
    out.sections["defaults"] = {"retainDataDisks": True}
    for name in list(out.sections):
        out.sections[name] = with_placeholders(out, f"kvm-estate:{name}", out.sections[name])
    return out
