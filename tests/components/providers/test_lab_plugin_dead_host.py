"""A host that stops answering must not block calls to other hosts in the same plugin
process (before: opening its connection held the one global connection lock)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.lab_support import cleaned, volume_names
from tests.components.providers.plugin_client import PluginProcess
from tests.components.providers.wire import pool_inputs, volume_inputs
from tests.lab import LabHost

MIB = 1024**2
GENEROUS = 60.0
"""The live host's calls take well under a second; this only bounds a hang."""


@contextmanager
def silent_libvirt(path: Path) -> Iterator[tuple[str, threading.Event]]:
    """A libvirt URI whose 'daemon' accepts connections and never answers (a hung host);
    the event is set once a client connected."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            held.append(client)
            accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"qemu+unix:///system?socket={path}", accepted
    finally:
        server.close()
        for client in held:
            client.close()


def test_a_hung_host_does_not_block_calls_to_a_live_one(
    lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    pool = f"{name_prefix}pool"
    volumes = VolumeProvider()
    with (
        cleaned(lab_host, name_prefix),
        silent_libvirt(lab_scratch / "hung.sock") as (hung_uri, accepted),
        ThreadPoolExecutor(max_workers=4) as threads,
    ):
        plugin = PluginProcess()
        try:
            hung = threads.submit(
                plugin.check_and_create,
                StoragePoolProvider(),
                pool_inputs(hung_uri, f"{name_prefix}hung", "/nowhere"),
            )
            assert accepted.wait(GENEROUS), (
                f"the plugin never tried the hung host: {hung.done() and hung.exception()}"
            )

            def live() -> list[str]:
                plugin.check_and_create(
                    StoragePoolProvider(),
                    pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool")),
                )
                made = [
                    plugin.check_and_create(
                        volumes,
                        volume_inputs(lab_host.uri, pool, f"{name_prefix}v{i}", capacityBytes=MIB),
                    )
                    for i in range(3)
                ]
                for vol in made:
                    plugin.delete(volumes, *vol)
                return volume_names(lab_host, pool)

            assert threads.submit(live).result(timeout=GENEROUS) == []
            assert not hung.done(), "the hung host answered: the test proves nothing"
        finally:
            plugin.close()  # ends the hung call too (the engine would cancel it)
        assert hung.exception(timeout=GENEROUS) is not None
