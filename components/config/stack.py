"""The stack configuration model: hosts, pools, networks, templates and VMs.

`stacks/Pulumi.<stack>.yaml` holds one key per section under the project's namespace
(`kvm-estate:hosts`, `kvm-estate:vms`, …). Everything is checked here, before a single
resource is registered: a bad value fails `pulumi preview` with its config path.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from components.config.base import ConfigModel
from components.config.host_uri import AbsolutePath, SshConfig, check_ssh_options
from components.config.machines import (
    CpuConfig,
    DataDiskConfig,
    DefaultsConfig,
    ExistingDiskConfig,
    Firmware,
    Generation,
    GraphicsConfig,
    MigrationConfig,
    SerialConsoleMode,
)
from components.config.networks import NetworkConfig
from components.config.types import (
    DiskBytes,
    Ipv4Address,
    KernelCmdline,
    LibvirtName,
    LibvirtUri,
    Line,
    MacAddress,
    MachineType,
    MemoryMiB,
)
from components.machines.cloud_init.config import CloudInitConfig
from components.spec.domain import BootDevice, is_i440fx, is_q35
from components.spec.limits import MAX_DATA_DISKS, MAX_NICS, MAX_VCPUS_ANY
from components.spec.snapshot_policy import SnapshotPolicySettings


class HostConfig(ConfigModel):
    """A KVM host reached through libvirt."""

    uri: LibvirtUri
    ssh: SshConfig | None = None
    """qemu+ssh / qemu+libssh hosts: user, port, keyFile, knownHosts, noVerify."""
    domain_type: Literal["auto", "kvm", "qemu"] = "auto"
    memory_overcommit: float = Field(default=1.0, gt=0, le=100, allow_inf_nan=False)
    """VMs' memory may add up to this many times the host's RAM."""
    vcpu_overcommit: float = Field(default=4.0, gt=0, le=100, allow_inf_nan=False)
    """VMs' vCPUs may add up to this many times the host's CPUs."""
    shared_storage: AbsolutePath | None = None
    """A directory every host that declares it sees as the same files (NFS, Ceph FS…):
    pools under it are shared, so VMs migrate without copying their disks."""
    maintenance: bool = False
    """Move every VM off this host (to the other hosts with room) and place none on it."""
    down: bool = False
    """The host is down on purpose: nothing on it is read or changed; its resources are
    left as they are (an unreachable host not marked down fails the preview)."""

    @model_validator(mode="after")
    def _ssh_fits_uri(self) -> Self:
        check_ssh_options(self.uri, self.ssh)
        return self


class PoolConfig(ConfigModel):
    """A directory storage pool, made on each of `hosts` (default: every host)."""

    path: AbsolutePath
    hosts: list[LibvirtName] | None = Field(default=None, min_length=1)
    libvirt_name: LibvirtName | None = None
    adopt: bool = False
    """Take over an existing libvirt object of this name (made by another tool or by hand):
    our settings are merged into it, devices we do not model are kept."""


class ImageConfig(ConfigModel):
    """A base disk image: a local file on the machine running Pulumi, an http(s) URL, or a
    `volume` already in the template's pool (adopted as it is, e.g. a pulumi-libvirt base)."""

    path: AbsolutePath | None = None
    url: Line | None = None
    volume: LibvirtName | None = None
    """The libvirt name of an existing base volume in the template's pool."""
    size: DiskBytes | None = None
    """The existing volume's virtual size (only with `volume`)."""
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    format: Literal["qcow2", "raw"] = "qcow2"

    @model_validator(mode="after")
    def _one_location(self) -> Self:
        if sum(x is not None for x in (self.path, self.url, self.volume)) != 1:
            raise ValueError(
                "an image needs exactly one of path and url (or volume: an existing base volume)"
            )
        if (self.volume is None) != (self.size is None):
            raise ValueError("size goes with volume (the existing volume's virtual size)")
        if self.url is not None and (
            not self.url.startswith(("http://", "https://")) or " " in self.url
        ):
            raise ValueError(f"url {self.url!r} must start with http:// or https:// (no spaces)")
        return self


