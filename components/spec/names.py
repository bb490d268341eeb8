"""libvirt object names: what libvirt (and the Linux kernel, for bridges) accepts.

Checked before any call so a bad name fails at preview, naming the field and the value.
"""

from __future__ import annotations

import re

# libvirt refuses '/' in names and names are used as file names (e.g. /etc/libvirt/qemu/X.xml,
# volume file names); we keep to a portable set that also works in shell commands and virsh.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
MAX_NAME_LENGTH = 64
# Linux IFNAMSIZ is 16 including the NUL terminator.
MAX_BRIDGE_NAME_LENGTH = 15
_BRIDGE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_libvirt_name(name: object) -> str:
    """Return `name` unchanged when libvirt and virsh users can live with it, else raise."""
    if not isinstance(name, str):
        raise ValueError(f"{name!r} is not a name; write it as text (quote it in YAML)")
    if not name:
        raise ValueError("'' is empty; a libvirt name needs at least one character")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"{name!r} is {len(name)} characters long; libvirt names here are at most "
            f"{MAX_NAME_LENGTH}"
        )
    if not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a valid libvirt name; use letters, digits and _ . + - "
            "(starting with a letter or digit)"
        )
    return name


def check_bridge_name(name: object) -> str:
    """Return `name` when the kernel accepts it as an interface name, else raise."""
    if not isinstance(name, str):
        raise ValueError(f"{name!r} is not an interface name; write it as text")
    if len(name) > MAX_BRIDGE_NAME_LENGTH:
        raise ValueError(
            f"bridge name {name!r} is {len(name)} characters long; Linux allows at most "
            f"{MAX_BRIDGE_NAME_LENGTH}"
        )
    if not _BRIDGE_RE.fullmatch(name):
        raise ValueError(f"bridge name {name!r} may use only letters, digits and _ . -")
    return name


def default_libvirt_name(stack: str, logical_name: str) -> str:
    """The predictable name we give objects in libvirt: `<stack>-<name>` (visible in virsh)."""
    return f"{stack}-{logical_name}"
