"""The pool's filesystem fills up, or turns read-only, in the middle of an `up`: the run fails
naming the volume, leaves nothing half made, and once there is room (or write access) again
the first rerun converges. The pool is a small tmpfs mounted inside the lab host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.faults.estate import converged, estate_stack, rerun
from tests.harness import HarnessError
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


@pytest.fixture
def small_pool(lab_host: LabHost, lab_scratch: Path) -> Iterator[Path]:
    """The estate's pool directory as a 6 MiB tmpfs inside the host (the image needs 10)."""
    pool = lab_scratch / "pool"
    pool.mkdir()
    lab_host.run_inside(["mount", "-t", "tmpfs", "-o", "size=6m", "kvmtest", str(pool)])
    try:
        yield pool
    finally:
        # Gone already when destroying the stack removed the pool's directory.
        lab_host.run_inside(["umount", "-l", str(pool)], check=False)


def _files_inside(host: LabHost, pool: Path) -> set[str]:
    listing = host.run_inside(["ls", "-1", str(pool)]).stdout.split()
    return {str(pool / name) for name in listing}


def test_disk_full_during_the_image_import(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str, small_pool: Path
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 247) as stack:
        with pytest.raises(HarnessError, match="tiny-"):
            stack.up()
        assert not any("tiny-" in f for f in _files_inside(lab_host, small_pool)), (
            "no half-imported image left behind"
        )
        lab_host.run_inside(["mount", "-o", "remount,size=64m", str(small_pool)])
        rerun(stack, "disk full")
        converged(
            stack, lab_host, lab_scratch, name_prefix, files=_files_inside(lab_host, small_pool)
        )


def test_read_only_pool_while_a_disk_is_added(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str, small_pool: Path
) -> None:
    lab_host.run_inside(["mount", "-o", "remount,size=64m", str(small_pool)])
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 248) as stack:
        stack.config["vms"][0]["running"] = False  # no disk open: the mount can turn ro
        stack.up()
        before = _files_inside(lab_host, small_pool)
        lab_host.run_inside(["mount", "-o", "remount,ro", str(small_pool)])
        stack.config["vms"][0]["dataDisks"].append({"name": "logs", "size": "8MiB"})
        try:
            with pytest.raises(HarnessError, match="logs"):
                stack.up()
            assert _files_inside(lab_host, small_pool) == before, "nothing changed, nothing lost"
        finally:
            lab_host.run_inside(["mount", "-o", "remount,rw", str(small_pool)])
        rerun(stack, "read-only pool")
        converged(
            stack, lab_host, lab_scratch, name_prefix, files=_files_inside(lab_host, small_pool)
        )
