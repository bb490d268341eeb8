"""VmTemplate: describe a VM once; make any number of thin copy-on-write clones of it.

The template's base image is imported once per host (into the template's pool there) and
shared by every VM made from it on that host.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pydantic import InstanceOf

from components.base.call_forms import ARGS_CONFIG, ArgsModel, call_form, fields_of, validated
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError
from components.config.naming import Owner, claim, libvirt_name
from components.config.stack import ImageConfig, TemplateSettings
from components.hosts.inspection import environment_checks_enabled
from components.hosts.kvm_host import KvmHost
from components.hosts.storage_pool import StoragePool
from components.providers.resources import LibvirtVolume
from components.spec.changes import CONNECTION_KEY

if TYPE_CHECKING:
    from components.machines.virtual_machine import Nic, VirtualMachine


def image_version(image: ImageConfig) -> str:
    """A short, stable id of an image source: a new image (URL, path or checksum) is a new
    base volume, so VMs made from the old one keep it until they are rebuilt."""
    origin: dict[str, str | None] = {"path": image.path, "url": image.url, "sha256": image.sha256}
    if image.volume is not None:
        origin = {"volume": image.volume}
    key = json.dumps(origin, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class VmTemplateArgs(ArgsModel, TemplateSettings):
    """VmTemplate's arguments: the settings of a `templates.<name>` entry, with its pool."""

    model_config = ARGS_CONFIG

    pool: InstanceOf[StoragePool]
    """The pool the template's base images are imported into (on each host that needs one)."""


def _old_form(
    name: str,
    pool: StoragePool,
    args: TemplateSettings | None = None,
    opts: pulumi.ResourceOptions | None = None,
    **kwargs: Any,
) -> tuple[VmTemplateArgs, pulumi.ResourceOptions | None]:
    """`VmTemplate(name, pool, TemplateSettings(...) | **settings, opts)`."""
    fields = fields_of(args) if args is not None else kwargs
    return validated("VmTemplate", name, VmTemplateArgs, {**fields, "pool": pool}), opts


class VmTemplate(pulumi.ComponentResource):
    """Image + machine profile (memory, vCPUs, disk size, machine type, boot)."""

    @overload
    def __init__(
        self, name: str, args: VmTemplateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        pool: StoragePool,
        args: TemplateSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.settings, opts = call_form(
            "VmTemplate", name, VmTemplateArgs, _old_form, positional=args, keywords=kwargs
        )
        for index, image in enumerate([self.settings.image, *self.settings.retained_images]):
            where = "image" if index == 0 else f"retainedImages[{index - 1}]"
            local = image.path is not None and environment_checks_enabled()
            if local and not os.path.isfile(str(image.path)):
                raise ComponentArgumentError(
                    f"VmTemplate {name!r}: {where}.path {image.path!r} does not exist on "
                    "this machine (images are uploaded from where Pulumi runs)"
                )
        self._owner = Owner("VmTemplate", name)
        claim("resource", "", f"VmTemplate {name}", self._owner)
        super().__init__("kvm:index:VmTemplate", name, None, opts)
        self.template_name = name
        self.pool = self.settings.pool
        self._opts = opts
        self.base_volume_name = self._base_name(self.settings.image)
        self._bases: dict[str, LibvirtVolume] = {}
        self._register()

    def _register(self) -> None:
        """Register the outputs, again after each base-volume child is made: base volumes
        are imported on first use (by a VM on that host), so the last registration comes
        after the last child."""
        self.register_outputs(
            {"baseVolume": self.base_volume_name, "generation": self.settings.generation}
        )

    def _base_name(self, image: ImageConfig) -> str:
        if image.volume is not None:
            return image.volume
        return libvirt_name(self.template_name, suffix=f"-{image_version(image)}.{image.format}")

    def base_volume(self, host: KvmHost) -> LibvirtVolume:
        """The current image's base volume on `host`, imported on first use (together with
        the retained earlier images, which VMs not yet rebuilt still use). On shared storage
        it is imported once, through the first host that needs it, for all hosts."""
        shared = host.shares(self.pool.path)
        key = "shared" if shared else host.host_name
        if key not in self._bases:
            retained = [self._import(host, i, key) for i in self.settings.retained_images]
            self._bases[key] = self._import(host, self.settings.image, key)
            self.retained_bases = retained
            self._register()
        return self._bases[key]

    def _import(self, host: KvmHost, image: ImageConfig, place: str) -> LibvirtVolume:
        """One base volume; `place` is the host's name, or `shared` for shared storage (one
        file for every host, reached through whichever host needs it first). An existing
        `volume` is adopted as it is: nothing is imported, its size is kept."""
        pool = self.pool.on(host)
        scope = f"in pool {self.pool.pool_name}" + (
            "" if place == "shared" else f" on host {place}"
        )
        claim("volume", scope, self._base_name(image), self._owner)
        props: dict[str, Any] = {
            CONNECTION_KEY: host.uri,
            "name": self._base_name(image),
            "pool": pool.name,
            "format": image.format,
            "shared": place == "shared",
        }
        if image.volume is not None:
            props.update({"capacityBytes": image.size, "adopt": True})
        else:
            source = {"path": image.path, "url": image.url, "sha256": image.sha256}
            props["source"] = {k: v for k, v in source.items() if v is not None}
        props = secret_inputs(props, secret=self.settings.secret, host_secret=host.config.secret)
        return LibvirtVolume(
            f"{self.template_name}-{image_version(image)}@{place}",
            props,
            child_options(self, self._opts, props, depends_on=[pool]),
        )

    def instantiate(
        self,
        name: str,
        host: KvmHost,
        nics: list[Nic] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **settings: Any,
    ) -> VirtualMachine:
        """A VM from this template on `host` (settings override the template's)."""
        from components.machines.virtual_machine import VirtualMachine, VirtualMachineArgs

        fields = {**settings, "template": self, "host": host, "nics": nics or []}
        return VirtualMachine(
            name, validated("VirtualMachine", name, VirtualMachineArgs, fields), opts
        )
