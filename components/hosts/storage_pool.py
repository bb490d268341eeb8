"""StoragePool: a directory pool with the same name on each of its hosts.

The same libvirt name on every host is what lets a VM's disks (`pool`/`volume`
references) resolve wherever the VM runs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

import pulumi

from components.config.errors import ComponentArgumentError
from components.config.naming import Owner, adopting, claim, libvirt_name
from components.hosts.kvm_host import KvmHost
from components.providers.resources import LibvirtStoragePool
from components.spec.changes import CONNECTION_KEY
from components.spec.text import check_absolute_path


class StoragePool(pulumi.ComponentResource):
    """A `dir` pool at `path` on each host: built, started and autostarted."""

    def __init__(
        self,
        name: str,
        hosts: Sequence[KvmHost],
        path: str,
        libvirt_name_override: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        adopt: bool = False,
    ) -> None:
        """`adopt`: take over existing pools of this name instead of refusing them."""
        owner = Owner("StoragePool", name)
        try:
            check_absolute_path(path)
        except ValueError as err:
            raise ComponentArgumentError(f"{owner}: path: {err}") from None
        if not hosts:
            raise ComponentArgumentError(f"StoragePool {name!r}: needs at least one host")
        pool_name = libvirt_name(name, libvirt_name_override)
        claim("resource", "", f"StoragePool {name}", owner)
        for host in hosts:
            claim("storage pool", f"on host {host.host_name}", pool_name, owner)
            claim("pool directory", f"on host {host.host_name}", posixpath.normpath(path), owner)
        super().__init__("kvm:index:StoragePool", name, None, opts)
        self.pool_name = pool_name
        self.path = path
        self._instances: dict[str, LibvirtStoragePool] = {}
        for host in hosts:
            self._instances[host.host_name] = LibvirtStoragePool(
                f"{name}@{host.host_name}",
                {
                    CONNECTION_KEY: host.uri,
                    "name": self.pool_name,
                    "path": path,
                    "shared": host.shares(path),
                    **adopting(adopt),
                },
                pulumi.ResourceOptions(parent=self),
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
