"""Every input of every resource has an explicit change rule.

A field added to a spec without a rule would silently fall back to replace (the safe
default): this test makes the author decide, and names the field to classify.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from components.spec.changes import (
    CONNECTION_KEY,
    DOMAIN_RULES,
    NETWORK_RULES,
    POOL_RULES,
    SEED_RULES,
    SNAPSHOT_RULES,
    VOLUME_RULES,
    Rule,
)
from components.spec.cloud_init_seed import CloudInitSeedSpec
from components.spec.domain import DomainSpec
from components.spec.network import NetworkSpec
from components.spec.pool import PoolSpec
from components.spec.snapshot import SnapshotResourceSpec
from components.spec.volume import VolumeSpec
from components.spec.xmlbind import XmlModel

RESOURCE_KEYS = {CONNECTION_KEY, "adopt"}
"""Inputs of every resource that are not spec fields."""

TABLES = [
    (DomainSpec, DOMAIN_RULES),
    (NetworkSpec, NETWORK_RULES),
    (PoolSpec, POOL_RULES),
    (SnapshotResourceSpec, SNAPSHOT_RULES),
    (VolumeSpec, VOLUME_RULES),
    (CloudInitSeedSpec, SEED_RULES),
]
IDS = [model.__name__ for model, _ in TABLES]


def wire_keys(model: type[XmlModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


@pytest.mark.parametrize(("model", "rules"), TABLES, ids=IDS)
def test_every_input_has_a_rule(model: type[XmlModel], rules: Mapping[str, Rule]) -> None:
    missing = sorted((wire_keys(model) | RESOURCE_KEYS) - set(rules))
    assert missing == [], f"classify these {model.__name__} inputs in spec/changes.py: {missing}"


@pytest.mark.parametrize(("model", "rules"), TABLES, ids=IDS)
def test_every_rule_is_for_an_input(model: type[XmlModel], rules: Mapping[str, Rule]) -> None:
    stale = sorted(set(rules) - wire_keys(model) - RESOURCE_KEYS)
    assert stale == [], f"rules for inputs {model.__name__} does not have: {stale}"


def test_wire_keys_are_camel_case() -> None:
    assert {"maxMemoryMib", "shutdownTimeoutSeconds", "bootDevices"} <= wire_keys(DomainSpec)
