"""A libvirt domain (VM) as a typed spec, and its XML.

Memory and vCPUs come as current and maximum so growth up to the maximum can happen live
(balloon, vCPU hotplug); the maximum itself only changes at the next boot. Disks reference
pool volumes (`type='volume'`), so the same definition works on any host that has a pool of
the same name — which is what moving a VM between hosts needs. The domain provider writes
a file-backed volume as the file it is (`type='file'`), so the host's confinement (DAC,
AppArmor's virt-aa-helper) sees it and its backing chain; see providers/disk_files.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from lxml import etree
from pydantic import Field, model_validator

from components.spec.limits import above_maximum
from components.spec.ownership import OWNER_TAG, Ownership
from components.spec.snapshot_policy import (
    POLICY_TAG,
    SnapshotPolicySpec,
    check_policy_fits_disks,
)
from components.spec.xmlbind import X, XmlModel

DomainType = Literal["kvm", "qemu", "auto"]
"""`auto`: kvm where the host really has hardware virtualisation, else qemu (TCG)."""
RestartPolicy = Literal["auto", "manual"]
"""`auto`: restart the VM to apply changes that need it; `manual`: report them pending."""
DiskBus = Literal["virtio", "sata", "scsi", "ide", "usb"]
DiskFormat = Literal["qcow2", "raw"]
CacheMode = Literal["none", "writeback", "writethrough", "directsync", "unsafe", "default"]
NicModel = Literal["virtio", "e1000", "e1000e", "rtl8139"]
BootDevice = Literal["hd", "cdrom", "network"]
LifecycleAction = Literal["destroy", "restart", "preserve", "rename-restart"]

_MAC_RE = re.compile(r"([0-9a-f]{2}:){5}[0-9a-f]{2}")


class Disk(XmlModel):
    """A disk or CD-ROM backed by a pool volume (or, for adopted VMs, a plain file)."""

    match_key = "target"

    type: Annotated[Literal["volume", "file", "block"], X("@type")] = "volume"
    device: Annotated[Literal["disk", "cdrom"], X("@device")] = "disk"
    driver: Annotated[Literal["qemu"], X("driver/@name")] = "qemu"
    format: Annotated[DiskFormat, X("driver/@type")] = "qcow2"
    cache: Annotated[CacheMode | None, X("driver/@cache")] = None
    pool: Annotated[str | None, X("source/@pool")] = None
    volume: Annotated[str | None, X("source/@volume")] = None
    file: Annotated[str | None, X("source/@file")] = None
    target: Annotated[str, X("target/@dev")]
    bus: Annotated[DiskBus, X("target/@bus")] = "virtio"
    readonly: Annotated[bool, X("readonly", flag=True)] = False

    @model_validator(mode="after")
    def _source_matches_type(self) -> Disk:
        if self.type == "volume" and not (self.pool and self.volume):
            raise ValueError(f"disk {self.target}: a volume disk needs pool and volume")
        if self.type in ("file", "block") and not self.file:
            raise ValueError(f"disk {self.target}: a {self.type} disk needs a file path")
        return self


class Interface(XmlModel):
    """A NIC on a libvirt network, a host bridge, or a host NIC (macvtap)."""

    match_key = "mac"

    type: Annotated[Literal["network", "bridge", "direct"], X("@type")] = "network"
    mac: Annotated[str | None, X("mac/@address")] = None
    network: Annotated[str | None, X("source/@network")] = None
    bridge: Annotated[str | None, X("source/@bridge")] = None
    dev: Annotated[str | None, X("source/@dev")] = None
    model: Annotated[NicModel, X("model/@type")] = "virtio"

    @model_validator(mode="after")
    def _source_matches_type(self) -> Interface:
        needed = {"network": self.network, "bridge": self.bridge, "direct": self.dev}[self.type]
        if not needed:
            raise ValueError(f"a {self.type} interface needs its source ({self.type} name)")
        if self.mac is not None and not _MAC_RE.fullmatch(self.mac):
            raise ValueError(f"mac {self.mac!r} is not a MAC address like 52:54:00:12:34:56")
        return self


class SerialConsole(XmlModel):
    """Serial port 0 as a pty (for `virsh console`), logged to a file on the host."""

    type: Annotated[Literal["pty"], X("@type")] = "pty"
    log_file: Annotated[str | None, X("log/@file")] = None
    log_append: Annotated[bool | None, X("log/@append", true="on", false="off")] = None
    port: Annotated[int, X("target/@port")] = 0


class Tpm(XmlModel):
    """A TPM 2.0 emulated by swtpm (the host needs the swtpm package)."""

    model: Annotated[Literal["tpm-crb", "tpm-tis"], X("@model")] = "tpm-crb"
    backend: Annotated[Literal["emulator"], X("backend/@type")] = "emulator"
    version: Annotated[Literal["2.0"], X("backend/@version")] = "2.0"


class Rng(XmlModel):
    """A virtio RNG fed from the host's /dev/urandom (fast entropy for new guests)."""

    model: Annotated[Literal["virtio"], X("@model")] = "virtio"
    backend: Annotated[Literal["random"], X("backend/@model")] = "random"
    source: Annotated[str, X("backend")] = "/dev/urandom"


