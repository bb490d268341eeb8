"""Pools and volumes on a real libvirtd (a lab host): directories, qcow2, CoW, imports."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from components.providers.base import ProviderError
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.http_images import serve_images
from tests.components.providers.lab_support import (
    cleaned,
    connection,
    download_sha256,
    qemu_img_info,
    volume_names,
)
from tests.components.providers.wire import Engine, Resource, pool_inputs, volume_inputs
from tests.lab import LabHost, make_base_image

GIB = 1024**3
MIB = 1024**2


def make_pool(host: LabHost, name: str, path: Path) -> Resource:
    return Engine(StoragePoolProvider()).create(pool_inputs(host.uri, name, str(path)))


def test_dir_pool_builds_and_removes_its_directory(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    path = lab_scratch / "pool"
    name = f"{name_prefix}pool"
    engine = Engine(StoragePoolProvider())
    with cleaned(lab_host, name_prefix):
        res = engine.create(pool_inputs(lab_host.uri, name, str(path)))
        assert path.is_dir(), "libvirt did not build the pool directory"
        assert res.outputs["createdPath"] is True
        with connection(lab_host) as conn:
            pool = conn.storagePoolLookupByName(name)
            assert pool.UUIDString() == res.id
            assert pool.isActive()
            assert pool.autostart()

        found_id, outs = engine.read(res)
        assert found_id == res.id
        assert outs["path"] == str(path) and outs["autostart"] is True
        assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False

        engine.delete(res)
        assert not path.exists(), "the directory we created was left behind"
        with connection(lab_host) as conn:
            assert name not in [p.name() for p in conn.listAllStoragePools(0)]


def test_dir_pool_on_an_existing_directory_keeps_it(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}pool"
    foreign = lab_scratch / "theirs.img"
    foreign.write_text("not ours\n")
    engine = Engine(StoragePoolProvider())
    with cleaned(lab_host, name_prefix):
        res = engine.create(pool_inputs(lab_host.uri, name, str(lab_scratch)))
        assert res.outputs["createdPath"] is False

        # A file someone else put there is a volume we do not manage: no delete.
        with pytest.raises(ProviderError, match=r"still holds volumes \['theirs\.img'\]"):
            engine.delete(res)
        with connection(lab_host) as conn:
            assert conn.storagePoolLookupByName(name).isActive()

        foreign.unlink()
        engine.delete(res)
        assert lab_scratch.is_dir(), "deleted a directory the pool did not create"
        with connection(lab_host) as conn:
            assert name not in [p.name() for p in conn.listAllStoragePools(0)]


def test_empty_qcow2_volume_grows_in_place(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}data.qcow2"
    engine = Engine(VolumeProvider())
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        res = engine.create(volume_inputs(lab_host.uri, pool, name, capacityBytes=GIB))
        path = res.outputs["path"]
        assert path == str(lab_scratch / "pool" / name)
        info = qemu_img_info(path)
        assert "file format: qcow2" in info
        assert f"({GIB} bytes)" in info
        assert res.outputs["virtualSizeBytes"] == GIB
        assert res.outputs["allocationBytes"] < MIB  # sparse

        found_id, outs = engine.read(res)
        assert found_id == res.id == path
        assert outs["capacityBytes"] == GIB and outs["format"] == "qcow2"

        engine.update(res, volume_inputs(lab_host.uri, pool, name, capacityBytes=2 * GIB))
        assert f"({2 * GIB} bytes)" in qemu_img_info(path)
        assert res.outputs["virtualSizeBytes"] == 2 * GIB
        assert res.outputs["key"] == res.id  # same volume, resized

        engine.delete(res)
        assert not os.path.exists(path)
        assert volume_names(lab_host, pool) == []


def test_cow_clone_of_a_10gib_base(lab_host: LabHost, name_prefix: str, lab_scratch: Path) -> None:
    pool = f"{name_prefix}pool"
    engine = Engine(VolumeProvider())
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        base = engine.create(
            volume_inputs(lab_host.uri, pool, f"{name_prefix}base.qcow2", capacityBytes=10 * GIB)
        )
        clone = engine.create(
            volume_inputs(
                lab_host.uri,
                pool,
                f"{name_prefix}vm.qcow2",
                capacityBytes=10 * GIB,
                backingPath=base.outputs["path"],
                backingFormat="qcow2",
            )
        )
        info = qemu_img_info(clone.outputs["path"])
        assert f"backing file: {base.outputs['path']}\n" in info
        assert "backing file format: qcow2" in info
        assert f"({10 * GIB} bytes)" in info
        assert clone.outputs["allocationBytes"] < MIB
        assert os.stat(clone.outputs["path"]).st_blocks * 512 < MIB

        found_id, outs = engine.read(clone)
        assert found_id == clone.id
        assert outs["backingPath"] == base.outputs["path"]
        assert engine.provider.diff(clone.id, clone.outputs, clone.inputs).changes is False

        with pytest.raises(ProviderError, match=rf"backing file of \['{pool}/{name_prefix}vm"):
            engine.delete(base)
        assert os.path.exists(base.outputs["path"])

        engine.delete(clone)
        engine.delete(base)
        assert volume_names(lab_host, pool) == []


def test_import_from_a_local_qcow2_file(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}debian.qcow2"
    image = make_base_image(lab_scratch / "src.qcow2", size_mib=64, marker="IMPORTED")
    expected = hashlib.sha256(image.read_bytes()).hexdigest()
    engine = Engine(VolumeProvider())
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        res = engine.create(
            volume_inputs(lab_host.uri, pool, name, source={"path": str(image), "sha256": expected})
        )
        assert download_sha256(lab_host, pool, name) == (expected, image.stat().st_size)
        compared = subprocess.run(
            ["qemu-img", "compare", "-U", str(image), res.outputs["path"]],
            capture_output=True,
            text=True,
            check=False,
        )
        assert compared.returncode == 0, compared.stdout + compared.stderr
        # libvirt sees the image's own format and virtual size after the upload.
        assert res.outputs["virtualSizeBytes"] == 64 * MIB
        found_id, outs = engine.read(res)
        assert found_id == res.id
        assert outs["format"] == "qcow2"
        assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False
        engine.delete(res)
        assert volume_names(lab_host, pool) == []


def test_import_from_an_http_url(lab_host: LabHost, name_prefix: str, lab_scratch: Path) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}web.qcow2"
    image = make_base_image(lab_scratch / "src.qcow2", size_mib=32, marker="OVER-HTTP")
    expected = hashlib.sha256(image.read_bytes()).hexdigest()
    engine = Engine(VolumeProvider())
    with cleaned(lab_host, name_prefix), serve_images() as server:
        url = server.add_file("images/web.qcow2", image)
        make_pool(lab_host, pool, lab_scratch / "pool")
        res = engine.create(
            volume_inputs(lab_host.uri, pool, name, source={"url": url, "sha256": expected})
        )
        assert server.requests and set(server.requests) == {"/images/web.qcow2"}
        assert download_sha256(lab_host, pool, name) == (expected, image.stat().st_size)
        assert res.outputs["virtualSizeBytes"] == 32 * MIB
        assert res.outputs["source"] == {"url": url, "sha256": expected}
        engine.delete(res)


def test_import_checksum_mismatch_leaves_no_volume(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}bad.qcow2"
    image = make_base_image(lab_scratch / "src.qcow2", size_mib=16)
    wrong = "ab" * 32
    with cleaned(lab_host, name_prefix), serve_images() as server:
        url = server.add_file("bad.qcow2", image)
        make_pool(lab_host, pool, lab_scratch / "pool")
        with pytest.raises(ProviderError) as failed:
            Engine(VolumeProvider()).create(
                volume_inputs(lab_host.uri, pool, name, source={"url": url, "sha256": wrong})
            )
        message = str(failed.value)
        assert name in message and url in message
        assert f"expected {wrong}" in message
        assert hashlib.sha256(image.read_bytes()).hexdigest() in message
        assert volume_names(lab_host, pool) == []
        assert not (lab_scratch / "pool" / name).exists()


def test_import_of_a_missing_file_fails_clearly_and_leaves_no_volume(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}missing.qcow2"
    missing = lab_scratch / "no-such-image.qcow2"
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        with pytest.raises(ProviderError, match=rf"image file '{missing}' does not exist"):
            Engine(VolumeProvider()).create(
                volume_inputs(lab_host.uri, pool, name, source={"path": str(missing)})
            )
        assert volume_names(lab_host, pool) == []


def test_import_cut_short_fails_and_leaves_no_volume(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    """A mirror that closes early must not leave a truncated image (no checksum given)."""
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}short.qcow2"
    image = make_base_image(lab_scratch / "src.qcow2", size_mib=16, marker="HALF")
    with cleaned(lab_host, name_prefix), serve_images() as server:
        url = server.add_file("short.qcow2", image, behaviour="truncated")
        make_pool(lab_host, pool, lab_scratch / "pool")
        with pytest.raises(ProviderError, match="transfer cut short"):
            Engine(VolumeProvider()).create(
                volume_inputs(lab_host.uri, pool, name, source={"url": url})
            )
        assert volume_names(lab_host, pool) == []
