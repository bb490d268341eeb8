"""Running one call per item from many client threads, as the engine's parallel steps do."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

CLIENT_THREADS = 8
"""More than the plugin's 4 workers, so calls also queue in the plugin, as under the engine."""

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    item: T
    result: R | None
    error: BaseException | None


def run_all(
    call: Callable[[T], R], items: Iterable[T], threads: int = CLIENT_THREADS
) -> list[Outcome[T, R]]:
    """`call(item)` for every item from `threads` threads; every outcome, in item order."""

    def one(item: T) -> Outcome[T, R]:
        try:
            return Outcome(item, call(item), None)
        except Exception as err:
            return Outcome(item, None, err)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, items))


def failures(outcomes: list[Outcome[T, R]]) -> list[str]:
    """One line per failed call (the error's last line), for assertion messages."""
    return [
        f"{o.item}: {str(o.error).strip().splitlines()[-1] if str(o.error).strip() else o.error!r}"
        for o in outcomes
        if o.error is not None
    ]
