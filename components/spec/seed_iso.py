"""The NoCloud seed: `user-data`, `meta-data` and `network-config` on an ISO labelled `cidata`.

cloud-init finds the seed by its filesystem label and reads the files by those exact names, so
the image carries them in Rock Ridge (what Linux mounts) and in Joliet (what blkid and other
readers may use), as `cloud-localds` / `genisoimage -volid cidata -joliet -rock` do. It is built
in memory with pycdlib: no external tool, no temporary file with secrets on disk.

The bytes depend only on the files: pycdlib stamps the current time (in the local time zone)
into the volume descriptors, directory records and Rock Ridge entries, so the build runs with
pycdlib's clock fixed at `FIXED_TIME` in UTC. Rebuilding an unchanged seed gives the same bytes,
and the same content hash.
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass

import pycdlib
import pycdlib.dates
import pycdlib.headervd
import pycdlib.pycdlib
from pycdlib.pycdlibexception import PyCdlibException

VOLUME_LABEL = "cidata"
FIXED_TIME = 946684800.0
"""2000-01-01T00:00:00Z: every timestamp in the image."""

USER_DATA = "user-data"
META_DATA = "meta-data"
NETWORK_CONFIG = "network-config"
_ISO9660_NAMES = {
    USER_DATA: "USER_DATA.;1",
    META_DATA: "META_DATA.;1",
    NETWORK_CONFIG: "NETWORK_CONFIG.;1",
}
_APPLICATION = "kvm-pulumi cloud-init seed"

# The pycdlib modules that read the clock (`time.time()`, `time.localtime()`).
_CLOCK_USERS = (pycdlib.pycdlib, pycdlib.headervd, pycdlib.dates)
_FIXED_CLOCK = types.SimpleNamespace(
    time=lambda: FIXED_TIME,
    localtime=time.gmtime,
    gmtime=time.gmtime,
    strftime=time.strftime,
    strptime=time.strptime,
    struct_time=time.struct_time,
)
_clock_lock = threading.Lock()


class SeedIsoError(ValueError):
    """Bytes that are not a seed ISO (not ISO 9660, or without the seed's files)."""


@dataclass(frozen=True)
class SeedFiles:
    """The three files of a NoCloud seed; `network_config` None means no such file."""

    user_data: str
    meta_data: str
    network_config: str | None = None

    def named(self) -> dict[str, str]:
        """File name → content, for the files present."""
        files = {USER_DATA: self.user_data, META_DATA: self.meta_data}
        if self.network_config is not None:
            files[NETWORK_CONFIG] = self.network_config
        return files


@contextlib.contextmanager
def _fixed_clock() -> Iterator[None]:
    """pycdlib's clock stopped at FIXED_TIME (UTC) while the block runs; one build at a time."""
    with _clock_lock:
        saved = [vars(module)["time"] for module in _CLOCK_USERS]
        for module in _CLOCK_USERS:
            vars(module)["time"] = _FIXED_CLOCK
        try:
            yield
        finally:
            for module, original in zip(_CLOCK_USERS, saved, strict=True):
                vars(module)["time"] = original


def build_seed_iso(user_data: str, meta_data: str, network_config: str | None) -> bytes:
    """The seed ISO for these files (no `network-config` file when it is None)."""
    files = SeedFiles(user_data, meta_data, network_config).named()
    iso = pycdlib.PyCdlib()
    out = io.BytesIO()
    with _fixed_clock():
        iso.new(
            interchange_level=3,
            vol_ident=VOLUME_LABEL,
            app_ident_str=_APPLICATION,
            joliet=3,
            rock_ridge="1.09",
        )
        for name, text in files.items():
            data = text.encode("utf-8")
            iso.add_fp(
                io.BytesIO(data),
                len(data),
                f"/{_ISO9660_NAMES[name]}",
                rr_name=name,
                joliet_path=f"/{name}",
            )
        iso.write_fp(out)
        iso.close()
    return out.getvalue()


def read_seed_iso(data: bytes) -> SeedFiles:
    """The files of a seed ISO, by their Rock Ridge names (as the guest's kernel sees them)."""
    iso = pycdlib.PyCdlib()
    try:
        iso.open_fp(io.BytesIO(data))
    except PyCdlibException:
        raise SeedIsoError("not an ISO 9660 image") from None
    try:
        found = {name: _read_file(iso, name) for name in _ISO9660_NAMES}
    finally:
        iso.close()
    user_data, meta_data = found[USER_DATA], found[META_DATA]
    if user_data is None or meta_data is None:
        raise SeedIsoError(f"an ISO without the seed's {USER_DATA} and {META_DATA} files")
    return SeedFiles(user_data, meta_data, found[NETWORK_CONFIG])


def _read_file(iso: pycdlib.PyCdlib, name: str) -> str | None:
    out = io.BytesIO()
    try:
        iso.get_file_from_iso_fp(out, rr_path=f"/{name}")
    except PyCdlibException:
        return None
    try:
        return out.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        raise SeedIsoError(f"the seed's {name} file is not UTF-8 text") from None
