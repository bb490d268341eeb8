"""A VM's `cloudInit` settings as the seed's files: user-data, meta-data, network-config.

Pure and deterministic: the same settings give the same text, byte for byte, so an unchanged
config never re-seeds a VM. The instance-id in meta-data is a hash of the other files: any
change to them gives a new instance-id, which is what makes cloud-init run again on the VM's
next boot (it runs its per-instance modules once per instance-id).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import yaml

from components.machines.cloud_init.config import CloudInitConfig, CloudInitUser, WriteFile
from components.machines.cloud_init.passwords import hash_password
from components.spec.cloud_init_seed import CLOUD_CONFIG_HEADER
from components.spec.seed_iso import SeedFiles
from components.spec.text import check_hostname


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors/aliases, multi-line strings as `|` blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=2**16,
    )


def _user(user: CloudInitUser, vm_name: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": user.name}
    if user.groups:
        entry["groups"] = list(user.groups)
    if user.shell is not None:
        entry["shell"] = user.shell
    if user.sudo is not None:
        entry["sudo"] = user.sudo if isinstance(user.sudo, str) else list(user.sudo)
    if user.ssh_authorized_keys:
        entry["ssh_authorized_keys"] = list(user.ssh_authorized_keys)
    if user.password is not None:
        entry["passwd"] = hash_password(user.password.get_secret_value(), vm_name, user.name)
        entry["lock_passwd"] = False
    return entry


def _write_file(item: WriteFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": item.path, "content": item.content}
    if item.owner is not None:
        entry["owner"] = item.owner
    if item.permissions is not None:
        entry["permissions"] = item.permissions
    if item.append:
        entry["append"] = True
    if item.defer:
        entry["defer"] = True
    return entry


def render_user_data(config: CloudInitConfig, vm_name: str) -> str:
    """The `#cloud-config` user-data: `userData`'s keys, then users, packages, runcmd and
    write_files from the structured fields. Passwords become SHA-512 crypt hashes (`passwd`,
    with `lock_passwd: false`) salted per `vm_name` (the VM's libvirt name) and user."""
    document = config.raw_cloud_config()
    if config.users:
        document["users"] = [_user(user, vm_name) for user in config.users]
    if config.packages:
        document["packages"] = list(config.packages)
    if config.runcmd:
        document["runcmd"] = [c if isinstance(c, str) else list(c) for c in config.runcmd]
    if config.write_files:
        document["write_files"] = [_write_file(item) for item in config.write_files]
    body = _dump(document) if document else ""
    return f"{CLOUD_CONFIG_HEADER}\n{body}"


def render_network_config(config: CloudInitConfig) -> str | None:
    """The network-config (version 2) file, or None to let cloud-init DHCP the first NIC."""
    if config.network_config is None:
        return None
    return _dump(config.network_config)


def instance_id(user_data: str, network_config: str | None, hostname: str) -> str:
    """`iid-` and 16 hex digits of a hash of everything else the seed says."""
    digest = hashlib.sha256()
    for part in (user_data, network_config or "", hostname):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return f"iid-{digest.hexdigest()[:16]}"


def render_meta_data(instance_id: str, hostname: str) -> str:
    """The NoCloud meta-data: `instance-id` and `local-hostname`."""
    return _dump({"instance-id": instance_id, "local-hostname": check_hostname(hostname)})


@dataclass(frozen=True)
class RenderedSeed:
    """The seed's files and the instance-id its meta-data gives."""

    files: SeedFiles
    instance_id: str


def render_seed(config: CloudInitConfig, vm_name: str, hostname: str) -> RenderedSeed:
    """All three files of the seed for a VM (its libvirt name) and its host name."""
    user_data = render_user_data(config, vm_name)
    network_config = render_network_config(config)
    iid = instance_id(user_data, network_config, hostname)
    meta_data = render_meta_data(iid, hostname)
    return RenderedSeed(SeedFiles(user_data, meta_data, network_config), iid)
