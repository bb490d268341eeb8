"""Temporary Pulumi projects for plan tests: the repo's program with a stack file of ours."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]


def stack_file(stack: str) -> dict[str, Any]:
    """The repo's stacks/Pulumi.<stack>.yaml, parsed."""
    return yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())


def program_project(directory: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    """The repo's Pulumi.yaml and __main__.py (using the repo's components) with `stacks`
    (stack name → parsed stack file) under stacks/."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, directory / name)
    (directory / "stacks").mkdir(exist_ok=True)
    for stack, data in stacks.items():
        (directory / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(data))
    return directory


def inline_project(directory: Path, program: str, config: dict[str, Any] | None = None) -> Path:
    """A project whose __main__.py is `program`, with stack `test` holding `config`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: inline\nruntime: python\n")
    (directory / "__main__.py").write_text(program)
    (directory / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config or {}}))
    return directory
