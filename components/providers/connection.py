"""One cached libvirt connection per URI per process, shared by concurrent calls.

Pulumi runs every dynamic resource's CRUD calls in one plugin process, up to four at once
on its gRPC worker threads; opening a connection per call would cost a round trip (and,
over qemu+ssh, an SSH handshake) each time. A libvirt connection may be used from several
threads at once, so one per URI is enough. Connections are reopened only when libvirt
says they are dead.

Opening is locked per URI, never globally: opening a connection to an unreachable host
can take as long as a TCP or SSH timeout, and calls to other hosts must not wait for it.
Callers that waited on the same URI's open get the same error without trying again.

libvirt's keepalive (which notices a host that stopped answering, instead of letting a
call hang) needs an event loop; this module registers libvirt's default one before the
first connection and runs it on a daemon thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import libvirt

# libvirt prints every error to stderr by default; ours surface as exceptions instead.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

KEEPALIVE_INTERVAL = 5
"""Seconds between keepalive probes on an idle connection."""
KEEPALIVE_COUNT = 3
"""Unanswered probes after which libvirt closes the connection (its calls then fail)."""


@dataclass
class _Slot:
    """The cached connection to one URI and the lock that serialises opening it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    conn: libvirt.virConnect | None = None
    failure: HostUnreachableError | None = None
    failed_at: float = 0.0


_slots_lock = threading.Lock()
"""Guards only the URI → slot table (never held during a libvirt call)."""
_slots: dict[str, _Slot] = {}
_event_loop_lock = threading.Lock()
_event_loop_running = threading.Event()
opened: Counter[str] = Counter()
"""How many connections this process opened per URI (for tests and benchmarks)."""


class HostUnreachableError(RuntimeError):
    """libvirt could not connect to a host URI."""


def _run_event_loop() -> None:
    while True:
        libvirt.virEventRunDefaultImpl()


def _ensure_event_loop() -> None:
    """Register libvirt's default event loop and run it (once per process)."""
    with _event_loop_lock:
        if _event_loop_running.is_set():
            return
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run_event_loop, name="libvirt-event-loop", daemon=True).start()
        _event_loop_running.set()


def _slot(uri: str) -> _Slot:
    with _slots_lock:
        return _slots.setdefault(uri, _Slot())


def _alive(conn: libvirt.virConnect | None) -> bool:
    if conn is None:
        return False
    try:
        return bool(conn.isAlive())
    except libvirt.libvirtError:
        return False


def connect(uri: str) -> libvirt.virConnect:
    """Return the live cached connection to `uri`, opening it on first use."""
    slot = _slot(uri)
    conn = slot.conn
    if _alive(conn):
        assert conn is not None
        return conn
    asked = time.monotonic()
    with slot.lock:
        if _alive(slot.conn):
            assert slot.conn is not None
            return slot.conn
        if slot.failure is not None and slot.failed_at >= asked:
            # Another call tried while this one waited for the lock: same answer, no retry.
            raise HostUnreachableError(str(slot.failure))
        _ensure_event_loop()
        try:
            conn = libvirt.open(uri)
        except libvirt.libvirtError as err:
            slot.failure = HostUnreachableError(f"cannot connect to libvirt at {uri!r}: {err}")
            slot.failed_at = time.monotonic()
            raise slot.failure from err
        with contextlib.suppress(libvirt.libvirtError):  # e.g. test:/// has no keepalive
            conn.setKeepAlive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
        opened[uri] += 1
        slot.conn, slot.failure = conn, None
        return conn


def close_all() -> None:
    """Close every cached connection (tests use it between lab hosts' lifetimes)."""
    with _slots_lock:
        slots = list(_slots.values())
        _slots.clear()
    for slot in slots:
        with slot.lock:
            if slot.conn is not None:
                with contextlib.suppress(libvirt.libvirtError):
                    slot.conn.close()
            slot.conn = None
