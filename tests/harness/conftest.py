"""Fixtures for the harness's own tests: a toy object store, a state file, toy programs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.harness import Harness
from tests.harness.toy_provider import ToyThing

PROJECT = "toyproj"
STACK = "dev"

Program = Callable[[], None]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Where the toy provider keeps its objects (and its own call log)."""
    directory = tmp_path / "objects"
    directory.mkdir()
    return directory


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / f"{STACK}.json"


@pytest.fixture
def harness(state_path: Path) -> Harness:
    """A Harness for the toy project; set `.program` before running it."""
    return Harness(None, PROJECT, STACK, state_path)


def things(store: Path, **specs: dict[str, Any]) -> Program:
    """A program declaring one ToyThing per keyword: resource name → ToyThing arguments."""

    def program() -> None:
        for resource_name, kwargs in specs.items():
            ToyThing(resource_name, str(store), **kwargs)

    return program


def chain(store: Path, *names: str, protect: str | None = None) -> Program:
    """A program where each ToyThing's value is the previous one's object id (a dependency)."""

    def program() -> None:
        previous: pulumi.Output[str] | str = "root"
        for name in names:
            opts = pulumi.ResourceOptions(protect=name == protect)
            thing = ToyThing(name, str(store), name=name, value=previous, opts=opts)
            previous = thing.object_id

    return program
