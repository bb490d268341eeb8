"""check() and diff() of the providers: pure functions of the wire inputs, no libvirt needed."""

from __future__ import annotations

import pytest
from pulumi.runtime.rpc import UNKNOWN

from components.providers.domain import DomainProvider
from components.providers.network import NetworkProvider
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.wire import (
    domain_inputs,
    failures_of,
    network_inputs,
    pool_inputs,
    volume_inputs,
)

URI = "test:///default"
GIB = 1024**3


def test_check_accepts_valid_domain_and_normalises_it() -> None:
    result = DomainProvider().check({}, domain_inputs(URI, "chk-ok"))
    assert result.failures == []
    inputs = result.inputs
    assert inputs["connectionUri"] == URI
    assert inputs["adopt"] is False
    # Defaults are filled in, in wire (camelCase) form, so previews show them.
    assert inputs["machine"] == "pc"
    assert inputs["restartPolicy"] == "auto"
    assert inputs["shutdownTimeoutSeconds"] == 60
    assert "memory_mib" not in inputs and inputs["memoryMib"] == 128


def test_check_memory_above_maximum_names_both_fields_and_values() -> None:
    failures = failures_of(
        DomainProvider(), {}, domain_inputs(URI, "chk-mem", memoryMib=1024, maxMemoryMib=512)
    )
    assert len(failures) == 1, failures
    reason = next(iter(failures.values()))
    assert "memoryMib 1024" in reason
    assert "maxMemoryMib 512" in reason


def test_check_vcpus_above_maximum_is_refused() -> None:
    failures = failures_of(DomainProvider(), {}, domain_inputs(URI, "chk-cpu", vcpus=4, maxVcpus=2))
    assert any("vcpus 4 is above maxVcpus 2" in r for r in failures.values()), failures


@pytest.mark.parametrize("uri", [None, ""])
def test_check_missing_connection_uri(uri: str | None) -> None:
    props = domain_inputs(URI, "chk-uri")
    if uri is None:
        del props["connectionUri"]
    else:
        props["connectionUri"] = uri
    failures = failures_of(DomainProvider(), {}, props)
    assert set(failures) == {"connectionUri"}, failures
    assert "connection URI is required" in failures["connectionUri"]


def test_check_missing_connection_uri_reported_for_every_kind() -> None:
    cases = [
        (StoragePoolProvider(), pool_inputs(URI, "p", "/tmp/p")),
        (VolumeProvider(), volume_inputs(URI, "p", "v", capacityBytes=GIB)),
        (NetworkProvider(), network_inputs(URI, "n")),
    ]
    for provider, props in cases:
        del props["connectionUri"]
        assert "connectionUri" in failures_of(provider, {}, props), type(provider).__name__


def test_check_bad_disk_bus_names_the_disk_field_and_value() -> None:
    disks = [{"target": "vda", "pool": "p", "volume": "v", "bus": "floppy"}]
    failures = failures_of(DomainProvider(), {}, domain_inputs(URI, "chk-disk", disks=disks))
    assert set(failures) == {"disks"}, failures
    assert "disks[0].bus" in failures["disks"]
    assert "'floppy'" in failures["disks"]


def test_check_volume_disk_without_volume_is_refused() -> None:
    disks = [{"type": "volume", "target": "vdb", "pool": "p"}]
    failures = failures_of(DomainProvider(), {}, domain_inputs(URI, "chk-disk2", disks=disks))
    assert "disks" in failures
    assert "disk vdb: a volume disk needs pool and volume" in failures["disks"]


def test_check_duplicate_disk_targets_are_refused() -> None:
    disk = {"target": "vda", "pool": "p", "volume": "v"}
    failures = failures_of(
        DomainProvider(), {}, domain_inputs(URI, "chk-disk3", disks=[disk, {**disk, "volume": "w"}])
    )
    assert any("disk targets must be unique" in r for r in failures.values()), failures


def test_check_wrong_type_names_field_and_value() -> None:
    failures = failures_of(DomainProvider(), {}, domain_inputs(URI, "chk-t", memoryMib="lots"))
    assert "memoryMib" in failures
    assert "'lots'" in failures["memoryMib"]


def test_check_unknown_field_is_refused() -> None:
    failures = failures_of(DomainProvider(), {}, domain_inputs(URI, "chk-x", memoryMb=128))
    assert "memoryMb" in failures, failures


def test_check_passes_unknowns_through_during_preview() -> None:
    props = domain_inputs(URI, "chk-unknown", memoryMib=UNKNOWN)
    result = DomainProvider().check({}, props)
    assert result.failures == []
    assert result.inputs["memoryMib"] == UNKNOWN


