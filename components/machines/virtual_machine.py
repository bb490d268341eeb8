"""VirtualMachine: a VM made from a template — a CoW root disk plus a libvirt domain.

Deleting or replacing the domain never deletes a disk: the root disk is a resource of
its own, parented to the VM, and goes only when the VM leaves the program.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated, Any, get_args, overload

import pulumi
from pydantic import Field, InstanceOf, WrapValidator

from components.base.call_forms import (
    ARGS_CONFIG,
    ArgsModel,
    call_form,
    fields_of,
    later_if_output,
    validated,
)
from components.base.child_options import child_options
from components.base.secret_inputs import secret_inputs
from components.config.errors import ComponentArgumentError
from components.config.machines import DataDiskConfig, SerialConsoleMode
from components.config.naming import Owner, adopting, claim, derived_mac, libvirt_name, ownership
from components.config.stack import TemplateSettings, VmSettings
from components.hosts.kvm_host import KvmHost
from components.machines.cloud_init.config import CloudInitConfig
from components.machines.cloud_init.seed import make_seed, seed_volume_name
from components.machines.generations import HOST_PACKAGES, profile_of, target_prefix
from components.machines.vm_template import VmTemplate
from components.networks.base import HostNetwork
from components.providers.resources import LibvirtDhcpReservation, LibvirtDomain, LibvirtVolume
from components.snapshots.policy import SnapshotPolicy, governed
from components.spec.changes import CONNECTION_KEY
from components.spec.domain import (
    Disk,
    DiskBus,
    DomainSpec,
    Graphics,
    GuestAgentChannel,
    Interface,
    MigrationSettings,
    NicModel,
    Rng,
    SerialConsole,
    Tpm,
)
from components.spec.limits import MAX_NICS, effective_sizes, vm_size_problem
from components.spec.text import check_mac

SERIAL_LOG_DIR = "/var/log/libvirt/qemu"

DOMAIN_INPUTS = {
    "memory": "memoryMib",
    "max_memory": "maxMemoryMib",
    "nics": "interfaces",
    "data_disks": "disks",
    "existing_disks": "disks",
    "host": CONNECTION_KEY,
}
"""`ignore_changes` on a VM names its arguments; these reach the domain under another name
(the rest as their camelCase form, e.g. `vcpus`, `running`, `cloudInit`)."""
ROOT_DISK_INPUTS = {"disk_size": "capacityBytes"}
"""`ignore_changes=["disk_size"]` on a VM leaves its root disk's size as it is."""


@dataclass(frozen=True)
class Nic:
    """A NIC on one of the stack's networks.

    `mac` is derived from project, stack, VM and NIC index when not given; `ip` (on a nat,
    isolated or routed network) becomes a DHCP reservation for this NIC on the network. `ip`
    may be an `Output` (another resource's or stack's address): it is checked when known,
    and two NICs cannot be told apart by it before then.
    """

    network: HostNetwork
    ip: str | ipaddress.IPv4Address | pulumi.Output[str] | None = None
    mac: str | None = None
    model: NicModel | None = None
    """Default: the generation's (e1000 for gen1, virtio for gen2)."""

    def __post_init__(self) -> None:
        where = f"Nic on network {getattr(self.network, 'logical_name', self.network)!r}"
        if not isinstance(self.network, HostNetwork):
            raise ComponentArgumentError(
                f"{where}: network: {self.network!r} is not a network component"
            )
        if self.mac is not None:
            try:
                check_mac(self.mac if isinstance(self.mac, str) else repr(self.mac))
            except ValueError as err:
                raise ComponentArgumentError(f"{where}: mac: {err}") from None
        if self.model is not None and self.model not in get_args(NicModel):
            raise ComponentArgumentError(
                f"{where}: model: {self.model!r} is not one of {', '.join(get_args(NicModel))}"
            )
        if self.ip is not None and not isinstance(self.ip, pulumi.Output):
            _ipv4(where, self.ip)

    def fixed_ip(self, vm: str) -> ipaddress.IPv4Address | None:
        """The fixed IP as an address (None when there is none or it is an `Output`)."""
        if self.ip is None or isinstance(self.ip, pulumi.Output):
            return None
        return _ipv4(f"VirtualMachine {vm!r}: NIC", self.ip)

    def ip_input(self, vm: str) -> pulumi.Output[str] | None:
        """The reservation's `ip` input: a known IP, or an `Output` checked (naming the VM,
        the network and the value) once it is known."""
        if self.ip is None:
            return None
        network = self.network
        where = f"VirtualMachine {vm!r}: NIC on network {network.logical_name!r}"
        if not network.manages_addresses:  # a known IP was refused by `attach` already
            network.check_fixed_ip(where, ipaddress.IPv4Address("0.0.0.0"))

        def checked(value: object) -> str:
            ip = _ipv4(where, value)  # type: ignore[arg-type]
            network.check_fixed_ip(where, ip)
            return str(ip)

        return pulumi.Output.from_input(self.ip).apply(checked)


