"""StoragePool: a directory pool with the same name on each of its hosts.

The same libvirt name on every host is what lets a VM's disks (`pool`/`volume`
references) resolve wherever the VM runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.kvm_host import KvmHost
from components.naming import adopting, libvirt_name
from components.providers.resources import LibvirtStoragePool
from components.spec.changes import CONNECTION_KEY


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
        if not path.startswith("/"):
            raise ValueError(f"StoragePool {name!r}: path {path!r} must be absolute")
        if not hosts:
            raise ValueError(f"StoragePool {name!r}: needs at least one host")
        super().__init__("kvm:index:StoragePool", name, None, opts)
        self.pool_name = libvirt_name(name, libvirt_name_override)
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
            raise ValueError(
                f"pool {self.pool_name!r} is not made on host {host.host_name!r}"
            ) from None

    @property
    def hosts(self) -> list[str]:
        """Names of the hosts this pool is made on."""
        return list(self._instances)