def test_check_volume_shrink_is_refused_naming_both_sizes() -> None:
    olds = VolumeProvider().check({}, volume_inputs(URI, "p", "v", capacityBytes=2 * GIB)).inputs
    failures = failures_of(VolumeProvider(), olds, volume_inputs(URI, "p", "v", capacityBytes=GIB))
    assert set(failures) == {"capacityBytes"}, failures
    assert str(GIB) in failures["capacityBytes"]
    assert str(2 * GIB) in failures["capacityBytes"]
    assert "never shrink" in failures["capacityBytes"]


def test_check_volume_growth_is_accepted_and_a_live_change() -> None:
    provider = VolumeProvider()
    olds = provider.check({}, volume_inputs(URI, "p", "v", capacityBytes=GIB)).inputs
    news = volume_inputs(URI, "p", "v", capacityBytes=2 * GIB)
    assert failures_of(provider, olds, news) == {}
    diff = provider.diff("key", olds, provider.check(olds, news).inputs)
    assert diff.changes is True
    assert diff.replaces == []


def test_check_volume_with_source_and_backing_is_refused() -> None:
    props = volume_inputs(
        URI, "p", "v", source={"path": "/x.qcow2"}, backingPath="/base.qcow2", capacityBytes=GIB
    )
    failures = failures_of(VolumeProvider(), {}, props)
    assert any("choose an image source or a backing volume" in r for r in failures.values())


def test_check_volume_source_url_scheme_is_checked() -> None:
    props = volume_inputs(URI, "p", "v", source={"url": "ftp://example.invalid/x.qcow2"})
    failures = failures_of(VolumeProvider(), {}, props)
    assert "source" in failures
    assert "ftp://example.invalid/x.qcow2" in failures["source"]


def _checked(provider: DomainProvider, props: dict[str, object]) -> dict[str, object]:
    result = provider.check({}, props)
    assert result.failures == []
    return {**result.inputs, "__provider": "p"}


def _outputs(inputs: dict[str, object]) -> dict[str, object]:
    """What create would have returned: the inputs plus the computed keys."""
    return {**inputs, "uuid": "u", "pendingRestart": False, "resolvedDomainType": "qemu"}


def test_diff_memory_within_maximum_is_an_in_place_change() -> None:
    provider = DomainProvider()
    olds = _outputs(_checked(provider, domain_inputs(URI, "d")))
    news = _checked(provider, domain_inputs(URI, "d", memoryMib=192))
    diff = provider.diff("u", olds, news)
    assert diff.changes is True
    assert diff.replaces == []
    assert not diff.delete_before_replace


def test_diff_no_change_reports_none() -> None:
    provider = DomainProvider()
    inputs = _checked(provider, domain_inputs(URI, "d"))
    diff = provider.diff("u", _outputs(inputs), inputs)
    assert diff.changes is False
    assert diff.replaces == []


def test_diff_machine_change_replaces_deleting_first_for_the_same_name() -> None:
    provider = DomainProvider()
    olds = _outputs(_checked(provider, domain_inputs(URI, "d")))
    news = _checked(provider, domain_inputs(URI, "d", machine="q35"))
    diff = provider.diff("u", olds, news)
    assert diff.changes is True
    assert diff.replaces == ["machine"]
    assert diff.delete_before_replace is True


def test_diff_rename_replaces_creating_first() -> None:
    provider = DomainProvider()
    olds = _outputs(_checked(provider, domain_inputs(URI, "d")))
    news = _checked(provider, domain_inputs(URI, "d2"))
    diff = provider.diff("u", olds, news)
    assert diff.replaces == ["name"]
    assert diff.delete_before_replace is False


def test_diff_max_memory_change_is_not_a_replace() -> None:
    provider = DomainProvider()
    olds = _outputs(_checked(provider, domain_inputs(URI, "d")))
    news = _checked(provider, domain_inputs(URI, "d", maxMemoryMib=512, memoryMib=384))
    diff = provider.diff("u", olds, news)
    assert diff.changes is True
    assert diff.replaces == []


def test_diff_network_lease_is_live_but_new_address_replaces() -> None:
    provider = NetworkProvider()
    base = network_inputs(URI, "n")
    olds = {**provider.check({}, base).inputs, "uuid": "u", "actualBridgeName": "virbr0"}
    with_lease = network_inputs(URI, "n")
    with_lease["ips"][0]["dhcpHosts"] = [{"mac": "52:54:00:00:00:01", "ip": "10.213.7.5"}]
    diff = provider.diff("u", olds, provider.check(olds, with_lease).inputs)
    assert diff.changes is True and diff.replaces == []
    moved = network_inputs(URI, "n", subnet="10.213.8")
    diff = provider.diff("u", olds, provider.check(olds, moved).inputs)
    assert diff.replaces == ["ips"]
    assert diff.delete_before_replace is True
