"""The spec models refuse impossible specs before any libvirt call, saying what is wrong.

Each refusal is checked on the message itself (what a Pulumi CheckFailure shows): it must
name the field and the offending value, and nested errors must point at the list entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from components.spec.domain import DomainSpec, Interface
from components.spec.network import NetworkSpec
from components.spec.volume import ImageSource, VolumeSpec

VM: dict[str, Any] = {
    "name": "vm",
    "maxMemoryMib": 2048,
    "memoryMib": 1024,
    "maxVcpus": 4,
    "vcpus": 2,
}
ROOT_DISK = {"pool": "default", "volume": "root.qcow2", "target": "vda"}


def refusal(make: Callable[[], object]) -> tuple[tuple[int | str, ...], str]:
    """The location and message of the single validation error `make` raises."""
    with pytest.raises(ValidationError) as caught:
        make()
    (error,) = caught.value.errors()
    return error["loc"], error["msg"]


def test_memory_above_maximum() -> None:
    _, msg = refusal(lambda: DomainSpec.model_validate({**VM, "memoryMib": 4096}))
    assert "memoryMib 4096 is above maxMemoryMib 2048" in msg


def test_vcpus_above_maximum() -> None:
    _, msg = refusal(lambda: DomainSpec.model_validate({**VM, "vcpus": 8}))
    assert "vcpus 8 is above maxVcpus 4" in msg


def test_duplicate_disk_targets() -> None:
    second = {**ROOT_DISK, "volume": "data.qcow2"}
    _, msg = refusal(lambda: DomainSpec.model_validate({**VM, "disks": [ROOT_DISK, second]}))
    assert "disk targets must be unique" in msg
    assert "['vda', 'vda']" in msg


def test_volume_disk_without_pool() -> None:
    disk = {"volume": "root.qcow2", "target": "vdb"}
    loc, msg = refusal(lambda: DomainSpec.model_validate({**VM, "disks": [ROOT_DISK, disk]}))
    assert loc == ("disks", 1)
    assert "disk vdb" in msg
    assert "needs pool and volume" in msg


def test_file_disk_without_path() -> None:
    disk = {"type": "file", "target": "vdb"}
    loc, msg = refusal(lambda: DomainSpec.model_validate({**VM, "disks": [disk]}))
    assert loc == ("disks", 0)
    assert "disk vdb: a file disk needs a file path" in msg


@pytest.mark.parametrize("mac", ["52:54:00:zz:00:01", "52-54-00-12-34-56", "52:54:00:12:34", ""])
def test_bad_mac(mac: str) -> None:
    nic = {"network": "default", "mac": mac}
    loc, msg = refusal(lambda: DomainSpec.model_validate({**VM, "interfaces": [nic]}))
    assert loc == ("interfaces", 0)
    assert f"mac {mac!r} is not a MAC address" in msg


@pytest.mark.parametrize("kind", ["network", "bridge", "direct"])
def test_interface_without_its_source(kind: str) -> None:
    _, msg = refusal(lambda: Interface(type=kind))
    assert f"a {kind} interface needs its source" in msg


def test_bridged_network_without_bridge() -> None:
    _, msg = refusal(lambda: NetworkSpec(name="lan", forward_mode="bridge"))
    assert "bridged network needs bridgeName" in msg


def test_image_source_with_both_path_and_url() -> None:
    _, msg = refusal(lambda: ImageSource(path="/img/debian.qcow2", url="https://x/debian.qcow2"))
    assert "exactly one of path and url" in msg
    assert "'/img/debian.qcow2'" in msg
    assert "'https://x/debian.qcow2'" in msg


def test_image_source_with_neither_path_nor_url() -> None:
    _, msg = refusal(lambda: ImageSource(sha256="00" * 32))
    assert "exactly one of path and url" in msg


@pytest.mark.parametrize("url", ["ftp://x/debian.qcow2", "x/debian.qcow2", "file:///img.qcow2"])
def test_image_url_without_http_scheme(url: str) -> None:
    _, msg = refusal(lambda: ImageSource(url=url))
    assert f"image url {url!r} must start with http:// or https://" in msg


def test_clone_that_is_not_qcow2() -> None:
    _, msg = refusal(
        lambda: VolumeSpec(name="root", capacity_bytes=1024, format="raw", backing_path="/b")
    )
    assert "volume root" in msg
    assert "backingPath" in msg
    assert "not format 'raw'" in msg


def test_volume_without_capacity_or_source() -> None:
    _, msg = refusal(lambda: VolumeSpec(name="data"))
    assert "volume data: capacityBytes is required" in msg


def test_volume_with_both_source_and_backing() -> None:
    _, msg = refusal(
        lambda: VolumeSpec(name="root", backing_path="/b", source=ImageSource(path="/img"))
    )
    assert "volume root: choose an image source or a backing volume" in msg


@pytest.mark.parametrize("field", ["maxMemoryMib", "memoryMib", "maxVcpus", "vcpus"])
def test_sizes_and_counts_must_be_positive(field: str) -> None:
    loc, msg = refusal(lambda: DomainSpec.model_validate({**VM, field: 0}))
    assert loc == (field,)
    assert "greater than 0" in msg


def test_unknown_wire_key_is_refused_by_name() -> None:
    loc, _ = refusal(lambda: DomainSpec.model_validate({**VM, "memroyMib": 1024}))
    assert loc == ("memroyMib",)


def test_unknown_disk_bus_names_the_entry() -> None:
    disk = {**ROOT_DISK, "bus": "nvme"}
    loc, msg = refusal(lambda: DomainSpec.model_validate({**VM, "disks": [disk]}))
    assert loc == ("disks", 0, "bus")
    assert "'virtio'" in msg


def test_valid_spec_is_accepted() -> None:
    spec = DomainSpec.model_validate({**VM, "disks": [ROOT_DISK]})
    assert spec.disks[0].target == "vda"
