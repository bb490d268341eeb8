"""`cloudInit` settings: what is accepted, and errors that name the field but never a secret."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from components.machines.cloud_init.config import CloudInitConfig

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ9a0zZ8Xq0b5m5gk ops@laptop"
SECRET = "tr0ub4dor-and-3"


def errors_of(data: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
    """(path, message) of each validation error, as the stack loader reports them."""
    with pytest.raises(ValidationError) as raised:
        CloudInitConfig.model_validate(data)
    return [
        (tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
        for e in raised.value.errors()
    ]


def test_a_full_config_in_camel_case_is_accepted() -> None:
    config = CloudInitConfig.model_validate(
        {
            "users": [
                {
                    "name": "ops",
                    "sshAuthorizedKeys": [KEY],
                    "password": SECRET,
                    "sudo": "ALL=(ALL) NOPASSWD:ALL",
                    "groups": ["adm", "sudo"],
                    "shell": "/bin/bash",
                }
            ],
            "packages": ["nginx"],
            "runcmd": ["systemctl restart nginx", ["touch", "/done"]],
            "writeFiles": [{"path": "/etc/motd", "content": "hi\n", "permissions": "0644"}],
            "userData": "#cloud-config\ntimezone: Europe/Berlin\n",
            "networkConfig": {"version": 2, "ethernets": {"eth0": {"dhcp4": True}}},
            "onChange": "replace",
        }
    )
    assert config.users[0].ssh_authorized_keys == [KEY]
    assert config.users[0].password is not None
    assert config.users[0].password.get_secret_value() == SECRET
    assert config.write_files[0].permissions == "0644"
    assert config.raw_cloud_config() == {"timezone": "Europe/Berlin"}
    assert config.on_change == "replace"


def test_defaults_are_next_boot_and_nothing_else() -> None:
    config = CloudInitConfig()
    assert config.on_change == "next-boot"
    assert (config.users, config.packages, config.runcmd, config.write_files) == ([], [], [], [])
    assert config.raw_cloud_config() == {}


def test_secrets_are_masked_when_the_config_is_dumped() -> None:
    config = CloudInitConfig.model_validate(
        {
            "users": [{"name": "ops", "password": SECRET}],
            "userData": f"#cloud-config\nbootcmd: [echo {SECRET}]\n",
        }
    )
    dumped = config.model_dump(mode="json", by_alias=True)
    assert dumped["users"][0]["password"] == "**********"
    assert dumped["userData"] == "**********"
    assert SECRET not in repr(config)


def test_user_data_that_is_not_yaml_names_the_field_and_the_place_not_the_text() -> None:
    text = f"#cloud-config\nchpasswd:\n  list: [{SECRET}\n"
    with pytest.raises(ValidationError) as raised:
        CloudInitConfig.model_validate({"userData": text})
    [error] = raised.value.errors()
    assert error["loc"] == ("userData",)
    assert "is not valid YAML: " in error["msg"]
    assert "at line 4, column 1" in error["msg"]
    assert SECRET not in error["msg"]
    assert SECRET not in str(raised.value)


def test_user_data_without_the_cloud_config_header_is_refused() -> None:
    assert errors_of({"userData": f"#!/bin/sh\necho {SECRET}\n"}) == [
        (
            ("userData",),
            "must start with the line '#cloud-config' (cloud-config is the only user-data "
            "format supported here; shell scripts and MIME multipart are not)",
        )
    ]


@pytest.mark.parametrize(
    "text", ["timezone: UTC\n#cloud-config\n", " #cloud-config\n", "#cloud-config-archive\n"]
)
def test_the_header_must_be_exactly_the_first_line(text: str) -> None:
    [(loc, message)] = errors_of({"userData": text})
    assert loc == ("userData",)
    assert message.startswith("must start with the line '#cloud-config'")


def test_user_data_must_be_a_mapping() -> None:
    assert errors_of({"userData": "#cloud-config\n- packages\n"}) == [
        (("userData",), "must be a YAML mapping of cloud-config keys, not a list")
    ]


def test_unknown_keys_are_refused_with_their_path() -> None:
    found = errors_of({"user": [], "users": [{"name": "ops", "pasword": SECRET}]})
    assert sorted(loc for loc, _ in found) == [("user",), ("users", 0, "pasword")]
    assert all(message == "Extra inputs are not permitted" for _, message in found)


def test_ssh_keys_are_checked_one_by_one() -> None:
    found = errors_of(
        {
            "users": [
                {
                    "name": "ops",
                    "sshAuthorizedKeys": [
                        KEY,
                        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n",
                        "SHA256:2b9Nq0lq8rjI5QG0y4b8 ops@laptop",
                    ],
                }
            ]
        }
    )
    assert found == [
        (
            ("users", 0, "sshAuthorizedKeys", 1),
            "is a private key; give the public key (the .pub file) instead",
        ),
        (
            ("users", 0, "sshAuthorizedKeys", 2),
            "is not an OpenSSH public key line (expected e.g. 'ssh-ed25519 AAAAC3Nz… user@host')",
        ),
    ]


def test_keys_with_authorized_keys_options_are_accepted() -> None:
    config = CloudInitConfig.model_validate(
        {"users": [{"name": "ci", "sshAuthorizedKeys": [f'from="10.0.0.0/8" {KEY}']}]}
    )
    assert config.users[0].ssh_authorized_keys[0].endswith(KEY)


def test_user_fields_are_checked() -> None:
    found = errors_of(
        {
            "users": [
                {"name": "Bob Smith", "password": "", "shell": "bash", "groups": [" "]},
            ]
        }
    )
    assert found == [
        (
            ("users", 0, "name"),
            "'Bob Smith' is not a user name; use lowercase letters, digits, _ and - (starting "
            "with a letter or _), at most 32 characters",
        ),
        (
            ("users", 0, "password"),
            "must not be empty (leave it out for a user without a password)",
        ),
        (("users", 0, "groups", 0), "must not be empty"),
        (("users", 0, "shell"), "'bash' must be an absolute path (start it with /)"),
    ]


def test_a_user_name_may_appear_only_once() -> None:
    assert errors_of({"users": [{"name": "ops"}, {"name": "ops"}]}) == [
        ((), "users: each user name may appear only once")
    ]


def test_write_files_need_absolute_paths_and_octal_modes() -> None:
    found = errors_of({"writeFiles": [{"path": "etc/motd", "content": "", "permissions": "644x"}]})
    assert found == [
        (("writeFiles", 0, "path"), "'etc/motd' must be an absolute path (start it with /)"),
        (
            ("writeFiles", 0, "permissions"),
            "'644x' is not an octal mode like '0644' (quote it in YAML)",
        ),
    ]


def test_a_key_set_by_user_data_and_a_field_is_refused() -> None:
    assert errors_of({"packages": ["nginx"], "userData": "#cloud-config\npackages: [curl]\n"}) == [
        ((), "userData sets 'packages' and so does the packages field; set it in one place")
    ]
    found = errors_of(
        {
            "writeFiles": [{"path": "/a", "content": "x"}],
            "userData": "#cloud-config\nwrite_files: []\n",
        }
    )
    assert found == [
        ((), "userData sets 'write_files' and so does the writeFiles field; set it in one place")
    ]


def test_user_data_may_set_what_the_fields_leave_alone() -> None:
    config = CloudInitConfig.model_validate(
        {"packages": ["nginx"], "userData": "#cloud-config\nusers: [default]\n"}
    )
    assert config.raw_cloud_config() == {"users": ["default"]}


def test_network_config_must_be_version_2() -> None:
    assert errors_of({"networkConfig": {"version": 1, "config": []}}) == [
        (("networkConfig",), "must be network-config version 2 (version: 2), got version 1")
    ]
    assert errors_of({"networkConfig": {"network": {"version": 2}}}) == [
        (
            ("networkConfig",),
            "write the version 2 document itself (version: 2, ethernets: …), without the "
            "top-level 'network:' key",
        )
    ]


def test_on_change_is_next_boot_or_replace() -> None:
    [(loc, message)] = errors_of({"onChange": "reboot"})
    assert loc == ("onChange",)
    assert message == "Input should be 'next-boot' or 'replace'"
