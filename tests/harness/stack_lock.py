"""The local backend's stack lock: one `up`, `refresh` or `destroy` of a stack at a time.

Mirrors pulumi/pulumi `pkg/backend/diy/lock.go`: `Update`, `Refresh` and `Destroy` (not
`Preview`) take the lock for the whole operation. Taking it checks for other lock files,
writes this one (`{pid, username, hostname, timestamp}` as JSON under
`.pulumi/locks/<project>/<stack>/<id>.json`), then checks again, so two racing processes both
back off rather than both proceed. The error names each lock as the CLI does. A lock left by a
crashed run stays until removed (`pulumi cancel` in the CLI; delete the file here).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tests.harness.errors import StackLockedError


def lock_directory(state_path: Path, project: str, stack: str) -> Path:
    """Where the locks of one stack live: beside its state file, as the backend keeps them."""
    return state_path.parent / ".pulumi" / "locks" / project / stack


@contextlib.contextmanager
def stack_lock(state_path: Path, project: str, stack: str) -> Iterator[None]:
    directory = lock_directory(state_path, project, stack)
    mine = directory / f"{uuid.uuid4()}.json"
    _refuse_if_locked(directory, mine)
    directory.mkdir(parents=True, exist_ok=True)
    mine.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "username": getpass.getuser(),
                "hostname": socket.gethostname(),
                "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ),
        encoding="utf-8",
    )
    try:
        _refuse_if_locked(directory, mine)
        yield
    finally:
        mine.unlink(missing_ok=True)


def _refuse_if_locked(directory: Path, mine: Path) -> None:
    others = sorted(p for p in directory.glob("*.json") if p != mine) if directory.is_dir() else []
    if not others:
        return
    lines = [
        f"the stack is currently locked by {len(others)} lock(s). Either wait for the other "
        "process(es) to end or delete the lock file with `pulumi cancel`."
    ]
    for path in others:
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            content = {}
        lines.append(
            f"  {path}: created by {content.get('username')}@{content.get('hostname')} "
            f"(pid {content.get('pid')}) at {content.get('timestamp')}"
        )
    raise StackLockedError("\n".join(lines))
