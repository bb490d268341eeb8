"""Helpers of the provider tests that run on lab hosts: inspection and leak-proof cleanup."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import libvirt

from components.providers.connection import close_all
from tests.lab import LabHost


@contextmanager
def connection(host: LabHost) -> Iterator[libvirt.virConnect]:
    """A connection of the test's own, separate from the providers' cached one."""
    conn = libvirt.open(host.uri)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def cleaned(host: LabHost, prefix: str) -> Iterator[None]:
    """Run the block, then remove whatever named `prefix*` it left on `host`.

    Tests delete through the providers (and assert on that); this is only the safety net for
    a test that failed half-way, so one failure does not cascade into leak reports.
    """
    try:
        yield
    finally:
        close_all()
        purge(host, prefix)


def purge(host: LabHost, prefix: str) -> None:
    with connection(host) as conn:
        for dom in conn.listAllDomains(0):
            if dom.name().startswith(prefix):
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(
                        libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
                        | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                    )
        for net in conn.listAllNetworks(0):
            if net.name().startswith(prefix):
                with contextlib.suppress(libvirt.libvirtError):
                    if net.isActive():
                        net.destroy()
                    net.undefine()
        for pool in conn.listAllStoragePools(0):
            if not pool.isActive():
                continue
            with contextlib.suppress(libvirt.libvirtError):
                pool.refresh(0)
            for vol in pool.listAllVolumes(0):
                if vol.name().startswith(prefix):
                    with contextlib.suppress(libvirt.libvirtError):
                        vol.delete(0)
        for pool in conn.listAllStoragePools(0):
            if pool.name().startswith(prefix):
                with contextlib.suppress(libvirt.libvirtError):
                    if pool.isActive():
                        pool.destroy()
                with contextlib.suppress(libvirt.libvirtError):
                    pool.delete(0)  # its directory: the leak check looks for it too
                with contextlib.suppress(libvirt.libvirtError):
                    pool.undefine()
    # Domains the tests defined by hand (not through the provider, which removes it) leave
    # their console log; the lab's leak check looks for it.
    for log in (host.log_dir_outside / "qemu").glob(f"{prefix}*-serial.log"):
        log.unlink(missing_ok=True)


def subnet_for(prefix: str) -> str:
    """A /24 (first three octets) of 10.x for this test, unlikely to meet another test's."""
    n = zlib.crc32(prefix.encode())
    return f"10.{200 + n % 50}.{(n >> 8) % 250}"


def domain_id(host: LabHost, uuid: str) -> int:
    """The running domain's ID, looked up afresh (a virDomain object caches its ID)."""
    with connection(host) as conn:
        return int(conn.lookupByUUIDString(uuid).ID())


def volume_names(host: LabHost, pool: str) -> list[str]:
    with connection(host) as conn:
        p = conn.storagePoolLookupByName(pool)
        p.refresh(0)
        return sorted(p.listVolumes())


def download_sha256(host: LabHost, pool: str, volume: str) -> tuple[str, int]:
    """sha256 and length of a volume's bytes, read back through libvirt (vol.download)."""
    digest = hashlib.sha256()
    total = 0
    with connection(host) as conn:
        vol = conn.storagePoolLookupByName(pool).storageVolLookupByName(volume)
        stream = conn.newStream(0)
        vol.download(stream, 0, 0, 0)

        def sink(_stream: libvirt.virStream, data: bytes, _opaque: object) -> int:
            nonlocal total
            digest.update(data)
            total += len(data)
            return len(data)

        stream.recvAll(sink, None)
        stream.finish()
    return digest.hexdigest(), total


def qemu_img_info(path: str) -> str:
    done = subprocess.run(
        ["qemu-img", "info", "-U", path], capture_output=True, text=True, check=False, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def dnsmasq_pids(network: str) -> list[int]:
    """Live (not zombie) dnsmasq processes serving libvirt network `network`, in any host."""
    wanted = f"--conf-file=/var/lib/libvirt/dnsmasq/{network}.conf".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if argv and argv[0].endswith(b"dnsmasq") and wanted in argv and state != "Z":
            pids.append(int(proc.name))
    return pids


def dnsmasq_dir_outside(host: LabHost) -> Path:
    """The host's /var/lib/libvirt/dnsmasq as the test process sees it."""
    return host.images_dir_outside.parent / "dnsmasq"
