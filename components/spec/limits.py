"""What libvirt and QEMU accept for a VM's sizes and counts: one home for each limit.

The config, the components and the specs all call these, so a VM too big for QEMU is refused
at preview with the limit named, not by libvirt halfway through an apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from components.spec.sizes import MIB, TIB

MAX_MEMORY_MIB = 16 * TIB // MIB
"""16 TiB: beyond what an x86-64 KVM guest can address with common CPUs (46 physical bits
give 64 TiB of address space, shared with devices)."""
MAX_DISK_BYTES = 2 * 1024 * TIB
"""2 PiB: qcow2's limit with its default 64 KiB clusters (32 MiB of L1 table)."""
MAX_VCPUS = {"q35": 288, "pc": 255}
"""QEMU's `max_cpus` of the machine families (q35 since QEMU 7.1, i440fx)."""
MAX_VCPUS_ANY = max(MAX_VCPUS.values())
MAX_DATA_DISKS = 64
"""Data disks per VM: every virtio disk takes a PCIe slot; libvirt adds root ports for them."""
MAX_NICS = 32


def max_vcpus_of(machine: str) -> int:
    """The vCPU limit of a machine type (`pc-q35-7.2` → the q35 limit)."""
    return MAX_VCPUS["q35"] if "q35" in machine else MAX_VCPUS["pc"]


def disk_target_suffix(index: int) -> str:
    """The letters after a disk target's prefix, as libvirt counts: a…z, aa…az, ba…"""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[rest] + letters
    return letters


class Sized(Protocol):
    """What a VM's or a template's settings say about sizes (None: not set there)."""

    @property
    def memory(self) -> int | None: ...
    @property
    def max_memory(self) -> int | None: ...
    @property
    def vcpus(self) -> int | None: ...
    @property
    def max_vcpus(self) -> int | None: ...


@dataclass(frozen=True)
class EffectiveSizes:
    """A VM's sizes as it runs: its own setting, else its template's; a maximum not set
    anywhere is the current value (no growth room)."""

    memory: int
    max_memory: int
    vcpus: int
    max_vcpus: int


def effective_sizes(vm: Sized, template: Sized) -> EffectiveSizes:
    """The one place the VM → template fallback is decided (config checks, placement and
    the domain spec all call it)."""
    memory = vm.memory or template.memory
    vcpus = vm.vcpus or template.vcpus
    if memory is None or vcpus is None:
        raise ValueError("memory and vcpus are set on the template or the VM")
    return EffectiveSizes(
        memory=memory,
        max_memory=vm.max_memory or template.max_memory or memory,
        vcpus=vcpus,
        max_vcpus=vm.max_vcpus or template.max_vcpus or vcpus,
    )


def above_maximum(
    memory: int, max_memory: int, vcpus: int, max_vcpus: int
) -> Literal["memory", "vcpus"] | None:
    """Which current value is above its maximum (memory first), or None: the rule
    "current ≤ maximum" that the config, the components and the domain spec share."""
    if memory > max_memory:
        return "memory"
    if vcpus > max_vcpus:
        return "vcpus"
    return None


def vm_size_problem(sizes: EffectiveSizes, machine: str) -> str | None:
    """What is wrong with a VM's effective sizes (`memory: …`), or None; the caller adds
    whose sizes they are (a config path or a component)."""
    above = above_maximum(sizes.memory, sizes.max_memory, sizes.vcpus, sizes.max_vcpus)
    if above == "memory":
        return f"memory: {sizes.memory} MiB is above maxMemory {sizes.max_memory} MiB"
    if above == "vcpus":
        return f"vcpus: {sizes.vcpus} is above maxVcpus {sizes.max_vcpus}"
    limit = max_vcpus_of(machine)
    if sizes.max_vcpus > limit:
        return (
            f"maxVcpus: {sizes.max_vcpus} is above the {limit} vCPUs QEMU allows machine "
            f"{machine!r}"
        )
    return None
