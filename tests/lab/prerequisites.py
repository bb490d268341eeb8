"""Finds the programs the lab needs and says which Debian package to install when one is missing.

The lab never skips: a test machine without libvirtd or qemu is broken, and a skipped test
would hide that. So a missing program raises `LabSetupError` naming the package.
"""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Mapping

# libvirtd, ip, dnsmasq & co. live in sbin, which a non-login shell may leave out of PATH.
SBIN_DIRS = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

LAB_PROGRAMS: Mapping[str, str] = {
    "libvirtd": "libvirt-daemon-system",
    "virtlogd": "libvirt-daemon-system",
    "virsh": "libvirt-clients",
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    "qemu-io": "qemu-utils",
    "unshare": "util-linux",
    "setpriv": "util-linux",
    "ip": "iproute2",
    "dnsmasq": "dnsmasq-base",
    "iptables": "iptables",
    "nft": "nftables",
}

GUEST_BUILD_PROGRAMS: Mapping[str, str] = {
    "apt-get": "apt",
    "apt-cache": "apt",
    "dpkg-deb": "dpkg",
    "cpio": "cpio",
    "gzip": "gzip",
    "bash": "bash",
}


class LabSetupError(RuntimeError):
    """The machine cannot run the lab; the message says what to install or fix."""


def search_path() -> str:
    """PATH plus the sbin directories, for finding programs and for the daemons we start."""
    return os.pathsep.join(p for p in (os.environ.get("PATH", ""), SBIN_DIRS) if p)


def find_program(name: str) -> str | None:
    """Absolute path of `name`, looking in sbin too."""
    return shutil.which(name, path=search_path())


def require_programs(programs: Mapping[str, str], purpose: str) -> dict[str, str]:
    """Absolute paths of all `programs` (name -> Debian package), or `LabSetupError`."""
    found = {name: find_program(name) for name in programs}
    missing = sorted(name for name, path in found.items() if path is None)
    if missing:
        packages = sorted({programs[name] for name in missing})
        raise LabSetupError(
            f"{purpose} needs {', '.join(missing)}, not found in {search_path()}. "
            f"Install with: apt-get install -y {' '.join(packages)}"
        )
    return {name: path for name, path in found.items() if path is not None}


def require_root(purpose: str) -> None:
    """Namespaces, bind mounts and a system libvirtd need root; say so instead of failing later."""
    if os.geteuid() != 0:
        raise LabSetupError(f"{purpose} must run as root (uid 0); running as uid {os.geteuid()}")


def require_user(name: str, purpose: str) -> None:
    """Lab hosts run QEMU as this user (like a stock host); say how to get it when missing."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise LabSetupError(
            f"{purpose} runs QEMU as user {name!r}, which does not exist here. Install "
            "libvirt-daemon-system, or run scripts/install-system-deps (it creates the user)"
        ) from None
