"""The run's view of the stack state, persisted after every step like the engine's snapshot.

Before the run: the resources of the previous checkpoint ("olds"). During the run: resources
registered by the program so far ("news", in registration order, which is a valid dependency
order), followed by the olds not yet superseded: those the program has not registered (yet) and
old instances waiting for deletion after a create-before-delete replacement (`delete=True`).
That list is written to the state file after each step, so at any moment the file lists exactly
what exists. Steps run concurrently, so each change and its save happen under one lock (the
engine's snapshot manager serializes its mutations the same way).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from tests.harness.checkpoint import ResourceState

SaveState = Callable[[Sequence[ResourceState]], None]


class Journal:
    def __init__(self, olds: Sequence[ResourceState], save: SaveState | None) -> None:
        self.initial: tuple[ResourceState, ...] = tuple(olds)
        """The previous checkpoint as loaded: the dependency graph the engine trusts."""
        self._remaining: list[ResourceState] = list(olds)
        self._news: list[ResourceState] = []
        self._save = save
        self._lock = threading.RLock()

    def old(self, urn: str) -> ResourceState | None:
        """The live old instance of `urn` that the program has not registered yet this run."""
        with self._lock:
            for entry in self._remaining:
                if entry.urn == urn and not entry.delete:
                    return entry
            return None

    def new(self, urn: str) -> ResourceState | None:
        """The instance registered this run under `urn`, if any."""
        with self._lock:
            for entry in self._news:
                if entry.urn == urn:
                    return entry
            return None

    def record(self, entry: ResourceState, superseding: ResourceState | None = None) -> None:
        """Add a resource registered this run; `superseding` leaves the olds (same/update)."""
        with self._lock:
            if superseding is not None:
                self._drop_remaining(superseding)
            self._news.append(entry)
            self.persist()

    def mark_for_deletion(self, old: ResourceState) -> None:
        """Keep a replaced old instance in the state until its delete (create-before-delete)."""
        with self._lock:
            old.delete = True
            self.persist()

    def forget(self, entry: ResourceState) -> None:
        """Remove a resource that was deleted (or is no longer managed)."""
        with self._lock:
            if any(e is entry for e in self._news):
                self._news = [e for e in self._news if e is not entry]
            else:
                self._drop_remaining(entry)
            self.persist()

    def update(self, change: Callable[[], None]) -> None:
        """Apply `change` (to entries of this journal) and save, as one step."""
        with self._lock:
            change()
            self.persist()

    def unregistered_olds(self) -> list[ResourceState]:
        """Olds the program did not register, plus old instances marked for deletion."""
        with self._lock:
            return list(self._remaining)

    def everything(self) -> list[ResourceState]:
        """The whole state as it stands."""
        with self._lock:
            return [*self._news, *self._remaining]

    def persist(self) -> None:
        with self._lock:
            if self._save is not None:
                self._save(self.everything())

    def _drop_remaining(self, entry: ResourceState) -> None:
        self._remaining = [e for e in self._remaining if e is not entry]
