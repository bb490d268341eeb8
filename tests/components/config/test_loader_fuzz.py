"""Fuzz of the loader: whatever a stack holds, the outcome is a config or StackConfigError.

KVM_FUZZ_EXAMPLES raises the number of examples (bench/bad_input_fuzz.py runs thousands).
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config.load import StackConfigError, parse_stack_config
from tests.components.config.bad_input import BASE, SECRET
from tests.components.config.fuzz import TEXT, VALUES, mutate, paths

EXAMPLES = int(os.environ.get("KVM_FUZZ_EXAMPLES", "300"))
PATHS = sorted(paths(BASE))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def _load(data: Any) -> None:
    try:
        parse_stack_config(data, "prod")
    except StackConfigError as err:
        message = str(err)
        assert message.startswith("stack 'prod' is invalid:\n  ")
        assert SECRET not in message
        assert "lax-or-strict" not in message and "function-after" not in message


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_any_value_anywhere_is_a_config_or_the_projects_error(edits):
    data = copy.deepcopy(BASE)
    for path, value in edits:
        try:
            mutate(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path's parent
    _load(data)


@FUZZ
@given(st.dictionaries(st.sampled_from([*BASE, "default", "vm"]) | TEXT, VALUES, max_size=5))
def test_any_sections_are_a_config_or_the_projects_error(sections):
    _load(sections)


@FUZZ
@given(VALUES)
def test_any_document_is_a_config_or_the_projects_error(document):
    _load(document)


@FUZZ
@given(st.sampled_from(PATHS), st.sampled_from(["password", "userData", "content"]))
def test_a_secret_of_the_wrong_kind_is_never_shown(path, field):
    data = copy.deepcopy(BASE)
    cloud = data["vms"][0]["cloudInit"]
    target = {"password": cloud["users"][0], "userData": cloud, "content": cloud["writeFiles"][0]}
    target[field][field] = [SECRET] if path.startswith("v") else {SECRET: SECRET}
    _load(data)
