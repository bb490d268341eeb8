"""Cloud-init seed volumes on a real libvirtd (a lab host): seed, read back, re-seed, delete."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt
import pytest

from components.providers.base import ProviderError
from components.providers.cloud_init_seed import CloudInitSeedProvider
from components.providers.pool import StoragePoolProvider
from components.spec.seed_iso import SeedFiles, build_seed_iso, read_seed_iso
from tests.components.providers.lab_support import cleaned, connection, volume_names
from tests.components.providers.wire import Engine, Resource, pool_inputs
from tests.lab import LabHost

META = "instance-id: iid-{}\nlocal-hostname: web-1\n"
NETWORK = "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n"


def seed_inputs(uri: str, pool: str, name: str, user_data: str, **overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "connectionUri": uri,
        "pool": pool,
        "name": name,
        "userData": user_data,
        "metaData": META.format(hashlib.sha256(user_data.encode()).hexdigest()[:16]),
    }
    props.update(overrides)
    return props


def files_of(props: dict[str, Any]) -> SeedFiles:
    return SeedFiles(props["userData"], props["metaData"], props.get("networkConfig"))


def download(host: LabHost, pool: str, name: str) -> bytes:
    """The volume's bytes through libvirt (vol.download), on a connection of the test's own."""
    chunks: list[bytes] = []
    with connection(host) as conn:
        vol = conn.storagePoolLookupByName(pool).storageVolLookupByName(name)
        stream = conn.newStream(0)
        vol.download(stream, 0, 0, 0)
        stream.recvAll(lambda _s, data, _o: chunks.append(data) or len(data), None)
        stream.finish()
    return b"".join(chunks)


def make_pool(host: LabHost, name: str, path: Path) -> Resource:
    return Engine(StoragePoolProvider()).create(pool_inputs(host.uri, name, str(path)))


def failing_send_all(calls: list[int], fail_on: int = 1) -> Callable[..., None]:
    """A stand-in for virStream.sendAll that sends one chunk, then fails (on call `fail_on`);
    other calls send normally."""
    real = libvirt.virStream.sendAll

    def send_all(stream: libvirt.virStream, handler: Any, opaque: Any) -> None:
        calls.append(1)
        if len(calls) != fail_on:
            real(stream, handler, opaque)
            return
        stream.send(handler(stream, 65536, opaque))
        raise OSError("injected: connection to the host lost during upload")

    return send_all


def test_seed_create_read_reseed_delete(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}web-cidata.iso"
    engine = Engine(CloudInitSeedProvider())
    first = seed_inputs(
        lab_host.uri,
        pool,
        name,
        "#cloud-config\nruncmd:\n- echo FIRST-SEED\n",
        networkConfig=NETWORK,
    )
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        res = engine.create(first)
        data = download(lab_host, pool, name)
        assert read_seed_iso(data) == files_of(first)
        image = build_seed_iso(first["userData"], first["metaData"], NETWORK)
        assert data == image
        assert res.outputs["capacityBytes"] == len(image)
        assert res.outputs["contentSha256"] == hashlib.sha256(data).hexdigest()
        assert res.outputs["path"] == str(lab_scratch / "pool" / name) == res.id

        found_id, outs = engine.read(res)
        assert found_id == res.id
        assert (outs["userData"], outs["metaData"], outs["networkConfig"]) == (
            first["userData"],
            first["metaData"],
            NETWORK,
        )
        assert outs["contentSha256"] == res.outputs["contentSha256"]
        assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False

        # A bigger seed: the volume grows, in place (same key), without network-config.
        big = (
            "#cloud-config\nwrite_files:\n- path: /big\n  content: |\n"
            + ("    " + "x" * 75 + "\n") * 4000
        )
        second = seed_inputs(lab_host.uri, pool, name, big)
        diff = engine.update(res, second)
        assert diff.replaces == []
        data = download(lab_host, pool, name)
        assert read_seed_iso(data) == files_of(second)
        assert res.outputs["key"] == res.id
        assert res.outputs["capacityBytes"] == len(data) > len(image)
        assert res.outputs["contentSha256"] == hashlib.sha256(data).hexdigest()

        # A smaller one again: padded with zeros to the volume's size, nothing old left.
        third = seed_inputs(lab_host.uri, pool, name, "#cloud-config\n")
        engine.update(res, third)
        data = download(lab_host, pool, name)
        assert read_seed_iso(data) == files_of(third)
        assert b"x" * 75 not in data and b"FIRST-SEED" not in data
        small = build_seed_iso(third["userData"], third["metaData"], None)
        assert data == small + b"\0" * (len(data) - len(small))
        assert res.outputs["contentSha256"] == hashlib.sha256(data).hexdigest()

        engine.delete(res)
        assert volume_names(lab_host, pool) == []


def test_refresh_sees_a_tampered_seed_and_update_repairs_it(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}db-cidata.iso"
    engine = Engine(CloudInitSeedProvider())
    inputs = seed_inputs(lab_host.uri, pool, name, "#cloud-config\npackages: [postgresql]\n")
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        res = engine.create(inputs)
        Path(res.outputs["path"]).write_bytes(b"\0" * res.outputs["capacityBytes"])

        found_id, outs = engine.read(res)
        assert found_id == res.id
        assert (outs["userData"], outs["metaData"]) == ("", "")
        assert outs["contentSha256"] != res.outputs["contentSha256"]
        diff = engine.provider.diff(res.id, outs, res.inputs)
        assert diff.changes is True and diff.replaces == []
        # A second refresh starts from the tampered outputs: still readable.
        assert engine.provider.read(res.id, outs).outs == outs

        engine.provider.update(res.id, outs, res.inputs)
        assert read_seed_iso(download(lab_host, pool, name)) == files_of(inputs)
        engine.delete(res)


def test_a_failed_upload_leaves_no_volume(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}web-cidata.iso"
    calls: list[int] = []
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        monkeypatch.setattr(libvirt.virStream, "sendAll", failing_send_all(calls))
        with pytest.raises(OSError, match="injected"):
            Engine(CloudInitSeedProvider()).create(
                seed_inputs(lab_host.uri, pool, name, "#cloud-config\n")
            )
        assert calls == [1]
        assert volume_names(lab_host, pool) == []
        assert not (lab_scratch / "pool" / name).exists()


def test_a_failed_reseed_puts_the_previous_seed_back(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}web-cidata.iso"
    engine = Engine(CloudInitSeedProvider())
    before = seed_inputs(lab_host.uri, pool, name, "#cloud-config\nruncmd: [echo before]\n")
    after = seed_inputs(lab_host.uri, pool, name, "#cloud-config\nruncmd: [echo after]\n")
    calls: list[int] = []
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        res = engine.create(before)
        monkeypatch.setattr(libvirt.virStream, "sendAll", failing_send_all(calls))
        with pytest.raises(ProviderError, match="the previous seed is back") as raised:
            engine.update(res, after)
        assert calls == [1, 1]  # the failed re-seed, then the restore
        assert "echo" not in str(raised.value)
        assert read_seed_iso(download(lab_host, pool, name)) == files_of(before)
        monkeypatch.undo()
        engine.delete(res)
        assert volume_names(lab_host, pool) == []


def test_an_existing_volume_is_reseeded_only_when_adopted(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    name = f"{name_prefix}old-cidata.iso"
    engine = Engine(CloudInitSeedProvider())
    inputs = seed_inputs(lab_host.uri, pool, name, "#cloud-config\n")
    with cleaned(lab_host, name_prefix):
        make_pool(lab_host, pool, lab_scratch / "pool")
        with connection(lab_host) as conn:
            conn.storagePoolLookupByName(pool).createXML(
                f"<volume><name>{name}</name><capacity>1048576</capacity>"
                "<target><format type='raw'/></target></volume>",
                0,
            )
        with pytest.raises(ProviderError, match=r"already exists .* set adopt: true"):
            engine.create(inputs)

        res = engine.create({**inputs, "adopt": True})
        data = download(lab_host, pool, name)
        assert len(data) == 1048576 == res.outputs["capacityBytes"]
        assert read_seed_iso(data) == files_of(inputs)
        engine.delete(res)
        assert volume_names(lab_host, pool) == []


def test_a_missing_pool_is_named(lab_host: LabHost, name_prefix: str) -> None:
    with pytest.raises(ProviderError, match=rf"storage pool '{name_prefix}nopool' does not exist"):
        Engine(CloudInitSeedProvider()).create(
            seed_inputs(
                lab_host.uri, f"{name_prefix}nopool", f"{name_prefix}x.iso", "#cloud-config\n"
            )
        )
