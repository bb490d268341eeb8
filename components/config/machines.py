"""Stack-config models of a VM's machine: generation, CPU, disks and devices.

Generations are the operator's choice of machine profile (see components/machines/generations.py):
gen1 for old guests (i440fx, SeaBIOS, SATA/IDE, e1000), gen2 for current ones (q35, UEFI,
virtio, optional Secure Boot and TPM 2.0), and `custom` to describe a VM made elsewhere as it
is (any machine, firmware, disk bus and NIC model, e.g. pc + BIOS + virtio, or q35 + BIOS).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from components.config.base import ConfigModel
from components.config.host_uri import AbsolutePath
from components.config.types import (
    CpuModel,
    DiskBytes,
    HostOrIp,
    LibvirtName,
    ListenAddress,
)

Generation = Literal["gen1", "gen2", "custom"]
Firmware = Literal["bios", "efi"]
SerialConsoleMode = Literal["logged", "plain", "none"]
"""Serial port 0: a pty logged to a file on the host (default), a plain pty, or none."""


class CpuConfig(ConfigModel):
    """The guest CPU: `host-passthrough` (fastest, not migratable between different CPUs),
    `host-model`, or a named `model` (e.g. Skylake-Server) that keeps VMs migratable."""

    mode: Literal["host-passthrough", "host-model", "custom"] = "host-model"
    model: CpuModel | None = None

    @model_validator(mode="after")
    def _model_for_custom(self) -> Self:
        if self.mode == "custom" and not self.model:
            raise ValueError("cpu.model is required with mode custom (e.g. Skylake-Server)")
        if self.mode != "custom" and self.model:
            raise ValueError(f"cpu.model {self.model!r} needs mode custom")
        return self


class GraphicsConfig(ConfigModel):
    """A VNC or SPICE console. It listens on loopback unless `listen` says otherwise, and
    listening beyond loopback needs a `password` (kept as a Pulumi secret)."""

    type: Literal["vnc", "spice"] = "vnc"
    listen: ListenAddress = "127.0.0.1"
    password: str | None = Field(default=None, min_length=1, max_length=8)
    """At most 8 characters: VNC authentication uses only the first 8."""

    @field_validator("password", mode="before")
    @classmethod
    def _printable_password(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"must be text, not a {type(value).__name__} (quote it in YAML)")
        if isinstance(value, str) and not value.isprintable():
            raise ValueError("may hold only printable characters (it goes into the domain XML)")
        return value

    @model_validator(mode="after")
    def _password_off_loopback(self) -> Self:
        if self.listen not in ("127.0.0.1", "::1", "localhost") and not self.password:
            raise ValueError(
                f"graphics.listen {self.listen!r} is beyond loopback: set graphics.password"
            )
        return self


class DataDiskConfig(ConfigModel):
    """An extra disk (an empty volume) that outlives replacements of the VM."""

    name: LibvirtName
    size: DiskBytes
    bus: Literal["virtio", "sata", "scsi"] | None = None
    format: Literal["qcow2", "raw"] = "qcow2"
    cache: Literal["none", "writeback", "writethrough", "directsync", "unsafe"] | None = None
    retain_on_delete: bool | None = None
    """Keep the volume when the VM (or the stack) goes; default: the stack's
    `defaults.retainDataDisks`."""
    libvirt_name: LibvirtName | None = None
    """The volume's name in libvirt; default `<the VM's libvirt name>-<name>.<format>`."""


class ExistingDiskConfig(ConfigModel):
    """A file or block device the VM has and the stack attaches as it is, never creating,
    resizing or deleting it (e.g. the cloud-init ISO of a VM taken over from pulumi-libvirt)."""

    path: AbsolutePath
    type: Literal["file", "block"] = "file"
    device: Literal["disk", "cdrom"] = "disk"
    format: Literal["qcow2", "raw"] = "raw"
    bus: Literal["virtio", "sata", "scsi", "ide"] = "virtio"
    target: str | None = Field(default=None, pattern=r"^(vd|sd|hd)[a-z]$")
    """The guest's name for it (vdb, hdd…); default: the next free one on its bus."""


class DefaultsConfig(ConfigModel):
    """Stack-wide defaults (prod typically retains data disks)."""

    retain_data_disks: bool = False


class MigrationConfig(ConfigModel):
    """How a VM moves when its host changes (live when running, offline when stopped)."""

    bandwidth_mib: int | None = Field(default=None, gt=0, le=2**31 - 1)
    """Limit in MiB/s; default: unlimited."""
    auto_converge: bool = False
    """Throttle the guest's vCPUs when memory changes faster than it can be copied."""
    post_copy: bool = False
    """Allow switching to post-copy when the timeout is reached (finishes, never aborts)."""
    timeout_seconds: int = Field(default=600, gt=0, le=7 * 86400)
    """Abort (or switch to post-copy) a live migration that takes longer."""
    tunnelled: bool = False
    """Send the migration data through the libvirt connection (e.g. over SSH)."""
    address: HostOrIp | None = None
    """The destination's address for migration data (default: its hostname)."""
    listen_address: HostOrIp | None = None
    """The address the destination's QEMU listens on for migration data."""
    unsafe: bool = False
    """Migrate although libvirt cannot tell the storage is shared (a local directory)."""
