"""`make_seed` under Pulumi mocks: what it registers, and the CD-ROM the VM attaches."""

from __future__ import annotations

import pulumi
import pytest
import yaml
from lxml import etree
from pulumi.runtime import rpc

from components.machines.cloud_init.config import CloudInitConfig
from components.machines.cloud_init.render import render_seed
from components.machines.cloud_init.seed import CloudInitSeed, make_seed, seed_volume_name
from tests.components.mocks import RecordingMocks, run_program

URI = "qemu+ssh://admin@hv1/system"
CONFIG = CloudInitConfig.model_validate(
    {
        "users": [{"name": "ops", "password": "s3cret-pass"}],
        "networkConfig": {"version": 2, "ethernets": {"eth0": {"dhcp4": True}}},
        "onChange": "replace",
    }
)


def secret(value: str) -> dict[str, str]:
    """A value as the SDK sends a secret to the engine."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def register(hostname: str = "web-1") -> tuple[CloudInitSeed, RecordingMocks]:
    made: list[CloudInitSeed] = []

    def program() -> None:
        vm = pulumi.ComponentResource("kvm:index:VirtualMachine", "web-1")
        made.append(
            make_seed(
                "web-1-cloud-init",
                "dev-web-1",
                hostname=hostname,
                host_uri=URI,
                pool_name="dev-vmstore",
                config=CONFIG,
                parent=vm,
            )
        )

    mocks = run_program(program)
    [seed] = made
    return seed, mocks


def test_the_seed_resource_carries_the_rendered_files() -> None:
    seed, mocks = register()
    [registered] = mocks.of_type("kvm:CloudInitSeed")
    assert registered.typ == "pulumi-python:dynamic/kvm:CloudInitSeed"
    assert registered.name == "web-1-cloud-init"
    rendered = render_seed(CONFIG, "dev-web-1", "web-1")
    inputs = {k: v for k, v in registered.inputs.items() if v is not None}
    assert inputs == {
        "connectionUri": URI,
        "name": "dev-web-1-cidata.iso",
        "pool": "dev-vmstore",
        "userData": secret(rendered.files.user_data),
        "metaData": secret(rendered.files.meta_data),
        "networkConfig": rendered.files.network_config,
    }
    assert yaml.safe_load(rendered.files.meta_data)["local-hostname"] == "web-1"
    assert (seed.pool, seed.volume, seed.on_change) == (
        "dev-vmstore",
        "dev-web-1-cidata.iso",
        "replace",
    )


def test_the_cdrom_is_a_read_only_raw_volume_disk() -> None:
    seed, _ = register()
    disk = seed.cdrom("sdb", "sata")
    assert disk.model_dump(by_alias=True, exclude_none=True) == {
        "type": "volume",
        "device": "cdrom",
        "driver": "qemu",
        "format": "raw",
        "pool": "dev-vmstore",
        "volume": "dev-web-1-cidata.iso",
        "target": "sdb",
        "bus": "sata",
        "readonly": True,
    }
    xml = etree.tostring(disk.to_element("disk"), encoding="unicode")
    assert xml == (
        '<disk type="volume" device="cdrom"><driver name="qemu" type="raw"/>'
        '<source pool="dev-vmstore" volume="dev-web-1-cidata.iso"/>'
        '<target dev="sdb" bus="sata"/><readonly/></disk>'
    )


def test_a_bad_host_name_fails_naming_the_vm() -> None:
    with pytest.raises(
        Exception, match=r"cloud-init seed of VM 'dev-web-1': 'web_1' is not a valid host name"
    ):
        register(hostname="web_1")


def test_seed_volume_names_are_checked() -> None:
    assert seed_volume_name("dev-web-1") == "dev-web-1-cidata.iso"
    with pytest.raises(ValueError, match="is not a valid libvirt name"):
        seed_volume_name("dev/web")
