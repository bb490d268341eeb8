"""`make_seed`: register the cloud-init seed volume of one VM, and how to attach it.

The VM attaches the seed as a read-only CD-ROM (`CloudInitSeed.cdrom`). What a change of the
seed does to the VM is the VM's business (`CloudInitSeed.on_change`): the seed itself is always
re-seeded in place, and its new instance-id makes cloud-init run again at the VM's next boot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.child_options import child_options
from components.cloud_init.config import CloudInitConfig, OnChange
from components.cloud_init.render import render_seed
from components.naming import adopting
from components.providers.resources import LibvirtCloudInitSeed
from components.secret_inputs import secret_inputs
from components.spec.changes import CONNECTION_KEY
from components.spec.domain import Disk, DiskBus
from components.spec.names import check_libvirt_name

SEED_SUFFIX = "-cidata.iso"


def seed_volume_name(vm_name: str) -> str:
    """The seed volume of the VM whose libvirt name is `vm_name`: `<vm_name>-cidata.iso`."""
    return check_libvirt_name(vm_name + SEED_SUFFIX)


@dataclass(frozen=True)
class CloudInitSeed:
    """A registered seed: the resource, where its volume is, and what a change means.

    `instance_id` is a secret (it is a hash of the user-data); it changes exactly when the
    seed's content does, so a VM input built from it changes with the seed.
    """

    resource: LibvirtCloudInitSeed
    pool: str
    volume: str
    instance_id: pulumi.Output[str]
    on_change: OnChange

    def cdrom(self, target: str, bus: DiskBus) -> Disk:
        """The domain disk for the seed: a read-only raw CD-ROM on the pool volume."""
        return Disk(
            device="cdrom",
            format="raw",
            pool=self.pool,
            volume=self.volume,
            target=target,
            bus=bus,
            readonly=True,
        )


CLOUD_INIT_INPUTS = {"cloud_init": "userData"}
"""`ignore_changes=["cloud_init"]` on a VM keeps its seed's user-data as it is."""


def make_seed(
    name: str,
    vm_name: str,
    *,
    hostname: str,
    host_uri: str,
    pool_name: str,
    config: CloudInitConfig,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    adopt: bool = False,
    opts: pulumi.ResourceOptions | None = None,
    secret: bool = False,
    host_secret: bool = False,
) -> CloudInitSeed:
    """Register the seed of VM `vm_name` (its libvirt name) as resource `name` in pool
    `pool_name` on `host_uri`; `depends_on` should hold the pool's resource on that host;
    `opts` are the VM's options (what applies to a child reaches the seed); `secret` and
    `host_secret` as in `components.secret_inputs`.

    The files are rendered here (ValueError naming the VM when the host name is invalid); the
    resource registers user-data and meta-data as secrets.
    """
    try:
        rendered = render_seed(config, vm_name, hostname)
    except ValueError as err:
        raise ValueError(f"cloud-init seed of VM {vm_name!r}: {err}") from None
    volume = seed_volume_name(vm_name)
    files = rendered.files
    props: dict[str, Any] = {
        CONNECTION_KEY: host_uri,
        "name": volume,
        "pool": pool_name,
        "userData": files.user_data,
        "metaData": files.meta_data,
        **adopting(adopt),
    }
    if files.network_config is not None:
        props["networkConfig"] = files.network_config
    props = secret_inputs(props, secret=secret, host_secret=host_secret)
    resource = LibvirtCloudInitSeed(
        name,
        props,
        child_options(parent, opts, props, CLOUD_INIT_INPUTS, depends_on=list(depends_on)),
    )
    return CloudInitSeed(
        resource=resource,
        pool=pool_name,
        volume=volume,
        instance_id=pulumi.Output.secret(rendered.instance_id),
        on_change=config.on_change,
    )
