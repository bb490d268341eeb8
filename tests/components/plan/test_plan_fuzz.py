"""Fuzz of the offline plan: mutated stack files through the real program, the plan's text,
JSON and XML, and its diff against the valid stack. Nothing but the project's errors
(InputError for config, PlanError for the stack file) may escape, and no output holds a
secret.

KVM_FUZZ_EXAMPLES raises the number of examples (bench/bad_input_fuzz.py runs thousands).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.plan import registrations
from components.plan.diff import diff_plans, render_diff_json, render_diff_text
from components.plan.model import Plan
from components.plan.registrations import PlanError
from components.plan.render import render_json, render_text
from components.spec.errors import InputError
from tests.components.config.bad_input import BASE, SECRET
from tests.components.config.fuzz import VALUES, mutate, paths
from tests.components.plan.projects import program_project

EXAMPLES = int(os.environ.get("KVM_FUZZ_EXAMPLES", "100"))
PROJECT = "kvm-estate"
PATHS = sorted(paths(BASE))


def stack_text(sections: object) -> str:
    if isinstance(sections, dict):
        config = {f"{PROJECT}:{key}": value for key, value in sections.items()}
        return yaml.safe_dump({"config": config}, allow_unicode=True)
    return yaml.safe_dump({"config": sections}, allow_unicode=True)


def secret_base() -> dict:
    data = copy.deepcopy(BASE)
    data["templates"]["debian"]["graphics"] = {"listen": "0.0.0.0", "password": SECRET[:8]}
    data["vms"][0]["cloudInit"]["users"][0]["password"] = SECRET
    return data


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return program_project(tmp_path_factory.mktemp("plan-fuzz"), {})


@pytest.fixture(scope="module")
def base_plan(project: Path) -> Plan:
    os.environ[registrations.FINGERPRINT_KEY_ENV] = "00" * 32
    try:
        return _evaluate(project, stack_text(secret_base()))
    finally:
        del os.environ[registrations.FINGERPRINT_KEY_ENV]


def _evaluate(project: Path, text: str) -> Plan:
    (project / "stacks" / "Pulumi.prod.yaml").write_text(text)
    return Plan.from_registrations(registrations.evaluate(project, "prod"))


def _check(project: Path, base_plan: Plan, text: str) -> None:
    os.environ[registrations.FINGERPRINT_KEY_ENV] = "00" * 32
    try:
        plan = _evaluate(project, text)
    except (InputError, PlanError) as err:
        assert SECRET not in str(err) and SECRET[:8] not in str(err)
        return
    finally:
        del os.environ[registrations.FINGERPRINT_KEY_ENV]
    diff = diff_plans(base_plan, plan, "base", "fuzzed")
    outputs = [
        render_text(plan, xml=True),
        render_json(plan, xml=True),
        render_diff_text(diff),
        render_diff_json(diff),
    ]
    for output in outputs:
        assert SECRET not in output and SECRET[:8] not in output


def test_the_secret_base_plans(base_plan):
    assert any(r.kind == "Domain" for r in base_plan.resources)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=2))
def test_a_mutated_stack_plans_or_fails_with_the_projects_error(project, base_plan, edits):
    data = secret_base()
    for path, value in edits:
        try:
            mutate(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue
    _check(project, base_plan, stack_text(data))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(config=VALUES)
def test_any_config_value_plans_or_fails_with_the_projects_error(project, base_plan, config):
    _check(project, base_plan, stack_text(config))