class Graphics(XmlModel):
    """A VNC or SPICE console; listens on loopback unless told otherwise."""

    type: Annotated[Literal["vnc", "spice"], X("@type")] = "vnc"
    autoport: Annotated[bool, X("@autoport")] = True
    password: Annotated[str | None, X("@passwd")] = None
    listen_type: Annotated[Literal["address"], X("listen/@type")] = "address"
    listen: Annotated[str, X("listen/@address")] = "127.0.0.1"


class GuestAgentChannel(XmlModel):
    """The virtio-serial channel the QEMU guest agent talks on (IPs, quiesced snapshots)."""

    type: Annotated[Literal["unix"], X("@type")] = "unix"
    target_type: Annotated[Literal["virtio"], X("target/@type")] = "virtio"
    target_name: Annotated[Literal["org.qemu.guest_agent.0"], X("target/@name")] = (
        "org.qemu.guest_agent.0"
    )


class MigrationSettings(XmlModel):
    """How the domain provider moves the VM when its host changes (not part of the XML)."""

    shared_storage: bool = False
    bandwidth_mib: int | None = None
    auto_converge: bool = False
    post_copy: bool = False
    timeout_seconds: int = 600
    tunnelled: bool = False
    address: str | None = None
    listen_address: str | None = None
    unsafe: bool = False


class CloudInitState(XmlModel):
    """The seed's instance-id (changes with its content) and the VM's cloud-init policy."""

    instance_id: str
    on_change: Literal["next-boot", "replace"] = "next-boot"


