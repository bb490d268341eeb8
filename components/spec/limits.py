"""What libvirt and QEMU accept for a VM's sizes and counts: one home for each limit.

The config, the components and the specs all call these, so a VM too big for QEMU is refused
at preview with the limit named, not by libvirt halfway through an apply.
"""

from __future__ import annotations

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


def vm_size_problem(
    memory: int, max_memory: int, vcpus: int, max_vcpus: int, machine: str
) -> str | None:
    """What is wrong with a VM's effective sizes (`memory: …`), or None; the caller adds
    whose sizes they are (a config path or a component)."""
    if memory > max_memory:
        return f"memory: {memory} MiB is above maxMemory {max_memory} MiB"
    if vcpus > max_vcpus:
        return f"vcpus: {vcpus} is above maxVcpus {max_vcpus}"
    limit = max_vcpus_of(machine)
    if max_vcpus > limit:
        return f"maxVcpus: {max_vcpus} is above the {limit} vCPUs QEMU allows machine {machine!r}"
    return None
