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
from pydantic import ValidationError

from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError, error_lines
from components.config.naming import adopting
from components.machines.cloud_init.config import CloudInitConfig, OnChange
from components.machines.cloud_init.render import RenderedSeed, render_seed
from components.providers.resources import LibvirtCloudInitSeed
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
    on_change: OnChange | pulumi.Output[OnChange]

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
    config: CloudInitConfig | pulumi.Output[Any],
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
    `host_secret` as in `components.base.secret_inputs`.

    The files are rendered here (ValueError naming the VM when the host name is invalid); the
    resource registers user-data and meta-data as secrets.
    """
    volume = seed_volume_name(vm_name)
    if isinstance(config, pulumi.Output):
        later = config.apply(lambda raw: _rendered(_validated(raw, hostname), vm_name, hostname))
        user_data: Any = later.apply(lambda r: r[0].files.user_data)
        meta_data: Any = later.apply(lambda r: r[0].files.meta_data)
        network_config: Any = later.apply(lambda r: r[0].files.network_config)
        iid: Any = later.apply(lambda r: r[0].instance_id)
        on_change: Any = later.apply(lambda r: r[1])
    else:
        rendered = _rendered(config, vm_name, hostname)
        user_data, meta_data = rendered[0].files.user_data, rendered[0].files.meta_data
        network_config, iid = rendered[0].files.network_config, rendered[0].instance_id
        on_change = config.on_change
    props: dict[str, Any] = {
        CONNECTION_KEY: host_uri,
        "name": volume,
        "pool": pool_name,
        "userData": user_data,
        "metaData": meta_data,
        **adopting(adopt),
    }
    if isinstance(config, pulumi.Output) or network_config is not None:
        props["networkConfig"] = network_config
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
        instance_id=pulumi.Output.secret(iid),
        on_change=on_change,
    )


def _rendered(
    config: CloudInitConfig, vm_name: str, hostname: str
) -> tuple[RenderedSeed, OnChange]:
    try:
        return render_seed(config, vm_name, hostname), config.on_change
    except ValueError as err:
        raise ValueError(f"cloud-init seed of VM {vm_name!r}: {err}") from None


def _validated(raw: object, vm: str) -> CloudInitConfig:
    """A cloud-init config that arrived as an `Output`, checked once known; the message
    names the VM and the field, never the value (it may be secret)."""
    if isinstance(raw, CloudInitConfig):
        return raw
    try:
        return CloudInitConfig.model_validate(raw)
    except ValidationError as err:
        lines = "; ".join(f"cloudInit.{line}" for line in error_lines(err))
        raise ComponentArgumentError(f"VirtualMachine {vm!r}: {lines}") from None
