"""Rendering the seed's files: exact text, hashed passwords, instance-ids that follow content."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import yaml

from components.machines.cloud_init.config import CloudInitConfig, cloud_config_of
from components.machines.cloud_init.passwords import ROUNDS, hash_password, password_salt
from components.machines.cloud_init.render import (
    check_hostname,
    instance_id,
    render_meta_data,
    render_network_config,
    render_seed,
    render_user_data,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ9a0zZ8Xq0b5m5gk ops@laptop"
PASSWORD = "correct horse battery staple"
VM = "dev-web-1"


def config(**overrides: Any) -> CloudInitConfig:
    data: dict[str, Any] = {
        "users": [
            {
                "name": "ops",
                "sshAuthorizedKeys": [KEY],
                "password": PASSWORD,
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "groups": ["adm"],
                "shell": "/bin/bash",
            },
            {"name": "ci", "sudo": ["ALL=(ALL) NOPASSWD:/usr/bin/apt"]},
        ],
        "packages": ["nginx", "curl"],
        "runcmd": ["systemctl enable --now nginx", ["touch", "/var/lib/ready"]],
        "writeFiles": [
            {"path": "/etc/motd", "content": "managed by kvm-pulumi\nhands off\n"},
            {"path": "/etc/app.env", "content": "A=1", "owner": "ops:ops", "permissions": "0600"},
        ],
        "userData": "#cloud-config\ntimezone: UTC\nntp:\n  enabled: true\n",
    }
    data.update(overrides)
    return CloudInitConfig.model_validate(data)


def test_user_data_golden() -> None:
    hashed = hash_password(PASSWORD, VM, "ops")
    assert render_user_data(config(), VM) == (
        "#cloud-config\n"
        "timezone: UTC\n"
        "ntp:\n"
        "  enabled: true\n"
        "users:\n"
        "- name: ops\n"
        "  groups:\n"
        "  - adm\n"
        "  shell: /bin/bash\n"
        "  sudo: ALL=(ALL) NOPASSWD:ALL\n"
        "  ssh_authorized_keys:\n"
        f"  - {KEY}\n"
        f"  passwd: {hashed}\n"
        "  lock_passwd: false\n"
        "- name: ci\n"
        "  sudo:\n"
        "  - ALL=(ALL) NOPASSWD:/usr/bin/apt\n"
        "packages:\n"
        "- nginx\n"
        "- curl\n"
        "runcmd:\n"
        "- systemctl enable --now nginx\n"
        "- - touch\n"
        "  - /var/lib/ready\n"
        "write_files:\n"
        "- path: /etc/motd\n"
        "  content: |\n"
        "    managed by kvm-pulumi\n"
        "    hands off\n"
        "- path: /etc/app.env\n"
        "  content: A=1\n"
        "  owner: ops:ops\n"
        "  permissions: '0600'\n"
    )


def test_user_data_is_valid_cloud_config_with_what_was_asked() -> None:
    document = cloud_config_of(render_user_data(config(), VM))
    assert document["users"][0]["ssh_authorized_keys"] == [KEY]
    assert document["write_files"][0]["content"] == "managed by kvm-pulumi\nhands off\n"
    assert document["runcmd"][1] == ["touch", "/var/lib/ready"]
    assert document["timezone"] == "UTC"


def test_an_empty_config_is_just_the_header() -> None:
    assert render_user_data(CloudInitConfig(), VM) == "#cloud-config\n"


def test_the_password_is_a_sha512_crypt_hash_never_the_password() -> None:
    text = render_user_data(config(), VM)
    assert PASSWORD not in text
    hashed = yaml.safe_load(text)["users"][0]["passwd"]
    assert hashed.startswith(f"$6$rounds={ROUNDS}${password_salt(VM, 'ops')}$")
    # glibc's crypt(3), an implementation independent of ours, accepts it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt")
    assert crypt.crypt(PASSWORD, hashed) == hashed
    assert crypt.crypt("wrong", hashed) != hashed


def test_hashes_are_stable_per_vm_and_user_and_differ_across_them() -> None:
    assert hash_password(PASSWORD, VM, "ops") == hash_password(PASSWORD, VM, "ops")
    others = {
        hash_password(PASSWORD, "dev-web-2", "ops"),
        hash_password(PASSWORD, VM, "admin"),
        hash_password("other", VM, "ops"),
    }
    assert hash_password(PASSWORD, VM, "ops") not in others
    assert len(others) == 3


def test_salts_use_the_crypt_alphabet() -> None:
    salt = password_salt("x" * 64, "y")
    assert len(salt) == 16
    assert set(salt) <= set("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def test_meta_data_golden() -> None:
    assert render_meta_data("iid-0123456789abcdef", "web-1") == (
        "instance-id: iid-0123456789abcdef\nlocal-hostname: web-1\n"
    )


def test_network_config_golden_and_absent_when_not_given() -> None:
    network = {
        "version": 2,
        "ethernets": {
            "eth0": {"match": {"macaddress": "52:54:00:12:34:56"}, "addresses": ["10.0.0.5/24"]}
        },
    }
    assert render_network_config(config(networkConfig=network)) == (
        "version: 2\n"
        "ethernets:\n"
        "  eth0:\n"
        "    match:\n"
        "      macaddress: '52:54:00:12:34:56'\n"  # quoted, or YAML 1.1 reads base 60
        "    addresses:\n"
        "    - 10.0.0.5/24\n"
    )
    assert render_network_config(config()) is None


def test_seed_files_carry_instance_id_and_hostname() -> None:
    seed = render_seed(config(), VM, "web-1")
    meta = yaml.safe_load(seed.files.meta_data)
    assert meta == {"instance-id": seed.instance_id, "local-hostname": "web-1"}
    assert seed.instance_id == instance_id(seed.files.user_data, None, "web-1")
    assert seed.files.user_data == render_user_data(config(), VM)
    assert seed.files.network_config is None


def test_instance_id_is_stable_for_the_same_content() -> None:
    assert render_seed(config(), VM, "web-1") == render_seed(config(), VM, "web-1")


@pytest.mark.parametrize(
    ("changed", "hostname"),
    [
        ({"packages": ["nginx"]}, "web-1"),
        ({"users": [{"name": "ops", "password": "another one"}]}, "web-1"),
        ({"networkConfig": {"version": 2, "ethernets": {"eth0": {"dhcp4": True}}}}, "web-1"),
        ({}, "web-2"),
    ],
    ids=["packages", "password", "network", "hostname"],
)
def test_instance_id_changes_with_any_content(changed: dict[str, Any], hostname: str) -> None:
    before = render_seed(config(), VM, "web-1")
    after = render_seed(config(**changed), VM, hostname)
    assert after.instance_id != before.instance_id
    assert after.instance_id.startswith("iid-") and len(after.instance_id) == 20


def test_on_change_does_not_change_the_files() -> None:
    assert render_seed(config(onChange="replace"), VM, "web-1") == render_seed(
        config(), VM, "web-1"
    )


@pytest.mark.parametrize("bad", ["web_1", "-web", "web-", "a" * 64, "", "web..local"])
def test_host_names_are_checked(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a valid host name"):
        check_hostname(bad)


def test_dotted_host_names_are_fine() -> None:
    assert check_hostname("web-1.lab.example") == "web-1.lab.example"