class TemplateSettings(ConfigModel):
    """What VMs made from a template share: image, machine profile, sizes."""

    image: ImageConfig
    retained_images: list[ImageConfig] = Field(default_factory=list)
    """Earlier images whose base volumes stay while VMs built from them are not rebuilt."""
    generation: Generation = "gen2"
    gen1_reason: Line | None = None
    """Why this template needs gen1 (old guest OS…), or a custom BIOS/i440fx machine; the
    policy pack asks for one."""
    machine: MachineType | None = None
    """A pinned machine type (e.g. pc-q35-7.2); default: the generation's (q35 / pc)."""
    firmware: Firmware | None = None
    """generation custom: bios (default) or efi."""
    disk_bus: Literal["virtio", "sata", "scsi", "ide"] | None = None
    """generation custom: the disks' bus (default virtio)."""
    nic_model: Literal["virtio", "e1000", "e1000e", "rtl8139"] | None = None
    """generation custom: the NICs' model (default virtio)."""
    rng: bool | None = None
    """generation custom: a virtio RNG (default: none)."""
    serial_console: SerialConsoleMode = "logged"
    secure_boot: bool = False
    tpm: bool = False
    cpu: CpuConfig | None = None
    graphics: GraphicsConfig | None = None
    cloud_init: CloudInitConfig | None = None
    """cloud-init (NoCloud seed) for every VM of the template; a VM's own replaces it."""
    guest_agent: bool = True
    boot_order: list[BootDevice] = Field(default_factory=lambda: list[BootDevice](["hd"]))
    memory: MemoryMiB = 1024
    max_memory: MemoryMiB | None = None
    vcpus: int = Field(default=1, gt=0, le=MAX_VCPUS_ANY)
    max_vcpus: int | None = Field(default=None, gt=0, le=MAX_VCPUS_ANY)
    disk_size: DiskBytes | None = None
    kernel: AbsolutePath | None = None
    initrd: AbsolutePath | None = None
    cmdline: KernelCmdline | None = None

    @model_validator(mode="after")
    def _generation_fits(self) -> Self:
        custom_only = {
            "firmware": self.firmware,
            "diskBus": self.disk_bus,
            "nicModel": self.nic_model,
            "rng": self.rng,
        }
        if self.generation == "custom":
            if self.machine is None:
                raise ValueError("generation custom needs machine (e.g. pc or pc-q35-7.2)")
            if self.secure_boot and self.firmware != "efi":
                raise ValueError("secureBoot needs firmware efi")
            return self
        for key, value in custom_only.items():
            if value is not None:
                raise ValueError(
                    f"{key} is part of generation {self.generation}; set generation custom "
                    "to choose it"
                )
        if self.generation == "gen1":
            if self.secure_boot:
                raise ValueError("secureBoot needs generation gen2 (UEFI)")
            if self.tpm:
                raise ValueError("tpm needs generation gen2")
        if self.machine is not None:
            family = "q35" if self.generation == "gen2" else "i440fx (pc)"
            ok = is_q35(self.machine) if self.generation == "gen2" else is_i440fx(self.machine)
            if not ok:
                raise ValueError(
                    f"machine {self.machine!r} does not fit generation {self.generation} "
                    f"({family} machines)"
                )
        return self


class TemplateConfig(TemplateSettings):
    """A template in the stack config: its settings plus the pool its image goes to."""

    pool: str


class NicConfig(ConfigModel):
    """A NIC on one of the stack's networks; the MAC is derived unless given.

    `ip` (on nat, isolated and routed networks) becomes a DHCP reservation for the NIC.
    """

    network: str
    ip: Ipv4Address | None = None
    mac: MacAddress | None = None
    model: Literal["virtio", "e1000", "e1000e", "rtl8139"] | None = None
    """Default: the generation's (e1000 for gen1, virtio for gen2)."""


