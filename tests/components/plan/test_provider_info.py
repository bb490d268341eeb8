"""Every dynamic resource the program registers names a provider whose rules the diff uses."""

from __future__ import annotations

import pytest

from components.plan.provider_info import change_rules, provider_class, spec_type
from components.plan.sources import plan_in_process
from tests.components.plan.projects import REPO


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_dynamic_resource_has_its_providers_rules(stack):
    plan = plan_in_process(REPO, stack)
    kinds = set()
    for resource in plan.custom():
        cls = provider_class(resource.provider)
        assert cls is not None, resource.urn
        assert change_rules(resource.provider) is getattr(cls, "rules", None), resource.urn
        assert change_rules(resource.provider), f"{resource.urn}: no change rules"
        kinds.add(resource.kind)
    assert {"Domain", "Volume", "Network", "StoragePool"} <= kinds
    domain = plan.of_kind("Domain")[0]
    assert spec_type(domain.provider) is provider_class(domain.provider).spec_type


def test_unimportable_references_give_nothing():
    assert provider_class("no.such.module:Provider") is None
    assert provider_class("components.plan.model:NoSuchClass") is None
    assert provider_class(None) is None
    assert change_rules("components.plan.model:Plan") is None
