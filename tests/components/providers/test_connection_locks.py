"""The connection cache locks per URI: a host that hangs while its connection is opened
does not hold up another URI (before, one global lock did), and one connection per URI is
shared by concurrent callers."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from components.providers import connection

GENEROUS = 30.0


def test_a_hung_host_does_not_hold_up_another_uri(tmp_path: Path, node_uri: str) -> None:
    path = tmp_path / "hung.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        client, _ = server.accept()
        held.append(client)
        accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    threads = ThreadPoolExecutor(max_workers=2)
    try:
        hung = threads.submit(connection.connect, f"qemu+unix:///system?socket={path}")
        assert accepted.wait(GENEROUS)
        live = threads.submit(connection.connect, node_uri)
        assert live.result(timeout=GENEROUS).getURI() == node_uri
        assert not hung.done()
    finally:
        server.close()
        for client in held:
            client.close()  # the hung open fails now
        threads.shutdown(wait=True)


def test_concurrent_callers_share_one_connection(node_uri: str) -> None:
    before = connection.opened[node_uri]
    with ThreadPoolExecutor(max_workers=8) as threads:
        conns = list(threads.map(lambda _i: connection.connect(node_uri), range(32)))
    assert len({id(c) for c in conns}) == 1
    assert connection.opened[node_uri] == before + 1