def _ipv4(where: str, value: str | ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(str(value))
    except ValueError:
        raise ComponentArgumentError(f"{where}: ip: {value!r} is not an IPv4 address") from None


CloudInitOrLater = Annotated[
    CloudInitConfig | pulumi.Output[Any] | None, WrapValidator(later_if_output)
]


class VirtualMachineArgs(ArgsModel, VmSettings):
    """VirtualMachine's arguments: the settings of a `vms[i]` entry, with the components it
    is made from and placed on."""

    model_config = ARGS_CONFIG

    template: InstanceOf[VmTemplate]
    """The template it is cloned from (its settings are the defaults of the VM's)."""
    host: InstanceOf[KvmHost]
    """The host it runs on; another host migrates it."""
    nics: list[InstanceOf[Nic]] = Field(default_factory=list)
    snapshot_policy: InstanceOf[SnapshotPolicy] | None = None
    retain_data_disks: bool = False
    """The default of each data disk's `retainOnDelete` (the stack file's
    `defaults.retainDataDisks`)."""
    cloud_init: CloudInitOrLater = None  # type: ignore[assignment]
    """Its own cloud-init (default: the template's); may be an `Output` of the settings
    (e.g. a secret from another stack), checked once known."""


def _old_form(
    name: str,
    template: VmTemplate,
    host: KvmHost,
    nics: list[Nic] | None = None,
    *,
    args: VmSettings | None = None,
    snapshot_policy: SnapshotPolicy | None = None,
    retain_data_disks: bool = False,
    opts: pulumi.ResourceOptions | None = None,
    **kwargs: Any,
) -> tuple[VirtualMachineArgs, pulumi.ResourceOptions | None]:
    """`VirtualMachine(name, template, host, nics, *, args, snapshot_policy,
    retain_data_disks, opts, **settings)`."""
    fields = {
        **(fields_of(args) if args is not None else kwargs),
        "template": template,
        "host": host,
        "nics": nics or [],
        "snapshot_policy": snapshot_policy,
        "retain_data_disks": retain_data_disks,
    }
    return validated("VirtualMachine", name, VirtualMachineArgs, fields), opts


class VirtualMachine(pulumi.ComponentResource):
    """A VM on one host, cloned from a template, with per-VM overrides."""

    @overload
    def __init__(
        self, name: str, args: VirtualMachineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        template: VmTemplate,
        host: KvmHost,
        nics: list[Nic] | None = None,
        *,
        args: VmSettings | None = None,
        snapshot_policy: SnapshotPolicy | None = None,
        retain_data_disks: bool = False,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None: ...

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        settings, opts = call_form(
            "VirtualMachine", name, VirtualMachineArgs, _old_form, positional=args, keywords=kwargs
        )
        template, host, nics = settings.template, settings.host, list(settings.nics)
        snapshot_policy, retain_data_disks = settings.snapshot_policy, settings.retain_data_disks
        secret = settings.secret or template.settings.secret
        host_secret = host.config.secret
        owner = Owner("VirtualMachine", name)
        if len(nics) > MAX_NICS:
            raise ComponentArgumentError(
                f"{owner}: nics: {len(nics)} NICs; a VM has at most {MAX_NICS}"
            )
        claim("resource", "", name, owner)
        self.domain_name = libvirt_name(name, settings.libvirt_name)
        self._claim_volumes(owner, name, template=template, host=host, settings=settings, nics=nics)
        machine = profile_of(template.settings)
        spec = self._domain_spec(name, template, host, nics, settings)
        check_host_supports(name, host, spec, template.settings)
        host.place(name, spec.max_memory_mib, spec.max_vcpus)
        spec = governed(spec, snapshot_policy, settings.delete_snapshots, name)
        kept = [
            d
            for d in settings.data_disks
            if (d.retain_on_delete is None and retain_data_disks) or d.retain_on_delete
        ]
        if kept:  # a delete then shuts the guest down gracefully, so they are flushed
            spec = spec.model_copy(update={"keeps_disks": True})
        self.migration = spec.migration
        networks = [nic.network.on(host) for nic in nics]
        fixed = [nic.fixed_ip(name) for nic in nics]
        for nic, interface, ip in zip(nics, spec.interfaces, fixed, strict=True):
            nic.network.attach(name, str(interface.mac), ip)
        super().__init__("kvm:index:VirtualMachine", name, None, opts)
        base = template.base_volume(host)
        image = template.settings.image
        root_props: dict[str, Any] = {
            CONNECTION_KEY: host.uri,
            "name": root_volume(name, settings),
            "pool": template.pool.pool_name,
            "format": "qcow2",
            "backingPath": base.path,
            "backingFormat": image.format,
            "capacityBytes": (
                settings.disk_size or template.settings.disk_size or base.virtual_size_bytes
            ),
            "rebuild": settings.rebuild,
            "shared": host.shares(template.pool.path),
            **adopting(settings.adopt),
        }
        root_props = secret_inputs(root_props, secret=secret, host_secret=host_secret)
        self.root_disk = LibvirtVolume(
            f"{name}-root", root_props, child_options(self, opts, root_props, ROOT_DISK_INPUTS)
        )
        self.data_disks = []
        for disk in settings.data_disks:
            disk_props = secret_inputs(
                {
                    CONNECTION_KEY: host.uri,
                    "name": data_disk_volume(name, settings, disk),
                    "pool": template.pool.pool_name,
                    "format": disk.format,
                    "capacityBytes": disk.size,
                    "shared": host.shares(template.pool.path),
                    **adopting(settings.adopt),
                },
                secret=secret,
                host_secret=host_secret,
            )
            retain = retain_data_disks if disk.retain_on_delete is None else disk.retain_on_delete
            self.data_disks.append(
                LibvirtVolume(
                    f"{name}-{disk.name}",
                    disk_props,
                    child_options(
                        self,
                        opts,
                        disk_props,
                        depends_on=[template.pool.on(host)],
                        retain_on_delete=retain,
                    ),
                )
            )
        self.reservations = []
        for index, (nic, interface) in enumerate(zip(nics, spec.interfaces, strict=True)):
            reserved = nic.ip_input(name)
            if reserved is None:
                continue
            lease = secret_inputs(
                {
                    CONNECTION_KEY: host.uri,
                    "network": nic.network.network_name,
                    "networkUuid": nic.network.uuid_on(host),
                    "mac": interface.mac,
                    "ip": reserved,
                    "name": name,
                },
                secret=secret,
                host_secret=host_secret,
            )
            self.reservations.append(
                LibvirtDhcpReservation(
                    f"{name}-nic{index}",
                    lease,
                    child_options(self, opts, lease, depends_on=[networks[index]]),
                )
            )
        domain_props: dict[str, Any] = {
            CONNECTION_KEY: host.uri,
            **with_secrets(spec),
            **adopting(settings.adopt),
        }
        seeds: list[pulumi.Resource] = []
        cloud = cloud_init_of(template, settings)
        if cloud is not None:
            seed = make_seed(
                f"{name}-cloud-init",
                self.domain_name,
                hostname=name,
                host_uri=host.uri,
                pool_name=template.pool.pool_name,
                config=cloud,
                parent=self,
                depends_on=[template.pool.on(host)],
                adopt=settings.adopt,
                opts=opts,
                secret=secret,
                host_secret=host_secret,
            )
            domain_props["cloudInit"] = {
                "instanceId": seed.instance_id,
                "onChange": seed.on_change,
            }
            seeds.append(seed.resource)
        domain_props = secret_inputs(domain_props, secret=secret, host_secret=host_secret)
        self.domain = LibvirtDomain(
            name,
            domain_props,
            child_options(
                self,
                opts,
                domain_props,
                DOMAIN_INPUTS,
                depends_on=[
                    self.root_disk,
                    *self.data_disks,
                    *networks,
                    *self.reservations,
                    *seeds,
                ],
            ),
        )
        self.uuid: pulumi.Output[str] = self.domain.uuid
        self.domain.pending_restart.apply(lambda pending: self._say_pending(name, pending))
        self.generation = machine.generation
        self.mac_addresses = [i.mac for i in spec.interfaces]
        self.ip_addresses = [str(ip) for ip in fixed if ip is not None] + [
            nic.ip for nic in nics if isinstance(nic.ip, pulumi.Output)
        ]
        self.host = host
        self.register_outputs(
            {
                "name": self.domain_name,
                "uuid": self.uuid,
                "host": host.host_name,
                "macAddresses": self.mac_addresses,
                "ipAddresses": self.ip_addresses,
                "leasedAddresses": self.domain.ip_addresses,
                "pendingRestart": self.domain.pending_restart,
            }
        )

    def _say_pending(self, name: str, pending: bool) -> None:
        """Said from the program, so the engine shows it on this VM (not as plugin text)."""
        if pending:
            pulumi.log.warn(
                f"{name}: changes wait for a restart (restartPolicy: manual); restart the VM "
                "or set restartPolicy: auto",
                self,
            )

    @staticmethod
    def _claim_volumes(
        owner: Owner,
        name: str,
        *,
        template: VmTemplate,
        host: KvmHost,
        settings: VmSettings,
        nics: list[Nic],
    ) -> None:
        """The VM's volumes and child resources are its own: no other VM's, no template's."""
        pool = template.pool
        scope = f"in pool {pool.pool_name}" + (
            "" if host.shares(pool.path) else f" on host {host.host_name}"
        )
        for disk in vm_disks(name, template, settings):
            if disk.volume is not None:  # existing disks are files, attached as they are
                claim("volume", scope, disk.volume, owner)
        parts = ["root", *(d.name for d in settings.data_disks)]
        parts += [f"nic{i}" for i, nic in enumerate(nics) if nic.ip is not None]
        if cloud_init_of(template, settings) is not None:
            parts.append("cloud-init")
        for part in parts:
            claim("resource", "", f"{name}-{part}", owner)

    def _domain_spec(
        self,
        name: str,
        template: VmTemplate,
        host: KvmHost,
        nics: list[Nic],
        settings: VmSettings,
    ) -> DomainSpec:
        """The domain this VM asks for; raises (naming the VM) on impossible sizes."""
        tmpl = template.settings
        machine = profile_of(tmpl)
        sizes = effective_sizes(settings, tmpl)
        problem = vm_size_problem(sizes, tmpl.machine or machine.machine)
        if problem is not None:
            raise ComponentArgumentError(f"VirtualMachine {name!r}: {problem}")
        interfaces = [
            Interface(
                network=nic.network.network_name,
                mac=nic.mac or derived_mac(name, index),
                model=nic.model or machine.nic_model,
            )
            for index, nic in enumerate(nics)
        ]
        graphics = tmpl.graphics
        return DomainSpec(
            name=self.domain_name,
            domain_type=host.domain_type,
            ownership=ownership(name),
            memory_mib=sizes.memory,
            max_memory_mib=sizes.max_memory,
            vcpus=sizes.vcpus,
            max_vcpus=sizes.max_vcpus,
            machine=tmpl.machine or machine.machine,
            firmware=machine.firmware,
            secure_boot=tmpl.secure_boot,
            kernel=tmpl.kernel,
            initrd=tmpl.initrd,
            cmdline=settings.cmdline or tmpl.cmdline,
            boot_devices=tmpl.boot_order,
            cpu_mode=tmpl.cpu.mode if tmpl.cpu else None,
            cpu_model=tmpl.cpu.model if tmpl.cpu else None,
            disks=vm_disks(name, template, settings),
            interfaces=interfaces,
            serial=serial_console(tmpl.serial_console, self.domain_name),
            guest_agent=GuestAgentChannel() if tmpl.guest_agent else None,
            graphics=(
                Graphics(type=graphics.type, listen=graphics.listen, password=graphics.password)
                if graphics
                else None
            ),
            rng=Rng() if machine.rng else None,
            tpm=Tpm() if tmpl.tpm else None,
            autostart=settings.autostart,
            running=settings.running,
            restart_policy=settings.restart_policy,
            shutdown_timeout_seconds=settings.shutdown_timeout_seconds,
            host_name=host.host_name,
            gen1_reason=tmpl.gen1_reason if tmpl.generation != "gen2" else None,
            migration=MigrationSettings(
                shared_storage=host.shares(template.pool.path),
                **settings.migration.model_dump(),
            ),
        )


def serial_console(mode: SerialConsoleMode, domain_name: str) -> SerialConsole | None:
    """Serial port 0: logged to `<log dir>/<domain>-serial.log`, a plain pty, or none."""
    if mode == "none":
        return None
    if mode == "plain":
        return SerialConsole()
    return SerialConsole(log_file=f"{SERIAL_LOG_DIR}/{domain_name}-serial.log", log_append=True)


SECRET_DOMAIN_KEYS = ("graphics",)
"""Domain inputs that can carry a password: the password is passed as a Pulumi secret, so
state, outputs and previews never show it in plaintext (and the rest of the console, its
type and listen address, stays reviewable)."""


def with_secrets(spec: DomainSpec) -> dict[str, Any]:
    """The domain's wire inputs, with each password a secret."""
    props: dict[str, Any] = spec.model_dump(by_alias=True, exclude_none=True)
    for key in SECRET_DOMAIN_KEYS:
        if key in props and "password" in props[key]:
            props[key] = {**props[key], "password": pulumi.Output.secret(props[key]["password"])}
    return props


def data_disk_volume(vm: str, settings: VmSettings, disk: DataDiskConfig) -> str:
    """The libvirt volume name of a VM's data disk: its `libvirtName`, else
    `<the VM's libvirt name>-<disk>.<format>` (`<stack>-<vm>-<disk>.<format>`)."""
    if disk.libvirt_name:
        return disk.libvirt_name
    return libvirt_name(vm, settings.libvirt_name, suffix=f"-{disk.name}.{disk.format}")


def root_volume(vm: str, settings: VmSettings) -> str:
    """The libvirt volume name of a VM's root disk (`<the VM's libvirt name>-root.qcow2`)."""
    if settings.root_disk_libvirt_name:
        return settings.root_disk_libvirt_name
    return libvirt_name(vm, settings.libvirt_name, suffix="-root.qcow2")


def cloud_init_of(
    template: VmTemplate, settings: VmSettings
) -> CloudInitConfig | pulumi.Output[Any] | None:
    """The VM's cloud-init: its own, else its template's, else none."""
    return settings.cloud_init or template.settings.cloud_init


def vm_disks(name: str, template: VmTemplate, settings: VmSettings) -> list[Disk]:
    """Root disk first, then data disks, with the generation's bus unless told otherwise,
    then the existing disks attached as they are; last the cloud-init seed CD-ROM when the
    VM has cloud-init."""
    machine = profile_of(template.settings)
    pool = template.pool.pool_name
    used: dict[str, int] = {}

    def target(bus: DiskBus) -> str:
        prefix = target_prefix(bus)
        used[prefix] = used.get(prefix, -1) + 1
        return machine.disk_target(bus, used[prefix])

    disks = [
        Disk(
            pool=pool,
            volume=root_volume(name, settings),
            target=target(machine.disk_bus),
            bus=machine.disk_bus,
        )
    ]
    for disk in settings.data_disks:
        bus = disk.bus or machine.disk_bus
        disks.append(
            Disk(
                pool=pool,
                volume=data_disk_volume(name, settings, disk),
                format=disk.format,
                cache=disk.cache,
                target=target(bus),
                bus=bus,
            )
        )
    for existing in settings.existing_disks:
        disks.append(
            Disk(
                type=existing.type,
                device=existing.device,
                format=existing.format,
                file=existing.path,
                target=existing.target or target(existing.bus),
                bus=existing.bus,
                readonly=existing.device == "cdrom",
            )
        )
    if cloud_init_of(template, settings) is not None:
        disks.append(
            Disk(
                device="cdrom",
                format="raw",
                pool=pool,
                volume=seed_volume_name(libvirt_name(name, settings.libvirt_name)),
                target=target(machine.cdrom_bus),
                bus=machine.cdrom_bus,
                readonly=True,
            )
        )
    return disks


def check_host_supports(name: str, host: KvmHost, spec: DomainSpec, tmpl: TemplateSettings) -> None:
    """Fail preview when the VM's host lacks its machine type, firmware, TPM or CPU mode,
    saying what to install on the host."""
    support = host.machine_support(spec.arch, spec.machine)
    if support is False:
        return
    where = f"VirtualMachine {name!r} on host {host.host_name!r}"
    if support is None:
        raise ComponentArgumentError(
            f"{where}: machine type {spec.machine!r} is not available "
            "(QEMU on the host does not offer it)"
        )
    assert not isinstance(support, bool)
    missing = []
    if spec.firmware == "efi" and not support.efi:
        missing.append(f"UEFI firmware for {tmpl.generation} (install {HOST_PACKAGES['efi']})")
    if spec.secure_boot and not support.secure_boot:
        missing.append(f"Secure Boot firmware (install {HOST_PACKAGES['secure_boot']})")
    if spec.tpm is not None and not support.tpm_emulator:
        missing.append(f"an emulated TPM 2.0 (install {HOST_PACKAGES['tpm']})")
    if spec.cpu_mode is not None and spec.cpu_mode not in support.cpu_modes:
        missing.append(
            f"CPU mode {spec.cpu_mode} (offered: {', '.join(sorted(support.cpu_modes))})"
        )
    if missing:
        raise ComponentArgumentError(f"{where}: missing " + "; ".join(missing))