class VmSettings(ConfigModel):
    """Per-VM settings; sizes left unset come from the template."""

    memory: MemoryMiB | None = None
    max_memory: MemoryMiB | None = None
    vcpus: int | None = Field(default=None, gt=0, le=MAX_VCPUS_ANY)
    max_vcpus: int | None = Field(default=None, gt=0, le=MAX_VCPUS_ANY)
    disk_size: DiskBytes | None = None
    cmdline: KernelCmdline | None = None
    running: bool = True
    autostart: bool = False
    restart_policy: Literal["auto", "manual"] = "auto"
    shutdown_timeout_seconds: int = Field(default=60, ge=0, le=86400)
    data_disks: list[DataDiskConfig] = Field(default_factory=list, max_length=MAX_DATA_DISKS)
    existing_disks: list[ExistingDiskConfig] = Field(default_factory=list)
    """Files or devices attached as they are (after the data disks), never managed."""
    cloud_init: CloudInitConfig | None = None
    migration: MigrationConfig = Field(default_factory=MigrationConfig)
    delete_snapshots: bool = False
    """Deleting the VM deletes its snapshots too (otherwise a VM with snapshots is kept)."""
    rebuild: int = Field(default=0, ge=0, le=2**31 - 1)
    """Bump to rebuild the root disk from the template's current image (its data is lost;
    data disks are kept)."""
    libvirt_name: LibvirtName | None = None
    """The domain's name in libvirt (default `<stack>-<name>`); its disks and seed are
    named after it."""
    root_disk_libvirt_name: LibvirtName | None = None
    """The root volume's name in libvirt; default `<the VM's libvirt name>-root.qcow2`."""
    adopt: bool = False
    """Take over an existing domain, root and data disks and seed of these names (made by
    another tool or by hand) instead of refusing them."""

    @model_validator(mode="after")
    def _unique_data_disks(self) -> Self:
        names = [d.name for d in self.data_disks]
        if len(set(names)) != len(names):
            raise ValueError(f"dataDisks: names must be unique, got {names}")
        if "root" in names:
            raise ValueError(
                f"dataDisks[{names.index('root')}].name: 'root' is the VM's root disk; "
                "name the data disk otherwise"
            )
        return self


class VmConfig(VmSettings):
    """A VM in the stack config: a template, a host, NICs, and its own settings."""

    name: LibvirtName
    template: str
    host: str | None = None
    nics: list[NicConfig] = Field(default_factory=list, max_length=MAX_NICS)
    snapshot_policy: str | None = None
    """The name of one of the stack's `snapshotPolicies`."""


class StackConfig(ConfigModel):
    """The whole estate of one stack."""

    hosts: dict[LibvirtName, HostConfig]
    pools: dict[LibvirtName, PoolConfig] = Field(default_factory=dict)
    networks: dict[LibvirtName, NetworkConfig] = Field(default_factory=dict)
    templates: dict[LibvirtName, TemplateConfig] = Field(default_factory=dict)
    vms: list[VmConfig] = Field(default_factory=list)
    defaults: DefaultsConfig = Field(default_factory=DefaultsConfig)
    snapshot_policies: dict[LibvirtName, SnapshotPolicySettings] = Field(default_factory=dict)

    @field_validator("hosts")
    @classmethod
    def _some_host(cls, hosts: dict[str, HostConfig]) -> dict[str, HostConfig]:
        if not hosts:
            raise ValueError("at least one host is needed (every pool, network and VM is on one)")
        return hosts

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Self:
        from components.config.references import check_references

        context = info.context if isinstance(info.context, dict) else {}
        check_references(self, str(context.get("stack") or ""))
        return self

    def host_of(self, vm: VmConfig) -> str:
        """The VM's host: named, or the only host of the stack."""
        return vm.host if vm.host is not None else next(iter(self.hosts))

    def hosts_of(self, declared: list[str] | None) -> list[str]:
        """Hosts a pool or network is made on: those declared, or all of them."""
        return list(declared) if declared is not None else list(self.hosts)
