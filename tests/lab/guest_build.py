"""Builds the tiny test guest (Debian cloud kernel + busybox initramfs) once per machine.

The result is cached in `KVM_TEST_CACHE` (default /var/cache/kvm-pulumi-tests/guest) under
a key derived from the init scripts and this builder, so editing `guest_init.sh` rebuilds
while ordinary runs reuse the cache. A build goes to a temp dir renamed into place, so
parallel or interrupted runs never see half a guest.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.lab.guest import TinyGuest
from tests.lab.prerequisites import GUEST_BUILD_PROGRAMS, LabSetupError, require_programs

DEFAULT_CACHE = Path("/var/cache/kvm-pulumi-tests")
BUILDER_VERSION = "1"
KERNEL_PACKAGE = re.compile(r"^linux-image-6\.1\.0-(\d+)-cloud-amd64$")
# Drivers the guest needs for virtio disks and NICs; the cloud kernel has them as modules.
GUEST_MODULES = ("virtio_pci", "virtio_blk", "virtio_net")
_HERE = Path(__file__).parent
INIT_SCRIPT = _HERE / "guest_init.sh"
DHCP_SCRIPT = _HERE / "dhcp_event.sh"


def cache_root() -> Path:
    return Path(os.environ.get("KVM_TEST_CACHE") or DEFAULT_CACHE)


def guest_version() -> str:
    """Cache key: changes whenever what goes into the initramfs changes."""
    digest = hashlib.sha256(BUILDER_VERSION.encode())
    for part in (INIT_SCRIPT.read_bytes(), DHCP_SCRIPT.read_bytes(), " ".join(GUEST_MODULES)):
        digest.update(part if isinstance(part, bytes) else part.encode())
    return digest.hexdigest()[:12]


def build_tiny_guest(cache: Path | None = None) -> TinyGuest:
    """The cached tiny guest, building it first if this machine has none of this version."""
    final = (cache or cache_root()) / "guest" / guest_version()
    guest = TinyGuest(final / "vmlinuz", final / "initrd.gz")
    if guest.kernel.is_file() and guest.initrd.is_file():
        return guest
    tools = require_programs(GUEST_BUILD_PROGRAMS, "building the tiny test guest")
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=final.parent))
    try:
        out = work / "out"
        out.mkdir()
        _build(work, out, tools)
        try:
            out.rename(final)
        except OSError:
            if not guest.initrd.is_file():  # not a parallel build that won the race
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return guest


def _build(work: Path, out: Path, tools: dict[str, str]) -> None:
    kernel_package = newest_cloud_kernel(tools["apt-cache"])
    debs = work / "debs"
    debs.mkdir()
    _run([tools["apt-get"], "download", kernel_package, "busybox-static"], cwd=debs)
    tree = work / "x"
    for deb in sorted(debs.glob("*.deb")):
        _run([tools["dpkg-deb"], "-x", str(deb), str(tree)])
    kernels = sorted((tree / "boot").glob("vmlinuz-*"))
    if len(kernels) != 1:
        raise LabSetupError(f"expected one boot/vmlinuz-* in {kernel_package}, got {kernels}")
    shutil.copy(kernels[0], out / "vmlinuz")
    root = work / "root"
    for sub in ("bin", "dev", "proc", "sys", "lib/modules"):
        (root / sub).mkdir(parents=True)
    shutil.copy(tree / "bin" / "busybox", root / "bin" / "busybox")
    _install_script(INIT_SCRIPT, root / "init")
    _install_script(DHCP_SCRIPT, root / "bin" / "dhcp-event")
    module_dir = next((tree / "lib" / "modules").iterdir())
    for index, module in enumerate(modules_in_load_order(module_dir, GUEST_MODULES)):
        shutil.copy(module, root / "lib" / "modules" / f"{index:02d}-{module.name}")
    _run(
        [tools["bash"], "-o", "pipefail", "-c",
         f"find . | {tools['cpio']} -o -H newc --quiet | {tools['gzip']} -1 > ../out/initrd.gz"],
        cwd=root,
    )  # fmt: skip
    (out / "MANIFEST").write_text(
        f"version {guest_version()}\nkernel {kernel_package}\n"
        f"modules {' '.join(m.name for m in sorted((root / 'lib' / 'modules').iterdir()))}\n"
    )


def newest_cloud_kernel(apt_cache: str) -> str:
    """Name of the newest `linux-image-6.1.0-N-cloud-amd64` the apt sources offer."""
    found = _run([apt_cache, "search", "--names-only", r"^linux-image-6\.1\.0-[0-9]+-cloud-amd64$"])
    candidates = [line.split(" ", 1)[0] for line in found.splitlines()]
    numbered = [(int(m.group(1)), name) for name in candidates if (m := KERNEL_PACKAGE.match(name))]
    if not numbered:
        raise LabSetupError(
            "apt offers no linux-image-6.1.0-*-cloud-amd64 package; run `apt-get update` "
            "(needs Debian 12 apt sources)"
        )
    return max(numbered)[1]


def modules_in_load_order(module_dir: Path, wanted: Sequence[str]) -> list[Path]:
    """`.ko` files for `wanted` and their dependencies, dependencies first.

    The kernel package ships no modules.dep (depmod runs at install), so dependencies come
    from each module's own `.modinfo` section (`depends=a,b`).
    """
    by_name = {path.stem.replace("-", "_"): path for path in module_dir.rglob("*.ko")}
    ordered: list[Path] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name not in by_name:
            raise LabSetupError(f"kernel module {name} not found under {module_dir}")
        if by_name[name] in ordered or name in chain:
            return
        for dependency in _module_depends(by_name[name]):
            visit(dependency, (*chain, name))
        ordered.append(by_name[name])

    for name in wanted:
        visit(name, ())
    return ordered


def _module_depends(module: Path) -> list[str]:
    match = re.search(rb"\x00depends=([^\x00]*)\x00", module.read_bytes())
    if match is None:
        return []
    return [name.replace("-", "_") for name in match.group(1).decode().split(",") if name]


def _install_script(source: Path, target: Path) -> None:
    shutil.copy(source, target)
    target.chmod(0o755)


def _run(argv: Sequence[str], cwd: Path | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LabSetupError(
            f"building the tiny guest: `{' '.join(argv)}` failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done.stdout
