"""The seed ISO: label, file names in every namespace, content, and byte-for-byte determinism."""

from __future__ import annotations

import io
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pycdlib
import pycdlib.dates
import pycdlib.headervd
import pycdlib.pycdlib
import pytest

from components.spec.seed_iso import (
    FIXED_TIME,
    SeedFiles,
    SeedIsoError,
    build_seed_iso,
    read_seed_iso,
)

FILES = SeedFiles(
    user_data="#cloud-config\nusers:\n- name: ops\n  lock_passwd: true\n",
    meta_data="instance-id: iid-0123456789abcdef\nlocal-hostname: web-1\n",
    network_config="version: 2\nethernets:\n  eth0:\n    dhcp4: true\n",
)


def build(files: SeedFiles = FILES) -> bytes:
    return build_seed_iso(files.user_data, files.meta_data, files.network_config)


@pytest.fixture
def opened() -> Iterator[pycdlib.PyCdlib]:
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(build()))
    try:
        yield iso
    finally:
        iso.close()


def fetch(iso: pycdlib.PyCdlib, **path: str) -> str:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, **path)
    return out.getvalue().decode()


def test_files_read_back_by_rock_ridge_and_joliet_names(opened: pycdlib.PyCdlib) -> None:
    expected = {
        "user-data": FILES.user_data,
        "meta-data": FILES.meta_data,
        "network-config": FILES.network_config,
    }
    assert {n: fetch(opened, rr_path=f"/{n}") for n in expected} == expected
    assert {n: fetch(opened, joliet_path=f"/{n}") for n in expected} == expected
    assert sorted(c.file_identifier() for c in opened.list_children(rr_path="/")) == [
        b".",
        b"..",
        b"META_DATA.;1",
        b"NETWORK_CONFIG.;1",
        b"USER_DATA.;1",
    ]


def test_volume_is_labelled_cidata_with_joliet_and_rock_ridge(opened: pycdlib.PyCdlib) -> None:
    assert opened.pvd.volume_identifier.rstrip() == b"cidata"
    assert opened.has_joliet() and opened.has_rock_ridge()
    assert opened.joliet_vd is not None
    assert opened.joliet_vd.volume_identifier.decode("utf-16_be").rstrip() == "cidata"


def test_blkid_sees_what_cloud_init_looks_for(tmp_path: Path) -> None:
    """cloud-init finds NoCloud seeds with blkid: filesystem iso9660, LABEL=cidata."""
    image = tmp_path / "seed.iso"
    image.write_bytes(build())
    done = subprocess.run(
        ["blkid", "-p", "-o", "export", str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    found = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert found["TYPE"] == "iso9660"
    assert found["LABEL"] == "cidata"
    assert found["UUID"] == "2000-01-01-00-00-00-00"  # the fixed creation time


def test_read_seed_iso_returns_the_files() -> None:
    assert read_seed_iso(build()) == FILES


def test_without_network_config_there_is_no_such_file() -> None:
    files = SeedFiles(FILES.user_data, FILES.meta_data, None)
    image = build(files)
    assert read_seed_iso(image) == files
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
    try:
        names = sorted(c.rock_ridge.name() for c in iso.list_children(rr_path="/") if c.rock_ridge)
    finally:
        iso.close()
    assert b"network-config" not in names
    assert b"user-data" in names


def test_non_ascii_content_survives() -> None:
    files = SeedFiles("#cloud-config\nwrite_files:\n- path: /x\n  content: grüße ✓\n", "x: 1\n")
    assert read_seed_iso(build(files)) == files


def test_same_files_same_bytes_whatever_the_clock_and_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = build()
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.0)
    monkeypatch.setenv("TZ", "Asia/Kathmandu")  # +05:45, a quarter-hour offset
    time.tzset()
    try:
        assert build() == first
    finally:
        monkeypatch.undo()
        time.tzset()


def test_different_files_different_bytes() -> None:
    changed = SeedFiles(FILES.user_data + "packages: [curl]\n", FILES.meta_data)
    assert build(changed) != build()


def test_the_clock_is_pycdlibs_own_again_after_a_build() -> None:
    build()
    for module in (pycdlib.pycdlib, pycdlib.headervd, pycdlib.dates):
        assert module.time is time
    assert FIXED_TIME == 946684800.0


def test_parallel_builds_are_identical() -> None:
    results: list[bytes] = []
    lock = threading.Lock()

    def worker() -> None:
        image = build()
        with lock:
            results.append(image)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 6
    assert set(results) == {build()}


def test_bytes_that_are_not_an_iso_are_refused() -> None:
    with pytest.raises(SeedIsoError, match="not an ISO 9660 image"):
        read_seed_iso(b"\0" * 65536)


def test_an_iso_without_the_seed_files_is_refused() -> None:
    iso = pycdlib.PyCdlib()
    iso.new(rock_ridge="1.09")
    iso.add_fp(io.BytesIO(b"x"), 1, "/OTHER.;1", rr_name="other")
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    with pytest.raises(SeedIsoError, match="without the seed's user-data and meta-data"):
        read_seed_iso(out.getvalue())
