"""Progress of a libvirt job (a migration) the caller blocks on, read from its job info.

`migrateToURI3` returns only when the move is over; meanwhile a thread reads the domain's
job statistics once a second (what `virsh domjobinfo` shows) and reports the data processed
and remaining and the rate the guest dirties its memory — the number that says whether a
live migration will converge.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import libvirt

from components.providers import progress

POLL_SECONDS = 1.0
_DEFAULT_PAGE_BYTES = 4096


def job_figures(stats: Mapping[str, Any]) -> tuple[float | None, float | None, str]:
    """(bytes processed, bytes in all, detail) of a job's statistics (`dom.jobStats()`).

    libvirt reports the dirty rate in pages per second; the page size comes with it.
    """
    done = stats.get("data_processed")
    total = stats.get("data_total")
    words = []
    remaining = stats.get("data_remaining")
    if remaining is not None:
        words.append(f"{progress.amount(float(remaining), 'bytes')} left")
    rate = stats.get("memory_dirty_rate")
    if rate:
        page = stats.get("memory_page_size") or _DEFAULT_PAGE_BYTES
        words.append(f"memory dirtied at {progress.amount(float(rate) * page, 'bytes')}/s")
    disk_remaining = stats.get("disk_remaining")
    if disk_remaining:
        words.append(f"disks: {progress.amount(float(disk_remaining), 'bytes')} left")
    return (
        None if done is None else float(done),
        None if total is None else float(total),
        ", ".join(words),
    )


@contextmanager
def job_progress(dom: libvirt.virDomain, what: str) -> Iterator[None]:
    """Report `dom`'s job while the body runs (the body blocks on the job)."""
    stop = threading.Event()
    shown = progress.task(what, None)

    def poll() -> None:
        while not stop.wait(POLL_SECONDS):
            try:
                stats = dom.jobStats(0)
            except libvirt.libvirtError:
                continue  # between phases there is no job to read
            done, total, detail = job_figures(stats)
            if done is not None:
                shown.update(done=done, total=total, detail=detail)

    watcher = threading.Thread(target=poll, name=f"job progress {what}", daemon=True)
    watcher.start()
    failure = None
    try:
        yield
    except BaseException as error:
        failure = type(error).__name__
        raise
    finally:
        stop.set()
        watcher.join()
        shown.finish(failure)
