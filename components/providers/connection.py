"""One cached libvirt connection per URI per process.

Pulumi runs every dynamic resource's CRUD calls in one provider process; opening a
connection per call would cost a round trip (and, over qemu+ssh, an SSH handshake) each
time. Connections are reopened only when libvirt says they are dead.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter

import libvirt

# libvirt prints every error to stderr by default; ours surface as exceptions instead.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

_lock = threading.Lock()
_connections: dict[str, libvirt.virConnect] = {}
opened: Counter[str] = Counter()
"""How many connections this process opened per URI (for tests and benchmarks)."""


class HostUnreachableError(RuntimeError):
    """libvirt could not connect to a host URI."""


def connect(uri: str) -> libvirt.virConnect:
    """Return the live cached connection to `uri`, opening it on first use."""
    with _lock:
        conn = _connections.get(uri)
        if conn is not None:
            try:
                if conn.isAlive():
                    return conn
            except libvirt.libvirtError:
                pass
        try:
            conn = libvirt.open(uri)
        except libvirt.libvirtError as err:
            raise HostUnreachableError(f"cannot connect to libvirt at {uri!r}: {err}") from err
        opened[uri] += 1
        _connections[uri] = conn
        return conn


def close_all() -> None:
    """Close every cached connection (tests use it between lab hosts' lifetimes)."""
    with _lock:
        for conn in _connections.values():
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()
        _connections.clear()
