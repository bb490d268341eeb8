"""The files that make one private libvirtd "host": config copy, daemon configs, namespace init.

Each host sees its own directories bind-mounted over libvirt's system paths, so two libvirtd
instances on one machine never share state, and a host UUID of its own lets libvirt accept a
migration between them ("same host" otherwise).
"""

from __future__ import annotations

import shlex
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

# host dir subdirectory -> the system path it replaces inside the host's mount namespace
PRIVATE_MOUNTS: Mapping[str, str] = {
    "etc": "/etc/libvirt",
    "run": "/run/libvirt",
    "lib": "/var/lib/libvirt",
    "log": "/var/log/libvirt",
    "cache": "/var/cache/libvirt",
}

SYSTEM_CONFIG = Path("/etc/libvirt")

HOLD_FILE = "libvirtd.hold"
"""While this file exists in a host's directory, a libvirtd that exits is restarted only
once the file is removed (the fault tests' kill and restart); without it the host stops."""

# Objects of the machine's own libvirt (domains, networks, pools, secrets, hooks) must not
# appear in lab hosts: a "default" network would add a bridge, hooks would run machine scripts.
_MACHINE_OBJECT_DIRS = ("qemu", "storage", "secrets", "hooks")


def ensure_mount_points() -> None:
    """Create missing bind-mount targets (a fresh machine may lack /run/libvirt and others)."""
    for target in PRIVATE_MOUNTS.values():
        Path(target).mkdir(parents=True, exist_ok=True)


def new_host_uuid() -> str:
    """A random UUID; version 4 UUIDs are never all one digit, which libvirtd refuses."""
    return str(uuid.uuid4())


def prepare_host_dir(directory: Path, *, host_uuid: str, migration_ports: tuple[int, int]) -> None:
    """Lay out `directory` for one host: private dirs, config files and `nsinit.sh`."""
    for sub in ("run", "lib/images", "lib/qemu", "log/qemu", "cache"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    etc = directory / "etc"
    shutil.copytree(SYSTEM_CONFIG, etc, symlinks=True)
    for name in _MACHINE_OBJECT_DIRS:
        shutil.rmtree(etc / name, ignore_errors=True)
    (etc / "qemu" / "networks" / "autostart").mkdir(parents=True)
    (etc / "libvirtd.conf").write_text(
        f'host_uuid = "{host_uuid}"\nlog_outputs = "3:file:/var/log/libvirt/libvirtd.log"\n'
    )
    (etc / "virtlogd.conf").write_text('log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n')
    (etc / "qemu.conf").write_text(_qemu_conf(migration_ports))
    (directory / "nsinit.sh").write_text(nsinit_script(directory))


def _qemu_conf(migration_ports: tuple[int, int]) -> str:
    # No cgroups, namespaces or security labels: the lab runs beside the machine's own setup
    # (no systemd), and every file it touches belongs to root anyway.
    low, high = migration_ports
    return (
        'user = "root"\n'
        'group = "root"\n'
        "dynamic_ownership = 0\n"
        'security_driver = "none"\n'
        "cgroup_controllers = [ ]\n"
        "namespaces = [ ]\n"
        f"migration_port_min = {low}\n"
        f"migration_port_max = {high}\n"
    )


def nsinit_script(directory: Path) -> str:
    """The script run as PID 1 of the host's PID namespace.

    It bind-mounts the private dirs, starts virtlogd and libvirtd, and stays until libvirtd
    exits (unless `HOLD_FILE` says it was killed on purpose: then it waits and starts it
    again) or it gets SIGTERM. When it exits, the kernel kills every process left in the
    namespace (qemu, dnsmasq), so nothing outlives the host.
    """
    d = shlex.quote(str(directory))
    mounts = "\n".join(
        f"mount --bind {shlex.quote(str(directory / sub))} {target}"
        for sub, target in PRIVATE_MOUNTS.items()
    )
    return f"""set -e
{mounts}
set +e
virtlogd -p {d}/virtlogd.pid & VL=$!
libvirtd -p {d}/libvirtd.pid & LV=$!
trap 'rm -f {d}/{HOLD_FILE}; kill $LV; wait $LV; kill $VL; wait $VL; exit 0' TERM
while :; do
  while kill -0 $LV 2>/dev/null; do wait $LV; done
  [ -e {d}/{HOLD_FILE} ] || break
  echo "nsinit: libvirtd down on purpose"
  while [ -e {d}/{HOLD_FILE} ]; do sleep 0.05; done
  libvirtd -p {d}/libvirtd.pid & LV=$!
done
echo "nsinit: libvirtd exited"
"""
