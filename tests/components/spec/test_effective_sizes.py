"""One home for a VM's effective sizes and for "current ≤ maximum"."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from components.spec.limits import EffectiveSizes, above_maximum, effective_sizes, vm_size_problem


@dataclass(frozen=True)
class Settings:
    memory: int | None = None
    max_memory: int | None = None
    vcpus: int | None = None
    max_vcpus: int | None = None


TEMPLATE = Settings(memory=512, max_memory=2048, vcpus=1, max_vcpus=2)


def test_the_vm_overrides_the_template_field_by_field() -> None:
    assert effective_sizes(Settings(memory=768), TEMPLATE) == EffectiveSizes(768, 2048, 1, 2)


def test_a_maximum_set_nowhere_is_the_current_value() -> None:
    sizes = effective_sizes(Settings(), Settings(memory=512, vcpus=2))
    assert sizes == EffectiveSizes(512, 512, 2, 2)


def test_a_maximum_on_the_vm_wins_over_the_templates() -> None:
    sizes = effective_sizes(Settings(max_memory=4096, max_vcpus=4), TEMPLATE)
    assert (sizes.max_memory, sizes.max_vcpus) == (4096, 4)


@pytest.mark.parametrize(
    ("sizes", "above"),
    [((4096, 2048, 1, 1), "memory"), ((512, 512, 4, 2), "vcpus"), ((512, 512, 2, 2), None)],
)
def test_above_maximum(sizes: tuple[int, int, int, int], above: str | None) -> None:
    assert above_maximum(*sizes) == above


def test_the_problem_names_the_field_and_both_values() -> None:
    problem = vm_size_problem(effective_sizes(Settings(memory=4096), TEMPLATE), "q35")
    assert problem == "memory: 4096 MiB is above maxMemory 2048 MiB"
    problem = vm_size_problem(EffectiveSizes(512, 512, 1, 300), "pc-q35-7.2")
    assert problem is not None and problem.startswith("maxVcpus: 300 is above the 288")