class DomainSpec(XmlModel):
    """What we ask libvirt for a VM: the XML-bound fields plus lifecycle settings."""

    xml_tag = "domain"

    domain_type: Annotated[DomainType, X("@type")] = "qemu"
    name: Annotated[str, X("name")]
    ownership: Annotated[Ownership | None, X(f"metadata/{OWNER_TAG}")] = None
    snapshot_policy: Annotated[SnapshotPolicySpec | None, X(f"metadata/{POLICY_TAG}")] = None
    max_memory_mib: Annotated[int, X("memory", unit="MiB", read_unit="KiB"), Field(gt=0)]
    memory_mib: Annotated[int, X("currentMemory", unit="MiB", read_unit="KiB"), Field(gt=0)]
    max_vcpus: Annotated[int, X("vcpu"), Field(gt=0)]
    vcpus: Annotated[int, X("vcpu/@current"), Field(gt=0)]
    os_type: Annotated[Literal["hvm"], X("os/type")] = "hvm"
    arch: Annotated[str, X("os/type/@arch")] = "x86_64"
    machine: Annotated[str, X("os/type/@machine")] = "pc"
    firmware: Annotated[Literal["efi"] | None, X("os/@firmware")] = None
    kernel: Annotated[str | None, X("os/kernel")] = None
    initrd: Annotated[str | None, X("os/initrd")] = None
    cmdline: Annotated[str | None, X("os/cmdline")] = None
    boot_devices: Annotated[list[BootDevice], X("os/boot/@dev")] = Field(
        default_factory=lambda: list[BootDevice](["hd"])
    )
    acpi: Annotated[bool, X("features/acpi", flag=True)] = True
    apic: Annotated[bool, X("features/apic", flag=True)] = True
    cpu_mode: Annotated[
        Literal["host-passthrough", "host-model", "custom"] | None, X("cpu/@mode")
    ] = None
    cpu_model: Annotated[str | None, X("cpu/model")] = None
    on_poweroff: Annotated[LifecycleAction, X("on_poweroff")] = "destroy"
    on_reboot: Annotated[LifecycleAction, X("on_reboot")] = "restart"
    on_crash: Annotated[LifecycleAction, X("on_crash")] = "destroy"
    disks: Annotated[list[Disk], X("devices/disk")] = Field(default_factory=list)
    interfaces: Annotated[list[Interface], X("devices/interface")] = Field(default_factory=list)
    serial: Annotated[SerialConsole | None, X("devices/serial")] = None
    guest_agent: Annotated[GuestAgentChannel | None, X("devices/channel")] = None
    graphics: Annotated[Graphics | None, X("devices/graphics")] = None
    rng: Annotated[Rng | None, X("devices/rng")] = None
    tpm: Annotated[Tpm | None, X("devices/tpm")] = None
    secure_boot: bool = False
    """UEFI Secure Boot with Microsoft keys enrolled (written by `write_extra`; needs SMM)."""
    # Lifecycle settings libvirt keeps outside the XML.
    autostart: bool = False
    running: bool = True
    restart_policy: RestartPolicy = "auto"
    shutdown_timeout_seconds: Annotated[int, Field(ge=0)] = 60
    migration: MigrationSettings | None = None
    host_name: str | None = None
    """The KvmHost's name, so previews say `migrate hv1 → hv2` rather than two URIs."""
    cloud_init: CloudInitState | None = None
    """Which cloud-init seed the VM has, and what a change of it means (onChange)."""
    gen1_reason: str | None = None
    """Why a gen1 VM is gen1 (reviewers and the policy pack read it)."""
    keeps_disks: bool | None = None
    """True: data disks outlive the VM, so deleting it shuts the guest down gracefully first
    (`shutdown_timeout_seconds`, then forced off); otherwise it is powered off at once."""
    delete_snapshots: bool | None = None
    """True: deleting the domain deletes its snapshots too (otherwise such a delete is refused)."""

    def write_extra(self, element: etree._Element) -> None:
        """UEFI firmware features: Secure Boot (with enrolled keys and SMM) on or off."""
        if self.firmware != "efi":
            return
        os_element = element.find("os")
        assert os_element is not None
        firmware = etree.SubElement(os_element, "firmware")
        state = "yes" if self.secure_boot else "no"
        for feature in ("secure-boot", "enrolled-keys"):
            etree.SubElement(firmware, "feature", enabled=state, name=feature)
        if self.secure_boot:
            features = element.find("features")
            if features is None:
                features = etree.SubElement(element, "features")
            etree.SubElement(features, "smm", state="on")

    @classmethod
    def read_extra(cls, element: etree._Element) -> dict[str, Any]:
        """vCPUs when libvirt leaves out `current` (all online); the Secure Boot feature."""
        extra: dict[str, Any] = {}
        vcpu = element.find("vcpu")
        if vcpu is not None and vcpu.get("current") is None and vcpu.text:
            extra["vcpus"] = int(vcpu.text)
        secure = element.find("os/firmware/feature[@name='secure-boot']")
        if secure is not None:
            extra["secure_boot"] = secure.get("enabled") == "yes"
        elif element.find("os/loader[@secure='yes']") is not None:
            extra["secure_boot"] = True
        return extra

    @model_validator(mode="after")
    def _current_within_maximum(self) -> DomainSpec:
        above = above_maximum(self.memory_mib, self.max_memory_mib, self.vcpus, self.max_vcpus)
        if above == "memory":
            raise ValueError(
                f"memoryMib {self.memory_mib} is above maxMemoryMib {self.max_memory_mib}"
            )
        if above == "vcpus":
            raise ValueError(f"vcpus {self.vcpus} is above maxVcpus {self.max_vcpus}")
        if self.secure_boot and self.firmware != "efi":
            raise ValueError("secureBoot needs firmware efi (generation gen2)")
        targets = [d.target for d in self.disks]
        if len(set(targets)) != len(targets):
            raise ValueError(f"disk targets must be unique, got {targets}")
        if self.snapshot_policy is not None:
            check_policy_fits_disks(self.snapshot_policy, self.disks)
        return self


def is_q35(machine: str) -> bool:
    """q35 (PCIe) machines: `q35` or a versioned `pc-q35-7.2`."""
    return machine == "q35" or machine.startswith("pc-q35-")


def is_i440fx(machine: str) -> bool:
    """i440fx (PCI) machines: `pc` or a versioned `pc-i440fx-7.2`."""
    return machine == "pc" or machine.startswith("pc-i440fx-")


def same_machine(desired: str, live: str) -> bool:
    """libvirt expands machine aliases on define (`pc` → `pc-i440fx-7.2`); both are equal."""
    if desired == live:
        return True
    if desired == "pc":
        return is_i440fx(live)
    if desired == "q35":
        return is_q35(live)
    return False
