"""libvirt object names and Linux bridge names: what is accepted, what is refused and why."""

from __future__ import annotations

import re

import pytest

from components.spec.names import (
    MAX_BRIDGE_NAME_LENGTH,
    MAX_NAME_LENGTH,
    check_bridge_name,
    check_libvirt_name,
    default_libvirt_name,
)


@pytest.mark.parametrize("name", ["web", "dev-web-1", "Web_1.example+2", "9lives", "a" * 64])
def test_good_libvirt_names_pass_unchanged(name: str) -> None:
    assert check_libvirt_name(name) == name


def test_name_longer_than_64_is_refused_with_its_length() -> None:
    name = "a" * (MAX_NAME_LENGTH + 1)
    with pytest.raises(ValueError, match=rf"'{name}' is 65 characters long"):
        check_libvirt_name(name)


@pytest.mark.parametrize("name", ["a/b", "web 1", "-web", ".hidden", "_x", "web$", "wéb"])
def test_bad_characters_are_refused_naming_the_name(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        check_libvirt_name(name)


def test_empty_name_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        check_libvirt_name("")


@pytest.mark.parametrize("name", ["br0", "virbr-dev", "b" * MAX_BRIDGE_NAME_LENGTH])
def test_good_bridge_names_pass(name: str) -> None:
    assert check_bridge_name(name) == name


def test_bridge_name_longer_than_15_is_refused() -> None:
    name = "b" * 16
    with pytest.raises(ValueError, match=rf"'{name}' is 16 characters long; Linux allows .* 15"):
        check_bridge_name(name)


@pytest.mark.parametrize("name", ["br 0", "br/0", "-br0", "br+0", ""])
def test_bad_bridge_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        check_bridge_name(name)


def test_default_name_is_stack_dash_logical_name() -> None:
    assert default_libvirt_name("dev", "web-1") == "dev-web-1"
