"""VmTemplate: describe a VM once; make any number of thin copy-on-write clones of it.

The template's base image is imported once per host (into the template's pool there) and
shared by every VM made from it on that host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from pydantic import ValidationError

from components.config.stack import TemplateSettings
from components.kvm_host import KvmHost, component_error
from components.naming import libvirt_name
from components.providers.resources import LibvirtVolume
from components.spec.changes import CONNECTION_KEY
from components.storage_pool import StoragePool

if TYPE_CHECKING:
    from components.virtual_machine import Nic, VirtualMachine


class VmTemplate(pulumi.ComponentResource):
    """Image + machine profile (memory, vCPUs, disk size, machine type, boot)."""

    def __init__(
        self,
        name: str,
        pool: StoragePool,
        args: TemplateSettings | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            self.settings = args or TemplateSettings.model_validate(kwargs)
        except ValidationError as err:
            raise component_error("VmTemplate", name, err) from None
        super().__init__("kvm:index:VmTemplate", name, None, opts)
        self.template_name = name
        self.pool = pool
        image = self.settings.image
        self.base_volume_name = libvirt_name(name, suffix=f"-base.{image.format}")
        self._bases: dict[str, LibvirtVolume] = {}
        self.register_outputs({"baseVolume": self.base_volume_name})

    def base_volume(self, host: KvmHost) -> LibvirtVolume:
        """The base image volume on `host`, imported on first use."""
        if host.host_name not in self._bases:
            pool = self.pool.on(host)
            image = self.settings.image
            source = {"path": image.path, "url": image.url, "sha256": image.sha256}
            self._bases[host.host_name] = LibvirtVolume(
                f"{self.template_name}-base@{host.host_name}",
                {
                    CONNECTION_KEY: host.uri,
                    "name": self.base_volume_name,
                    "pool": pool.name,
                    "format": image.format,
                    "source": {k: v for k, v in source.items() if v is not None},
                },
                pulumi.ResourceOptions(parent=self, depends_on=[pool]),
            )
        return self._bases[host.host_name]

    def instantiate(
        self,
        name: str,
        host: KvmHost,
        nics: list[Nic] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **settings: Any,
    ) -> VirtualMachine:
        """A VM from this template on `host` (settings override the template's)."""
        from components.virtual_machine import VirtualMachine

        return VirtualMachine(name, template=self, host=host, nics=nics, opts=opts, **settings)
