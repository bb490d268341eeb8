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
    "log-swtpm": "/var/log/swtpm",  # swtpm's logs, which libvirt keeps outside its own dirs
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


def prepare_host_dir(
    directory: Path, *, host_uuid: str, migration_ports: tuple[int, int], bare: bool = False
) -> None:
    """Lay out `directory` for one host: private dirs, config files and `nsinit.sh`.

    A `bare` host has neither UEFI firmware nor swtpm (see `nsinit_script`)."""
    for sub in ("run", "lib/images", "lib/qemu", "log/qemu", "log-swtpm", "cache"):
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
    (directory / "nsinit.sh").write_text(nsinit_script(directory, bare=bare))
    hook = etc / "hooks" / "qemu"
    hook.parent.mkdir()
    hook.write_text(confinement_hook(directory / CONFINEMENT_DIR))
    hook.chmod(0o755)


QEMU_USER = "libvirt-qemu"
QEMU_GROUP = "libvirt-qemu"
"""Who QEMU runs as on a stock Debian/Ubuntu host (and so in the lab)."""


def _qemu_conf(migration_ports: tuple[int, int]) -> str:
    # Like a stock host: QEMU runs unprivileged and the DAC driver hands it (dynamic
    # ownership) every file the domain names, so a file QEMU cannot reach fails a test here
    # as it would fail on a real host. No AppArmor (not in this kernel: the confinement test
    # runs virt-aa-helper's dry run instead), no cgroups or namespaces (no systemd here).
    low, high = migration_ports
    return (
        f'user = "{QEMU_USER}"\n'
        f'group = "{QEMU_GROUP}"\n'
        "dynamic_ownership = 1\n"
        'security_driver = "none"\n'
        "cgroup_controllers = [ ]\n"
        "namespaces = [ ]\n"
        f"migration_port_min = {low}\n"
        f"migration_port_max = {high}\n"
    )


CONFINEMENT_DIR = "confinement"
"""Host subdirectory where the qemu hook keeps each started domain's XML and profile."""
VIRT_AA_HELPER = "/usr/lib/libvirt/virt-aa-helper"


def confinement_hook(records: Path) -> str:
    """libvirt's qemu hook: once a domain has started, keep its live XML and the AppArmor
    profile `virt-aa-helper` would write for it (its dry run, which needs no AppArmor in the
    kernel), as `<name>.<ns>.xml|.profile|.rc` (`.rc` last: the record is complete). The dry
    run prints the profile's rules on stderr.

    The hook runs in the host's mount namespace, while every file the domain names exists,
    which is where and when a stock host runs virt-aa-helper. It must print nothing: libvirt
    reads a `migrate` hook's output as a replacement XML.
    """
    out = shlex.quote(str(records))
    return f"""#!/bin/sh
[ "$2" = started ] && [ "$3" = begin ] || exit 0
mkdir -p {out}
base={out}/"$1.$(date +%s%N)"
cat > "$base.xml"
uuid=$(sed -n 's:.*<uuid>\\(.*\\)</uuid>.*:\\1:p' "$base.xml" | head -n 1)
{VIRT_AA_HELPER} -d -r -u "libvirt-$uuid" < "$base.xml" > "$base.profile" 2>&1
echo $? > "$base.rc"
exit 0
"""


BARE_HIDDEN_DIRS = ("/usr/share/qemu/firmware", "/usr/share/OVMF")
"""What a bare host lacks: UEFI images and the descriptors libvirt finds them by..."""
BARE_HIDDEN_PROGRAMS = ("/usr/bin/swtpm",)
"""... and swtpm, without which libvirt offers no emulated TPM."""


def _hide_script(directory: Path) -> str:
    empty = directory / "bare-empty"
    empty.mkdir(exist_ok=True)
    lines = [f"mount --bind {shlex.quote(str(empty))} {d}" for d in BARE_HIDDEN_DIRS]
    lines += [f"[ ! -e {p} ] || mount --bind /dev/null {p}" for p in BARE_HIDDEN_PROGRAMS]
    return "\n".join(lines)


def nsinit_script(directory: Path, *, bare: bool = False) -> str:
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
    if bare:  # hidden in this host's mount namespace only
        mounts += "\n" + _hide_script(directory)
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
