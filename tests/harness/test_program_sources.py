"""Programs given as `__main__.py` projects, stack config, isolation between runs, refusals."""

from __future__ import annotations

import contextvars
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.settings import get_root_resource

from tests.harness import (
    Harness,
    HarnessError,
    ProgramError,
    UnsupportedFeatureError,
    load_stack_config,
)
from tests.harness.conftest import PROJECT, STACK, things
from tests.harness.toy_provider import ToyThing, stored_objects

REPO_ROOT = Path(__file__).resolve().parents[2]

MAIN_PY = """\
import pulumi
from helper import describe
from tests.harness.toy_provider import ToyThing

config = pulumi.Config()
thing = ToyThing(
    "main-thing",
    config.require("store"),
    name=describe(config.require("label")),
    value=config.require_int("size"),
    secret=config.require_secret("password"),
)
pulumi.export("enabled", config.require_bool("enabled"))
pulumi.export("ports", config.require_object("ports"))
pulumi.export("object_id", thing.object_id)
"""

STACK_YAML = """\
config:
  toyproj:label: web
  toyproj:size: 3
  enabled: true
  toyproj:ports: [22, 80]
  toyproj:password:
    secure: v1:AAAAencrypted
"""


@pytest.fixture
def project_dir(tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project outside the repository whose program imports the toy provider from `tests`:
    the provider plugin, started in the project directory, finds it through PYTHONPATH, as a
    user's plugin would find a package that is not installed."""
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    directory = tmp_path / "project"
    (directory / "stacks").mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(
        textwrap.dedent(
            """\
            name: toyproj
            runtime: python
            stackConfigDir: stacks
            config:
              toyproj:store:
                default: STORE
            """
        ).replace("STORE", str(store))
    )
    (directory / "stacks" / "Pulumi.dev.yaml").write_text(STACK_YAML)
    (directory / "__main__.py").write_text(MAIN_PY)
    (directory / "helper.py").write_text("def describe(label):\n    return f'{label}-box'\n")
    return directory


def test_a_project_directory_runs_with_its_stack_config(
    project_dir: Path, state_path: Path, store: Path
) -> None:
    harness = Harness.for_project(project_dir, STACK, state_path, secrets={"password": "pa55word"})

    result = harness.up()

    assert result.outputs["enabled"] is True
    assert result.outputs["ports"] == [22, 80]
    (stored,) = stored_objects(store).values()
    assert stored == {"name": "web-box", "value": 3, "secret": "pa55word"}
    assert "pa55word" not in state_path.read_text(encoding="utf-8")


def test_stack_config_overrides_win_and_keys_get_the_project_namespace(project_dir: Path) -> None:
    config = load_stack_config(
        project_dir, STACK, overrides={"size": 5}, secrets={"toyproj:password": "x"}
    )

    assert config.project == PROJECT
    assert config.values["toyproj:size"] == 5
    assert config.values["toyproj:enabled"] is True
    assert config.secret_keys == ("toyproj:password",)


def test_an_encrypted_value_without_plaintext_is_refused(project_dir: Path) -> None:
    with pytest.raises(HarnessError, match="toyproj:password"):
        load_stack_config(project_dir, STACK)


def test_several_programs_and_stacks_run_in_one_process(tmp_path: Path, store: Path) -> None:
    def program_for(label: str) -> Callable[[], None]:
        def program() -> None:
            thing = ToyThing("a", str(store), name=label, value=pulumi.get_stack())
            pulumi.export("stack", pulumi.get_stack())
            pulumi.export("label", thing.name)  # type: ignore[attr-defined]

        return program

    dev = Harness(program_for("one"), PROJECT, "dev", tmp_path / "dev.json").up()
    prod = Harness(program_for("two"), PROJECT, "prod", tmp_path / "prod.json").up()
    dev_again = Harness(program_for("one"), PROJECT, "dev", tmp_path / "dev.json").up()

    assert dev.outputs == {"stack": "dev", "label": "one"}
    assert prod.outputs == {"stack": "prod", "label": "two"}
    assert dev_again.step("a") == "same"
    assert sorted(o["value"] for o in stored_objects(store).values()) == ["dev", "prod"]


def test_a_failing_program_raises_program_error(harness: Harness, store: Path) -> None:
    def program() -> None:
        raise ValueError("vms[0].memory: '2GB?' is not a size")

    harness.program = program

    with pytest.raises(ProgramError, match="is not a size"):
        harness.up()


def test_options_the_harness_does_not_mirror_are_refused(harness: Harness, store: Path) -> None:
    opts = pulumi.ResourceOptions(replace_on_changes=["value"])
    harness.program = things(store, a={"name": "alpha", "value": 1, "opts": opts})

    with pytest.raises(UnsupportedFeatureError, match="replace_on_changes"):
        harness.up()

    assert stored_objects(store) == {}


def test_program_log_messages_are_returned(harness: Harness, store: Path) -> None:
    def program() -> None:
        pulumi.log.warn("disk pool is almost full")
        ToyThing("a", str(store), name="alpha", value=1)

    harness.program = program
    result = harness.up()

    assert ("warning", "disk pool is almost full") in [(m.severity, m.message) for m in result.log]


class _EchoMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def test_harness_runs_leave_the_test_thread_runtime_alone(harness: Harness, store: Path) -> None:
    project_before, root_before = pulumi.get_project(), get_root_resource()
    harness.program = things(store, a={"name": "alpha", "value": 1})

    harness.up()

    assert (pulumi.get_project(), get_root_resource()) == (project_before, root_before)
    assert contextvars.copy_context().run(_plain_mocks_unit_test) == "unit-id"


def _plain_mocks_unit_test() -> str:
    """What another engineer's `set_mocks` unit test does, in the test thread."""
    pulumi.runtime.set_mocks(_EchoMocks(), project="other", stack="unit")
    seen: list[str] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def register() -> pulumi.Output[None]:
        resource = pulumi.CustomResource("x:index:Thing", "unit", {"size": 3})
        return resource.id.apply(seen.append)

    register()
    return seen[0]
