"""Machine-type predicates: which chipset a machine name means, and alias expansion."""

from __future__ import annotations

import pytest

from components.spec.domain import is_i440fx, is_q35, same_machine


@pytest.mark.parametrize("machine", ["q35", "pc-q35-7.2", "pc-q35-8.2"])
def test_q35_machines(machine: str) -> None:
    assert is_q35(machine)
    assert not is_i440fx(machine)


@pytest.mark.parametrize("machine", ["pc", "pc-i440fx-7.2", "pc-i440fx-2.12"])
def test_i440fx_machines(machine: str) -> None:
    assert is_i440fx(machine)
    assert not is_q35(machine)


@pytest.mark.parametrize("machine", ["virt", "microvm", "isapc", "pc-q35", "q35-7.2"])
def test_other_machines_are_neither(machine: str) -> None:
    assert not is_q35(machine)
    assert not is_i440fx(machine)


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        ("pc", "pc"),
        ("pc", "pc-i440fx-7.2"),
        ("q35", "pc-q35-8.0"),
        ("pc-q35-7.2", "pc-q35-7.2"),
        ("virt", "virt"),
    ],
)
def test_alias_and_its_expansion_are_the_same_machine(desired: str, live: str) -> None:
    assert same_machine(desired, live)


@pytest.mark.parametrize(
    ("desired", "live"),
    [
        ("pc", "pc-q35-7.2"),
        ("q35", "pc-i440fx-7.2"),
        ("pc-i440fx-7.2", "pc-i440fx-8.0"),
        ("pc-i440fx-7.2", "pc"),
        ("virt", "virt-7.2"),
    ],
)
def test_different_machines(desired: str, live: str) -> None:
    assert not same_machine(desired, live)
