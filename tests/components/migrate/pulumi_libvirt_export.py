"""A typical pulumi-libvirt program, run under Pulumi mocks, turned into a `pulumi stack export`.

The program uses the real pulumi-libvirt 0.5.4 SDK (its plugin is never needed): the SDK
decides the property names and shapes it registers (`networkInterfaces`, `volumeId`,
`baseVolumeId`…). The mocks stand in for the bridged terraform-provider-libvirt 0.8: they
auto-name resources as the bridge does (`<name>-<7 hex>`), compute what it computes (MACs,
canonical machine type, bridge name, volume sizes) and give the ids it gives (UUIDs, volume
keys, `<volume key>;<uuid>` for cloud-init disks). `Backend` makes those values; the lab
test's backend makes the objects on a lab host instead and returns their real values.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
PROJECT = "old-estate"
IMAGE_URL = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2"
GIB = 1024**3


@dataclass
class ProgramSettings:
    """What the typical program builds."""

    vms: int = 2
    uri: str = "qemu:///system"
    pool_path: str = "/var/lib/libvirt/old-estate"
    image: str = IMAGE_URL
    subnet: str = "10.17.3.0/24"
    domain_type: str | None = None
    kernel: str | None = None
    initrd: str | None = None
    data_disks: bool = True
    wait_for_lease: bool = True
    prefix: str = ""
    """Put before every logical name (lab tests name everything with their prefix)."""
    cmdline: str | None = None
    root_size: int = 4 * GIB
    memory_mib: int = 512


def typical_program(settings: ProgramSettings) -> Callable[[], None]:
    """The program a pulumi-libvirt user typically has: a pool, a base image, a NAT network,
    a shared cloud-init disk, and VMs cloned from the image with a data disk each."""

    def program() -> None:
        import pulumi_libvirt as libvirt

        p = settings.prefix
        host = libvirt.Provider("hv1", uri=settings.uri)
        opts = pulumi.ResourceOptions(provider=host)
        pool = libvirt.Pool(
            f"{p}images", type="dir", target={"path": settings.pool_path}, opts=opts
        )
        base = libvirt.Volume(
            f"{p}debian-base", pool=pool.name, source=settings.image, format="qcow2", opts=opts
        )
        net = libvirt.Network(
            f"{p}vmnet",
            mode="nat",
            addresses=[settings.subnet],
            domain="vm.internal",
            dhcp={"enabled": True},
            dns={"enabled": True, "hosts": [{"hostname": "gw", "ip": "10.17.3.1"}]},
            autostart=True,
            opts=opts,
        )
        seed = libvirt.CloudInitDisk(
            f"{p}commoninit",
            pool=pool.name,
            user_data=pulumi.Output.secret("#cloud-config\npassword: hunter2\n"),
            opts=opts,
        )
        for index in range(settings.vms):
            root = libvirt.Volume(
                f"{p}web-{index}",
                pool=pool.name,
                base_volume_id=base.id,
                size=settings.root_size,
                opts=opts,
            )
            disks: list[Any] = [{"volume_id": root.id}]
            if settings.data_disks:
                data = libvirt.Volume(f"{p}web-{index}-data", pool=pool.name, size=GIB, opts=opts)
                disks.append({"volume_id": data.id})
            libvirt.Domain(
                f"{p}web-{index}",
                type=settings.domain_type,
                memory=settings.memory_mib,
                vcpu=1,
                kernel=settings.kernel,
                initrd=settings.initrd,
                cmdlines=[{"_": settings.cmdline}] if settings.cmdline else None,
                cloudinit=seed.id,
                disks=disks,
                network_interfaces=[
                    {
                        "network_id": net.id,
                        "hostname": f"web-{index}",
                        "wait_for_lease": settings.wait_for_lease,
                    }
                ],
                consoles=[{"type": "pty", "target_port": "0", "target_type": "serial"}],
                graphics={"type": "spice", "listen_type": "address", "autoport": True},
                opts=opts,
            )

    return program


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def bridge_name(logical: str, urn: str) -> str:
    """The bridge's auto-name: the logical name plus 7 hex digits."""
    return f"{logical}-{_digest(urn)[:7]}"


