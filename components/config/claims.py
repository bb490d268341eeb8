"""Each libvirt object and each Pulumi resource of a stack is claimed by one config entry.

Names are derived (`<stack>-<vm>-root.qcow2`, resource `web-1-root` …), so two entries can
ask for one object without writing the same name: a data disk called `root`, VM `web-1-x`
next to VM `web-1`'s disk `x-root`, a `libvirtName` equal to another pool's derived name,
two hosts reaching one daemon. Applied, the second would silently take over the first's
object (or the engine would stop halfway); here it is refused with both config paths.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from components.config.host_uri import connection_uri
from components.config.networks import ExistingNetworkConfig
from components.spec.connection_uri import parse_host_uri
from components.spec.names import check_libvirt_name, default_libvirt_name

if TYPE_CHECKING:
    from components.config.stack import StackConfig


LIBVIRT_KINDS = ("volume", "storage pool", "network", "domain")
"""Claims whose name is a libvirt object's name (checked like every libvirt name)."""


def derived_name(name: str, path: str) -> str:
    """`name` when libvirt takes it; else ValueError naming the config entry it comes from."""
    try:
        return check_libvirt_name(name)
    except ValueError as err:
        raise ValueError(f"{path}: the libvirt name derived from it is invalid: {err}") from None


class Claims:
    """Who claimed what: (kind, scope, name) → the claiming config path."""

    def __init__(self, stack: str) -> None:
        self._owners: dict[tuple[str, str, str], str] = {}
        self._check_names = bool(stack)
        """Derived names are only checked against the real stack name (its length counts)."""

    def claim(self, kind: str, scope: str, name: str, path: str) -> None:
        """Record `path`'s claim; raise ValueError naming both paths when taken, or when a
        libvirt object's derived name breaks libvirt's rules (too long, say)."""
        if kind in LIBVIRT_KINDS and self._check_names:
            derived_name(name, path)
        key = (kind, scope, name)
        owner = self._owners.setdefault(key, path)
        if owner != path:
            where = f" {scope}" if scope else ""
            raise ValueError(f"{path}: {kind} {name!r}{where} is already claimed by {owner}")


def check_unique_objects(config: StackConfig, stack: str) -> None:
    """Raise ValueError for the first object two config entries would both make or use."""
    claims = Claims(stack)
    _hosts(config, claims)
    stack = stack or "<stack>"
    for name, pool in config.pools.items():
        pool_name = pool.libvirt_name or default_libvirt_name(stack, name)
        where = "libvirtName" if pool.libvirt_name else "(name)"
        for host in config.hosts_of(pool.hosts):
            claims.claim("storage pool", f"on host {host}", pool_name, f"pools.{name}.{where}")
            path = posixpath.normpath(pool.path)
            claims.claim("pool directory", f"on host {host}", path, f"pools.{name}.path")
    for name, network in config.networks.items():
        if isinstance(network, ExistingNetworkConfig):
            net_name, where = network.name, "name"
        else:
            net_name = network.libvirt_name or default_libvirt_name(stack, name)
            where = "libvirtName" if network.libvirt_name else "(name)"
        for host in config.hosts_of(network.hosts):
            claims.claim("network", f"on host {host}", net_name, f"networks.{name}.{where}")
    _volumes_and_resources(config, stack, claims)


def _hosts(config: StackConfig, claims: Claims) -> None:
    daemons: dict[tuple[str, str, str, str | None], str] = {}
    for name, host in config.hosts.items():
        daemon = parse_host_uri(connection_uri(host.uri, host.ssh)).daemon
        other = daemons.setdefault(daemon, name)
        if other != name:
            raise ValueError(
                f"hosts.{name}.uri: {host.uri!r} reaches the libvirt daemon of host {other!r} "
                f"(hosts.{other}.uri); one daemon is one host"
            )
        claims.claim("resource", "", f"{name}-facts", f"hosts.{name} (its facts)")


def _volumes_and_resources(config: StackConfig, stack: str, claims: Claims) -> None:
    """Volume names per pool, and the logical names of the resources VMs register."""
    from components.machines.cloud_init.seed import SEED_SUFFIX
    from components.machines.vm_template import image_version

    for name, template in config.templates.items():
        for index, image in enumerate([template.image, *template.retained_images]):
            where = f"templates.{name}." + (
                "image" if index == 0 else f"retainedImages[{index - 1}]"
            )
            volume = default_libvirt_name(stack, f"{name}-{image_version(image)}.{image.format}")
            claims.claim("volume", f"in pool {template.pool}", volume, where)
    for index, vm in enumerate(config.vms):
        where = f"vms[{index}]"
        template = config.templates[vm.template]
        pool = f"in pool {template.pool}"
        base = default_libvirt_name(stack, vm.name)
        claims.claim("resource", "", vm.name, f"{where}.name")
        claims.claim("domain", "", base, f"{where}.name")
        claims.claim("volume", pool, f"{base}-root.qcow2", f"{where}.name (root disk)")
        claims.claim("resource", "", f"{vm.name}-root", f"{where}.name (root disk)")
        for disk_index, disk in enumerate(vm.data_disks):
            disk_where = f"{where}.dataDisks[{disk_index}].name"
            claims.claim("volume", pool, f"{base}-{disk.name}.{disk.format}", disk_where)
            claims.claim("resource", "", f"{vm.name}-{disk.name}", disk_where)
        for nic_index, nic in enumerate(vm.nics):
            if nic.ip is not None:
                nic_where = f"{where}.nics[{nic_index}].ip (its DHCP reservation)"
                claims.claim("resource", "", f"{vm.name}-nic{nic_index}", nic_where)
        if vm.cloud_init is not None or template.cloud_init is not None:
            seed_where = f"{where}.cloudInit (seed)"
            claims.claim("volume", pool, f"{base}{SEED_SUFFIX}", seed_where)
            claims.claim("resource", "", f"{vm.name}-cloud-init", seed_where)
