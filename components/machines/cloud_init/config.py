"""The `cloudInit` settings of a VM: users, packages, commands, files, raw user-data, network.

Everything is checked here, before a single resource is registered, and the messages name the
field without echoing what may be a secret: a bad `userData` says what is wrong and where
(line and column), never the text around it. Passwords are `SecretStr` so that a dump of the
config (a plan, a log line) shows `**********`; the seed makes everything it renders from this
model a Pulumi secret.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import AfterValidator, ConfigDict, Field, SecretStr, field_validator, model_validator

from components.config.base import ConfigModel
from components.spec.cloud_init_seed import CLOUD_CONFIG_HEADER
from components.spec.text import check_absolute_path, check_line

_USER_NAME_RE = re.compile(r"[a-z_][a-z0-9_-]*\$?")
_MAX_USER_NAME = 32
# Every OpenSSH public key blob starts with "AAAA" (the length of its type string).
_PUBLIC_KEY_RE = re.compile(
    r"(^|\s)(ssh-[a-z0-9-]+|ecdsa-sha2-nistp\d+|sk-[a-z0-9@.-]+)\s+AAAA[A-Za-z0-9+/]+={0,3}(\s|$)"
)
_PERMISSIONS_RE = re.compile(r"0?[0-7]{3}")
_OWNER_RE = re.compile(r"[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?")

OnChange = Literal["next-boot", "replace"]
"""What a cloud-init change does to the VM: cloud-init runs again at its next boot (new
instance-id), or the VM is replaced."""


class _SecretSafeModel(ConfigModel):
    """Validation errors of these models never carry the rejected input (it may be secret)."""

    model_config = ConfigDict(hide_input_in_errors=True)


def cloud_config_of(text: str) -> dict[str, Any]:
    """The mapping of a `#cloud-config` document; ValueError saying what is wrong, and where.

    The message never quotes the document (it may hold secrets): YAML errors give the problem
    and its line and column only.
    """
    first_line = text.split("\n", 1)[0].rstrip()
    if first_line != CLOUD_CONFIG_HEADER:
        raise ValueError(
            f"must start with the line {CLOUD_CONFIG_HEADER!r} (cloud-config is the only "
            "user-data format supported here; shell scripts and MIME multipart are not)"
        )
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"is not valid YAML: {err.problem}{where}") from None
    except yaml.YAMLError as err:
        raise ValueError(f"is not valid YAML ({type(err).__name__})") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ValueError(
            f"must be a YAML mapping of cloud-config keys, not a {type(document).__name__}"
        )
    return document


def _ssh_public_key(value: str) -> str:
    if "PRIVATE KEY" in value:
        raise ValueError("is a private key; give the public key (the .pub file) instead")
    if "\n" in value or not _PUBLIC_KEY_RE.search(value):
        raise ValueError(
            "is not an OpenSSH public key line (expected e.g. 'ssh-ed25519 AAAAC3Nz… user@host')"
        )
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return check_line(value)


SshPublicKey = Annotated[str, AfterValidator(_ssh_public_key)]
NonEmpty = Annotated[str, AfterValidator(_non_empty)]


class CloudInitUser(_SecretSafeModel):
    """A user cloud-init creates: `password` is hashed (SHA-512 crypt) before it leaves Python.

    Listing users replaces the image's default user (e.g. `debian`), as in cloud-init itself.
    """

    name: str
    ssh_authorized_keys: list[SshPublicKey] = Field(default_factory=list)
    password: SecretStr | None = None
    sudo: str | list[NonEmpty] | None = None
    groups: list[NonEmpty] = Field(default_factory=list)
    shell: str | None = None

    @field_validator("name")
    @classmethod
    def _user_name(cls, value: str) -> str:
        if len(value) > _MAX_USER_NAME or not _USER_NAME_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a user name; use lowercase letters, digits, _ and - "
                f"(starting with a letter or _), at most {_MAX_USER_NAME} characters"
            )
        return value

    @field_validator("password")
    @classmethod
    def _password_given(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("must not be empty (leave it out for a user without a password)")
        return value

    @field_validator("shell")
    @classmethod
    def _absolute_shell(cls, value: str | None) -> str | None:
        return None if value is None else check_absolute_path(value)


class WriteFile(_SecretSafeModel):
    """A file cloud-init writes (`write_files`); `permissions` is octal, like '0644'."""

    path: str
    content: str
    owner: str | None = None
    permissions: str | None = None
    append: bool = False
    defer: bool = False

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        return check_absolute_path(value)

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        if value is not None and not _OWNER_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not an owner like root or www-data:www-data")
        return value

    @field_validator("permissions")
    @classmethod
    def _octal(cls, value: str | None) -> str | None:
        if value is not None and not _PERMISSIONS_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not an octal mode like '0644' (quote it in YAML)")
        return value


_STRUCTURED_KEYS = {
    "users": "users",
    "packages": "packages",
    "runcmd": "runcmd",
    "write_files": "writeFiles",
}
"""cloud-config keys the structured fields render: key (also the attribute) → config name."""


class CloudInitConfig(_SecretSafeModel):
    """cloud-init (NoCloud) for one VM.

    `userData` is raw cloud-config (it must start with `#cloud-config` and be valid YAML); the
    structured fields are added to it, and may not set a key it sets too. `networkConfig` is a
    network-config version 2 document (`version: 2`, `ethernets: …`); without it cloud-init
    configures the first NIC by DHCP. `onChange` says what a change does to the VM: cloud-init
    runs again at the next boot (`next-boot`, the default) or the VM is replaced (`replace`).
    """

    users: list[CloudInitUser] = Field(default_factory=list)
    packages: list[NonEmpty] = Field(default_factory=list)
    runcmd: list[NonEmpty | list[str]] = Field(default_factory=list)
    write_files: list[WriteFile] = Field(default_factory=list)
    user_data: SecretStr | None = None
    network_config: dict[str, Any] | None = None
    on_change: OnChange = "next-boot"

    @field_validator("user_data")
    @classmethod
    def _cloud_config(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            cloud_config_of(value.get_secret_value())
        return value

    @field_validator("network_config")
    @classmethod
    def _network_config_v2(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if set(value) == {"network"}:
            raise ValueError(
                "write the version 2 document itself (version: 2, ethernets: …), without the "
                "top-level 'network:' key"
            )
        if value.get("version") != 2:
            raise ValueError(
                f"must be network-config version 2 (version: 2), got version "
                f"{value.get('version')!r}"
            )
        return value

    @model_validator(mode="after")
    def _no_key_set_twice(self) -> Self:
        names = {u.name for u in self.users}
        if len(names) != len(self.users):
            raise ValueError("users: each user name may appear only once")
        if self.user_data is None:
            return self
        raw = cloud_config_of(self.user_data.get_secret_value())
        for key, field in _STRUCTURED_KEYS.items():
            if key in raw and getattr(self, key):
                raise ValueError(
                    f"userData sets {key!r} and so does the {field} field; set it in one place"
                )
        return self

    def raw_cloud_config(self) -> dict[str, Any]:
        """The parsed `userData` (empty when there is none)."""
        if self.user_data is None:
            return {}
        return cloud_config_of(self.user_data.get_secret_value())
