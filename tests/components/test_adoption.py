"""`adopt: true` and `libvirtName` from the stack YAML reach every resource that can take over
an existing object: a VM's domain, root and data disks and seed, networks and pools."""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi
import pytest

from components.config.load import load_stack_config
from tests.components.mocks import run_main, stack_config


def _dev_with(vm: dict[str, Any], network: dict[str, Any], pool: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(stack_config("dev"))
    config["vms"][0].update(vm)
    config["networks"]["lan"].update(network)
    config["pools"]["vmstore"].update(pool)
    return config


def test_adopt_and_libvirt_names_reach_the_resources() -> None:
    config = _dev_with(
        {
            "libvirtName": "legacy-web",
            "rootDiskLibvirtName": "legacy-web.qcow2",
            "adopt": True,
            "dataDisks": [{"name": "db", "size": "1GiB", "libvirtName": "legacy-db.qcow2"}],
            "cloudInit": {"users": [{"name": "ops"}]},
        },
        {"adopt": True, "libvirtName": "legacy-lan"},
        {"adopt": True, "libvirtName": "legacy-pool"},
    )
    mocks = run_main("dev", config)
    domain = mocks.named("kvm:Domain", "web-1")
    assert domain.inputs["name"] == "legacy-web" and domain.inputs["adopt"] is True
    disks = [d["volume"] for d in domain.inputs["disks"]]
    assert disks == ["legacy-web.qcow2", "legacy-db.qcow2", "legacy-web-cidata.iso"]
    for volume, name in (("web-1-root", "legacy-web.qcow2"), ("web-1-db", "legacy-db.qcow2")):
        registered = mocks.named("kvm:Volume", volume)
        assert (registered.inputs["name"], registered.inputs["adopt"]) == (name, True)
    seed = mocks.named("kvm:CloudInitSeed", "web-1-cloud-init")
    assert (seed.inputs["name"], seed.inputs["adopt"]) == ("legacy-web-cidata.iso", True)
    network = mocks.named("kvm:Network", "lan@local")
    assert (network.inputs["name"], network.inputs["adopt"]) == ("legacy-lan", True)
    pool = mocks.named("kvm:StoragePool", "vmstore@local")
    assert (pool.inputs["name"], pool.inputs["adopt"]) == ("legacy-pool", True)
    other = mocks.named("kvm:Domain", "web-2")
    assert "adopt" not in other.inputs, "what is not adopted keeps its inputs as they were"


@pytest.mark.parametrize(
    ("path", "value"),
    [(("vms", 0, "adopt"), "yes please"), (("vms", 0, "libvirtName"), "bad/name")],
)
def test_bad_adopt_settings_name_the_field(path: tuple[Any, ...], value: Any) -> None:
    config = copy.deepcopy(stack_config("dev"))
    target: Any = config
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(Exception, match=str(path[-1])):
        load_stack_config_from(config)


def load_stack_config_from(config: dict[str, Any]) -> Any:
    """Load a stack config the way the program does (from Pulumi's config)."""
    pulumi.runtime.set_all_config(
        {f"kvm-estate:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    )
    return load_stack_config()
