"""The stack configuration model: hosts, pools, networks, templates and VMs.

`stacks/Pulumi.<stack>.yaml` holds one key per section under the project's namespace
(`kvm-estate:hosts`, `kvm-estate:vms`, …). Everything is checked here, before a single
resource is registered: a bad value fails `pulumi preview` with its config path.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from components.config.base import ConfigModel
from components.config.networks import MacAddress, NetworkConfig
from components.config.types import (
    DiskBytes,
    Ipv4Address,
    LibvirtName,
    LibvirtUri,
    MemoryMiB,
)


class HostConfig(ConfigModel):
    """A KVM host reached through libvirt."""

    uri: LibvirtUri
    domain_type: Literal["auto", "kvm", "qemu"] = "auto"


class PoolConfig(ConfigModel):
    """A directory storage pool, made on each of `hosts` (default: every host)."""

    path: str
    hosts: list[str] | None = None
    libvirt_name: LibvirtName | None = None

    @model_validator(mode="after")
    def _absolute(self) -> Self:
        if not self.path.startswith("/"):
            raise ValueError(f"path {self.path!r} must be an absolute directory path")
        return self


class ImageConfig(ConfigModel):
    """A base disk image: a local file on the machine running Pulumi, or an http(s) URL."""

    path: str | None = None
    url: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    format: Literal["qcow2", "raw"] = "qcow2"

    @model_validator(mode="after")
    def _one_location(self) -> Self:
        if (self.path is None) == (self.url is None):
            raise ValueError("an image needs exactly one of path and url")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url {self.url!r} must start with http:// or https://")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError(f"path {self.path!r} must be absolute")
        return self


class TemplateSettings(ConfigModel):
    """What VMs made from a template share: image, machine profile, sizes."""

    image: ImageConfig
    memory: MemoryMiB = 1024
    max_memory: MemoryMiB | None = None
    vcpus: int = Field(default=1, gt=0)
    max_vcpus: int | None = Field(default=None, gt=0)
    disk_size: DiskBytes | None = None
    machine: str = "pc"
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None


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
    model: Literal["virtio", "e1000", "e1000e", "rtl8139"] = "virtio"


class VmSettings(ConfigModel):
    """Per-VM settings; sizes left unset come from the template."""

    memory: MemoryMiB | None = None
    max_memory: MemoryMiB | None = None
    vcpus: int | None = Field(default=None, gt=0)
    max_vcpus: int | None = Field(default=None, gt=0)
    disk_size: DiskBytes | None = None
    cmdline: str | None = None
    running: bool = True
    autostart: bool = False
    restart_policy: Literal["auto", "manual"] = "auto"
    shutdown_timeout_seconds: int = Field(default=60, ge=0)


class VmConfig(VmSettings):
    """A VM in the stack config: a template, a host, NICs, and its own settings."""

    name: LibvirtName
    template: str
    host: str | None = None
    nics: list[NicConfig] = Field(default_factory=list)


class StackConfig(ConfigModel):
    """The whole estate of one stack."""

    hosts: dict[LibvirtName, HostConfig]
    pools: dict[LibvirtName, PoolConfig] = Field(default_factory=dict)
    networks: dict[LibvirtName, NetworkConfig] = Field(default_factory=dict)
    templates: dict[LibvirtName, TemplateConfig] = Field(default_factory=dict)
    vms: list[VmConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        from components.config.references import check_references

        check_references(self)
        return self

    def host_of(self, vm: VmConfig) -> str:
        """The VM's host: named, or the only host of the stack."""
        return vm.host if vm.host is not None else next(iter(self.hosts))

    def hosts_of(self, declared: list[str] | None) -> list[str]:
        """Hosts a pool or network is made on: those declared, or all of them."""
        return list(declared) if declared is not None else list(self.hosts)
