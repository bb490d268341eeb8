"""StoragePool: a directory pool with the same name on each of its hosts.

The same libvirt name on every host is what lets a VM's disks (`pool`/`volume`
references) resolve wherever the VM runs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any, overload

import pulumi
from pydantic import Field, InstanceOf

from components.base.call_forms import ARGS_CONFIG, ArgsModel, call_form, validated
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError
from components.config.naming import Owner, adopting, claim, libvirt_name
from components.config.stack import PoolConfig
from components.hosts.kvm_host import KvmHost
from components.providers.resources import LibvirtStoragePool
from components.spec.changes import CONNECTION_KEY


class StoragePoolArgs(ArgsModel, PoolConfig):
    """StoragePool's arguments: the settings of a `pools.<name>` entry, with its hosts."""

    model_config = ARGS_CONFIG

    hosts: list[InstanceOf[KvmHost]] = Field(min_length=1)  # type: ignore[assignment]
    """The hosts the pool is made on (the same libvirt name and path on each)."""


def _old_form(
    name: str,
    hosts: Sequence[KvmHost],
    path: str,
    libvirt_name_override: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
    *,
    adopt: bool = False,
) -> tuple[StoragePoolArgs, pulumi.ResourceOptions | None]:
    """`StoragePool(name, hosts, path, libvirt_name_override, opts, *, adopt)`."""
    fields = {
        "hosts": list(hosts),
        "path": path,
        "libvirt_name": libvirt_name_override,
        "adopt": adopt,
    }
    return validated("StoragePool", name, StoragePoolArgs, fields), opts


class StoragePool(pulumi.ComponentResource):
    """A `dir` pool at `path` on each host: built, started and autostarted."""

    @overload
    def __init__(
        self, name: str, args: StoragePoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        path: str,
        libvirt_name_override: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        adopt: bool = False,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        config, opts = call_form(
            "StoragePool", name, StoragePoolArgs, _old_form, positional=args, keywords=kwargs
        )
        owner = Owner("StoragePool", name)
        hosts, path = config.hosts, str(config.path)
        pool_name = libvirt_name(name, config.libvirt_name)
        claim("resource", "", f"StoragePool {name}", owner)
        for host in hosts:
            claim("storage pool", f"on host {host.host_name}", pool_name, owner)
            claim("pool directory", f"on host {host.host_name}", posixpath.normpath(path), owner)
        super().__init__("kvm:index:StoragePool", name, None, opts)
        self.pool_name = pool_name
        self.path = path
        self._instances: dict[str, LibvirtStoragePool] = {}
        for host in hosts:
            props = secret_inputs(
                {
                    CONNECTION_KEY: host.uri,
                    "name": self.pool_name,
                    "path": path,
                    "shared": host.shares(path),
                    **adopting(config.adopt),
                },
                secret=config.secret,
                host_secret=host.config.secret,
            )
            self._instances[host.host_name] = LibvirtStoragePool(
                f"{name}@{host.host_name}", props, child_options(self, opts, props)
            )
        self.register_outputs({"name": self.pool_name, "path": path})

    def on(self, host: KvmHost) -> LibvirtStoragePool:
        """The pool's instance on `host`; raise if the pool is not made there."""
        try:
            return self._instances[host.host_name]
        except KeyError:
            raise ComponentArgumentError(
                f"pool {self.pool_name!r} is not made on host {host.host_name!r}"
            ) from None

    @property
    def hosts(self) -> list[str]:
        """Names of the hosts this pool is made on."""
        return list(self._instances)
