"""`Harness`: one stack of one project, with the CLI's verbs as methods.

A test creates a Harness for a program, a stack name and a state file, then calls `up()`,
`preview()`, `refresh()` or `destroy()` as often as it likes; the state file carries the stack
from one call (or one Harness instance) to the next, as the backend does between CLI runs.
`program`, `config` and `parallel` are plain attributes: change them between runs to model an
edited `__main__.py` or stack YAML, or to debug with `parallel = 1`.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.harness import deployment
from tests.harness.checkpoint import Checkpoint
from tests.harness.errors import HarnessError
from tests.harness.program_runner import ProgramSource, program_directory
from tests.harness.results import RefreshResult, RunResult
from tests.harness.stack_config import cli_config, load_stack_config, qualify_all
from tests.harness.stack_state import StackState


class Harness:
    """Runs a Pulumi program for a stack against the real dynamic providers, engine-free.

    `config` is the stack YAML's `config:` section (`"project:key": value`; bare keys get the
    project namespace; non-string values are JSON-encoded as the CLI does); `secret_keys` names
    the keys whose plaintext values are secrets. `parallel` is `--parallel`: how many steps run
    at once, by default the CLI's (GOMAXPROCS x 4, or PULUMI_PARALLEL); 1 runs everything one
    at a time in program order.
    """

    def __init__(
        self,
        program: ProgramSource | None,
        project: str,
        stack: str,
        state_path: str | os.PathLike[str],
        config: Mapping[str, Any] | None = None,
        secret_keys: Iterable[str] = (),
        *,
        parallel: int | None = None,
    ) -> None:
        self.program = program
        self.parallel = parallel if parallel is not None else deployment.default_parallel()
        self.project = project
        self.stack = stack
        self.state_path = Path(state_path)
        self.config: dict[str, Any] = dict(config or {})
        self.secret_keys: tuple[str, ...] = tuple(secret_keys)

    @classmethod
    def for_project(
        cls,
        project_dir: str | os.PathLike[str],
        stack: str,
        state_path: str | os.PathLike[str],
        *,
        program: ProgramSource | None = None,
        overrides: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Any] | None = None,
        parallel: int | None = None,
    ) -> Harness:
        """A Harness for a project directory: its `__main__.py` (unless `program` is given),
        its project name from `Pulumi.yaml` and the config of `stacks/Pulumi.<stack>.yaml`
        (see `load_stack_config` for `overrides` and `secrets`)."""
        stack_config = load_stack_config(project_dir, stack, overrides=overrides, secrets=secrets)
        return cls(
            program if program is not None else Path(project_dir),
            stack_config.project,
            stack,
            state_path,
            config=stack_config.values,
            secret_keys=stack_config.secret_keys,
            parallel=parallel,
        )

    def up(self, *, replace: Collection[str] = ()) -> RunResult:
        """`pulumi up --yes --skip-preview`: run the program, create/update/replace/delete
        through the providers. `replace` lists URNs (or unique logical names) to replace
        whatever their diff says, as `--replace URN`."""
        program = self._program()
        return deployment.update(
            program, self._settings(program), self._checkpoint(), preview=False, replace=replace
        )

    def preview(self) -> RunResult:
        """`pulumi preview`: the steps `up` would take; providers see only check and diff."""
        program = self._program()
        return deployment.update(program, self._settings(program), self._checkpoint(), preview=True)

    def refresh(self) -> RefreshResult:
        """`pulumi refresh`: read every resource, report drift, update the state."""
        return deployment.refresh(self._settings(self.program), self._checkpoint())

    def destroy(self) -> RunResult:
        """`pulumi destroy`: delete everything in the state, dependents first."""
        return deployment.destroy(self._settings(self.program), self._checkpoint())

    @property
    def state(self) -> StackState:
        """The state file as it is now."""
        return StackState(self._checkpoint().load())

    def _program(self) -> ProgramSource:
        if self.program is None:
            raise HarnessError("this Harness has no program; set `program` before up or preview")
        return self.program

    def _settings(self, program: ProgramSource | None) -> deployment.StackSettings:
        if self.parallel < 1:
            raise HarnessError(f"parallel must be at least 1, got {self.parallel}")
        return deployment.StackSettings(
            project=self.project,
            stack=self.stack,
            config=cli_config(self.config, self.project),
            secret_keys=qualify_all(self.secret_keys, self.project),
            directory=program_directory(program) if program is not None else Path.cwd(),
            parallel=self.parallel,
            state_path=self.state_path,
        )

    def _checkpoint(self) -> Checkpoint:
        return Checkpoint(self.state_path, self.project, self.stack)