@dataclass
class Backend:
    """Values terraform-provider-libvirt 0.8 computes, made up consistently (no host)."""

    pool_paths: dict[str, str] = field(
        default_factory=lambda: {"default": "/var/lib/libvirt/images"}
    )
    volume_sizes: dict[str, int] = field(default_factory=dict)
    bridges: int = 0

    def create(self, type_: str, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id and outputs of a new resource (`props`: its inputs, auto-named)."""
        make = {
            "Pool": self.pool,
            "Volume": self.volume,
            "Network": self.network,
            "CloudInitDisk": self.cloud_init_disk,
            "Domain": self.domain,
        }[type_.rsplit(":", 1)[-1]]
        return make(urn, props)

    def uuid_of(self, urn: str) -> str:
        return str(uuid.UUID(_digest(urn)[:32]))

    def pool(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        path = props["target"]["path"]
        self.pool_paths[props["name"]] = path
        outputs = {**props, "capacity": 100 * GIB, "allocation": 0, "available": 100 * GIB}
        return self.uuid_of(urn), outputs

    def volume(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        key = f"{self.pool_paths[props['pool']]}/{props['name']}"
        size = props.get("size") or self.volume_sizes.get(props.get("baseVolumeId", ""), 2 * GIB)
        self.volume_sizes[key] = int(size)
        return key, {"format": "qcow2", **props, "size": int(size)}

    def network(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.bridges += 1
        return self.uuid_of(urn), {"bridge": f"virbr{self.bridges}", **props}

    def cloud_init_disk(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        key = f"{self.pool_paths[props['pool']]}/{props['name']}"
        return f"{key};{self.uuid_of(urn)}", dict(props)

    def domain(self, urn: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        nics = []
        for index, nic in enumerate(props.get("networkInterfaces") or []):
            mac = "52:54:00:" + ":".join(_digest(f"{urn}/{index}")[i : i + 2] for i in (0, 2, 4))
            nics.append({**nic, "mac": mac.upper(), "addresses": nic.get("addresses", [])})
        outputs = {
            "type": "kvm",
            "arch": "x86_64",
            "machine": "pc-i440fx-7.2",
            "emulator": "/usr/bin/qemu-system-x86_64",
            "running": True,
            "autostart": False,
            "qemuAgent": False,
            **props,
            "networkInterfaces": nics,
        }
        return self.uuid_of(urn), outputs


def _plain(value: Any) -> Any:
    """Mock inputs → plain JSON values (whole floats back to ints, secrets unwrapped)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return _plain(value["value"])
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _secret_keys(inputs: dict[str, Any]) -> set[str]:
    return {k for k, v in inputs.items() if isinstance(v, dict) and v.get(SECRET_SIG_KEY)}


def _sealed(value: Any) -> dict[str, str]:
    """How `pulumi stack export` shows a secret: the signature and ciphertext."""
    text = base64.b64encode(_digest(json.dumps(value)).encode()).decode()
    return {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": f"v1:{text[:16]}:v1:{text[16:64]}"}


@dataclass
class _ExportMocks(pulumi.runtime.Mocks):
    stack: str
    backend: Backend
    resources: list[dict[str, Any]] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        urn = f"urn:pulumi:{self.stack}::{PROJECT}::{args.typ}::{args.name}"
        secret = _secret_keys(args.inputs)
        inputs = _plain(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            resource_id = self.backend.uuid_of(urn)
            inputs["version"] = "0.5.4"
            outputs = dict(inputs)
        else:
            inputs.setdefault("name", bridge_name(args.name, urn))
            resource_id, outputs = self.backend.create(args.typ, urn, dict(inputs))
        provider = args.provider.replace("pulumi:pulumi:Stack$", "") if args.provider else None
        self.resources.append(
            {
                "urn": urn,
                "custom": True,
                "id": resource_id,
                "type": args.typ,
                "inputs": {k: _sealed(v) if k in secret else v for k, v in inputs.items()},
                "outputs": {k: _sealed(v) if k in secret else v for k, v in outputs.items()},
                "parent": f"urn:pulumi:{self.stack}::{PROJECT}::pulumi:pulumi:Stack::"
                f"{PROJECT}-{self.stack}",
                **({"provider": provider} if provider else {}),
            }
        )
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


_RANK = ["pulumi:providers:", "/pool:", "/network:", "/cloudInitDisk:", "/volume:", "/domain:"]


def _dependency_order(resource: dict[str, Any]) -> tuple[int, str]:
    """Registrations arrive in no fixed order; an export lists dependencies first."""
    rank = next(i for i, part in enumerate(_RANK) if part in resource["type"])
    return rank, resource["urn"]


def export_of(
    program: Callable[[], None], stack: str = "dev", backend: Backend | None = None
) -> dict[str, Any]:
    """Run `program` under mocks and return what `pulumi stack export` would print."""
    mocks = _ExportMocks(stack, backend or Backend())
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False)

    @pulumi.runtime.test  # type: ignore[misc]
    def run() -> None:
        program()

    run()
    root = {
        "urn": f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}",
        "custom": False,
        "type": "pulumi:pulumi:Stack",
    }
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-20T10:00:00Z", "magic": "", "version": "v3.140.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:AAAA:v1:BBBB"}},
            "resources": [root, *sorted(mocks.resources, key=_dependency_order)],
        },
    }
