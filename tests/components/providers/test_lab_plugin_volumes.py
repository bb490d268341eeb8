"""Many volumes created, imported, cloned and deleted at once in one pool, through the real
plugin process (4 workers) from 8 client threads, as `pulumi up`/`destroy` run them.

Before the fix: 12 creates at once failed 5-7 of 12 (`pool has asynchronous jobs running`:
every create refreshed the pool), and deletes failed with `no storage vol` naming another
volume (list-then-read loops racing other deletes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components.providers.base import ProviderError
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.lab_support import cleaned, volume_names
from tests.components.providers.parallel import failures, run_all
from tests.components.providers.plugin_client import Props, plugin_process
from tests.components.providers.wire import Engine, pool_inputs, volume_inputs
from tests.lab import LabHost, make_base_image

MIB = 1024**2
VOLUMES = 40


def test_forty_volumes_created_and_deleted_at_once(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    volumes = VolumeProvider()
    names = [f"{name_prefix}v{i:02}.qcow2" for i in range(VOLUMES)]
    with cleaned(lab_host, name_prefix), plugin_process() as plugin:
        plugin.check_and_create(
            StoragePoolProvider(), pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool"))
        )

        def create(name: str) -> tuple[str, Props]:
            inputs = volume_inputs(lab_host.uri, pool, name, capacityBytes=16 * MIB)
            return plugin.check_and_create(volumes, inputs)

        created = run_all(create, names)
        assert failures(created) == []
        assert volume_names(lab_host, pool) == names

        def delete(name: str) -> None:
            (outcome,) = [c for c in created if c.item == name]
            assert outcome.result is not None
            plugin.delete(volumes, *outcome.result)

        assert failures(run_all(delete, names)) == []
        assert volume_names(lab_host, pool) == []


def test_imports_and_clones_of_a_base_at_once(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    """A base imported, then 8 more imports and 32 clones of the base at once; then all
    deleted at once (the clones' deletes read every volume's backing file meanwhile)."""
    pool = f"{name_prefix}pool"
    volumes = VolumeProvider()
    image = make_base_image(lab_scratch / "src.qcow2", size_mib=32, marker="BASE")
    with cleaned(lab_host, name_prefix), plugin_process() as plugin:
        plugin.check_and_create(
            StoragePoolProvider(), pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool"))
        )
        base_id, base = plugin.check_and_create(
            volumes,
            volume_inputs(
                lab_host.uri, pool, f"{name_prefix}base.qcow2", source={"path": str(image)}
            ),
        )

        def inputs(i: int) -> Props:
            name = f"{name_prefix}c{i:02}.qcow2"
            if i < 8:
                return volume_inputs(lab_host.uri, pool, name, source={"path": str(image)})
            return volume_inputs(
                lab_host.uri,
                pool,
                name,
                capacityBytes=32 * MIB,
                backingPath=base["path"],
                backingFormat="qcow2",
            )

        created = run_all(lambda i: plugin.check_and_create(volumes, inputs(i)), range(VOLUMES))
        assert failures(created) == []
        names = sorted(str(c.result[1]["name"]) for c in created if c.result is not None)
        assert len(names) == VOLUMES
        imported = [c.result[1] for c in created[:8] if c.result is not None]
        assert all(outs["virtualSizeBytes"] == 32 * MIB for outs in imported)
        assert all(outs["format"] == "qcow2" for outs in imported)

        ids = [c.result for c in created if c.result is not None]
        assert failures(run_all(lambda r: plugin.delete(volumes, *r), ids)) == []
        plugin.delete(volumes, base_id, base)
        assert volume_names(lab_host, pool) == []


def test_creates_see_files_libvirt_does_not_list_and_forget_vanished_ones(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    """Without a refresh per create, libvirt's volume list can be behind the directory (shared
    storage, files made or removed outside libvirt): a file it does not list is still found
    (and never overwritten), and a listed volume whose file is gone is created anew."""
    pool, pool_dir = f"{name_prefix}pool", lab_scratch / "pool"
    engine = Engine(VolumeProvider())
    with cleaned(lab_host, name_prefix):
        Engine(StoragePoolProvider()).create(pool_inputs(lab_host.uri, pool, str(pool_dir)))
        outside = make_base_image(
            pool_dir / f"{name_prefix}outside.qcow2", size_mib=8, marker="MINE"
        )
        before = outside.read_bytes()
        inputs = volume_inputs(lab_host.uri, pool, outside.name, capacityBytes=16 * MIB)
        with pytest.raises(ProviderError, match=r"already exists.*adopt: true"):
            engine.create(inputs)
        assert outside.read_bytes() == before, "an unlisted file was overwritten"
        adopted = engine.create({**inputs, "adopt": True})
        assert adopted.outputs["path"] == str(outside)

        made = engine.create(
            volume_inputs(lab_host.uri, pool, f"{name_prefix}v.qcow2", capacityBytes=MIB)
        )
        Path(made.outputs["path"]).unlink()  # removed behind libvirt's back
        again = engine.create(
            volume_inputs(lab_host.uri, pool, f"{name_prefix}v.qcow2", capacityBytes=MIB)
        )
        assert Path(again.outputs["path"]).is_file()
        engine.delete(again)
        assert volume_names(lab_host, pool) == [outside.name]
        outside.unlink()
