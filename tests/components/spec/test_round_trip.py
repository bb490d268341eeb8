"""Property tests: any valid spec survives XML and the Pulumi wire form unchanged."""

from __future__ import annotations

from hypothesis import given

from components.spec.domain import DomainSpec
from components.spec.network import NetworkSpec
from components.spec.pool import PoolSpec
from components.spec.volume import VolumeSpec
from components.spec.xmlbind import XmlModel
from tests.components.spec.strategies import (
    DOMAIN_LIFECYCLE,
    domain_specs,
    network_specs,
    pool_specs,
    volume_specs,
)


def wire_round_trip(spec: XmlModel) -> XmlModel:
    wire = spec.model_dump(by_alias=True, exclude_none=True, mode="json")
    return type(spec).model_validate(wire)


@given(domain_specs())
def test_domain_survives_xml(spec: DomainSpec) -> None:
    lifecycle = {name: getattr(spec, name) for name in DOMAIN_LIFECYCLE}
    assert DomainSpec.from_xml(spec.to_xml(), **lifecycle) == spec


@given(domain_specs())
def test_domain_survives_wire_form(spec: DomainSpec) -> None:
    assert wire_round_trip(spec) == spec


@given(network_specs())
def test_network_survives_xml(spec: NetworkSpec) -> None:
    assert NetworkSpec.from_xml(spec.to_xml(), autostart=spec.autostart) == spec


@given(network_specs())
def test_network_survives_wire_form(spec: NetworkSpec) -> None:
    assert wire_round_trip(spec) == spec


@given(pool_specs)
def test_pool_survives_xml(spec: PoolSpec) -> None:
    assert PoolSpec.from_xml(spec.to_xml(), autostart=spec.autostart) == spec


@given(pool_specs)
def test_pool_survives_wire_form(spec: PoolSpec) -> None:
    assert wire_round_trip(spec) == spec


@given(volume_specs())
def test_volume_survives_xml(spec: VolumeSpec) -> None:
    assert VolumeSpec.from_xml(spec.to_xml(), pool=spec.pool, source=spec.source) == spec


@given(volume_specs())
def test_volume_survives_wire_form(spec: VolumeSpec) -> None:
    assert wire_round_trip(spec) == spec
