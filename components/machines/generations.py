"""Machine profiles: what generation 1 and generation 2 mean on KVM.

| | gen1 | gen2 |
|---|---|---|
| machine | i440fx (`pc`) | q35 |
| firmware | SeaBIOS | UEFI (OVMF), optional Secure Boot (SMM) |
| disks / CD-ROM | SATA / IDE | virtio / SATA |
| NIC | e1000 | virtio |
| extras | — | virtio RNG, optional TPM 2.0 (swtpm) |

gen1 suits old guests without virtio drivers; gen2 is faster and needs a current guest.
`custom` describes a VM made elsewhere as it is: its machine, firmware, disk bus, NIC model
and RNG are the template's own (e.g. pulumi-libvirt's pc + BIOS + virtio + RNG, or q35 +
BIOS), with no generation's rules imposed on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from components.config.machines import Generation
from components.spec.domain import DiskBus, NicModel, is_q35
from components.spec.limits import disk_target_suffix

if TYPE_CHECKING:
    from components.config.stack import TemplateSettings

CdromBus = Literal["ide", "sata"]


@dataclass(frozen=True)
class MachineProfile:
    """Devices and firmware a generation stands for."""

    generation: Generation
    machine: str
    firmware: Literal["efi"] | None
    disk_bus: DiskBus
    cdrom_bus: CdromBus
    nic_model: NicModel
    rng: bool

    @staticmethod
    def disk_target(bus: DiskBus, index: int) -> str:
        """Target name of the `index`-th disk on `bus` (vda, vdb… / sda, sdb… / hda…)."""
        return target_prefix(bus) + disk_target_suffix(index)


def target_prefix(bus: DiskBus) -> str:
    """Disks on one bus share a name prefix (and a counter): vd (virtio), hd (ide), sd."""
    return {"virtio": "vd", "ide": "hd"}.get(bus, "sd")


PROFILES: dict[str, MachineProfile] = {
    "gen1": MachineProfile("gen1", "pc", None, "sata", "ide", "e1000", rng=False),
    "gen2": MachineProfile("gen2", "q35", "efi", "virtio", "sata", "virtio", rng=True),
}


def profile(generation: Generation) -> MachineProfile:
    """The machine profile of gen1 or gen2 (`custom` is per template: see profile_of)."""
    return PROFILES[generation]


def profile_of(settings: TemplateSettings) -> MachineProfile:
    """A template's machine profile: its generation's, or (custom) its own settings."""
    if settings.generation != "custom":
        return PROFILES[settings.generation]
    machine = settings.machine or "pc"
    return MachineProfile(
        "custom",
        machine,
        "efi" if settings.firmware == "efi" else None,
        settings.disk_bus or "virtio",
        "sata" if is_q35(machine) else "ide",
        settings.nic_model or "virtio",
        rng=bool(settings.rng),
    )


HOST_PACKAGES = {
    "efi": "ovmf",
    "secure_boot": "ovmf (Secure Boot firmware: OVMF_CODE_4M.secboot.fd)",
    "tpm": "swtpm and swtpm-tools",
}
"""What to install on a Debian/Ubuntu host when a generation's piece is missing."""
