"""A registry of running labs, so a new lab can clean up after test processes that were killed.

A lab's hosts die with the process that started them, but its network namespace and
directory stay. Each running lab holds an exclusive `flock` on its entry in
/run/kvm-pulumi-lab; an entry whose lock can be taken belongs to a dead process. Locks work
across PID namespaces, unlike checking whether a PID is alive, so a lab started inside a
namespace never sweeps (or is swept by) another one that is still running.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

from tests.lab.netns import NetworkNamespace

REGISTRY_DIR = Path("/run/kvm-pulumi-lab")
_KEEP = "keep"


class LabLease:
    """The registry entry of one running lab, locked for as long as the lab runs."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def take(cls, lab_id: str, directory: Path, *, keep_directory: bool) -> LabLease:
        """Register `lab_id` (also its netns name) and its `directory`, locked."""
        REGISTRY_DIR.mkdir(parents=True, exist_ok=True)
        final = REGISTRY_DIR / f"{lab_id}.lock"
        draft = REGISTRY_DIR / f".{lab_id}.draft"
        fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{directory}\n{_KEEP if keep_directory else 'remove'}\n".encode())
        os.rename(draft, final)  # a sweeper only ever sees entries that are already locked
        return cls(final, fd)

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)


def sweep_stale_labs() -> None:
    """Delete the network namespace and directory of every lab whose process is gone."""
    if not REGISTRY_DIR.is_dir():
        return
    for entry in REGISTRY_DIR.glob("*.lock"):
        try:
            fd = os.open(entry, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its lab is running
            directory, mode = [*entry.read_text().splitlines(), "", ""][:2]
            NetworkNamespace(entry.stem).delete()
            if directory and mode != _KEEP:
                shutil.rmtree(directory, ignore_errors=True)
            entry.unlink(missing_ok=True)
        finally:
            os.close(fd)
