"""The bad-input matrix from Python: every component refuses a bad argument with the
project's error (ComponentArgumentError, an InputError) naming the argument and the value,
before anything is registered, and never shows a secret."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from components.config.errors import ComponentArgumentError
from components.hosts.kvm_host import KvmHost
from components.hosts.storage_pool import StoragePool
from components.machines.virtual_machine import Nic, VirtualMachine
from components.machines.vm_template import VmTemplate
from components.networks.nat import NatNetwork
from components.spec.errors import InputError
from tests.components.mocks import run_program

SECRET = "S3cr3t-xyz"
URI = "qemu+ssh://admin@hv1.example.internal/system"
IMAGE = {"url": "https://example.org/d.qcow2"}


@dataclass(frozen=True)
class Estate:
    host: KvmHost
    pool: StoragePool
    lan: NatNetwork
    debian: VmTemplate


def estate() -> Estate:
    host = KvmHost("hv1", uri=URI)
    pool = StoragePool("vmstore", [host], "/srv/vmstore")
    lan = NatNetwork("lan", [host], subnet="10.9.0.0/24")
    debian = VmTemplate("debian", pool, image=IMAGE, memory="1GiB", maxMemory="4GiB", maxVcpus=4)
    return Estate(host, pool, lan, debian)


@dataclass(frozen=True)
class Arg:
    """A program that passes one bad argument; the message names `argument` and `shown`."""

    component: str
    argument: str
    shown: str | None
    program: Callable[[], Any]
    secret: bool = False

    @property
    def id(self) -> str:
        return f"{self.component}.{self.argument}={self.shown}"[:70]


def nic(**kwargs: Any) -> Arg:
    (key, value), *_ = kwargs.items()
    return Arg("Nic", key, repr(value), lambda: Nic(estate().lan, **kwargs))


def host(**kwargs: Any) -> Arg:
    (key, value), *_ = kwargs.items()
    args = {"uri": URI, **kwargs}
    return Arg("KvmHost", key, repr(value), lambda: KvmHost("hv1", **args))


def template(shown: str | None = None, secret: bool = False, **kwargs: Any) -> Arg:
    (key, value), *_ = kwargs.items()

    def program() -> None:
        e = estate()
        VmTemplate("t2", e.pool, **{"image": IMAGE, **kwargs})

    return Arg("VmTemplate", key, None if secret else shown or repr(value), program, secret)


def vm(shown: str | None = None, secret: bool = False, **kwargs: Any) -> Arg:
    (key, value), *_ = kwargs.items()

    def program() -> None:
        e = estate()
        e.debian.instantiate("web-1", e.host, nics=[Nic(e.lan)], **kwargs)

    return Arg("VirtualMachine", key, None if secret else shown or repr(value), program, secret)


def pool(path: Any) -> Arg:
    return Arg(
        "StoragePool", "path", repr(path), lambda: StoragePool("p2", [KvmHost("h", uri=URI)], path)
    )


def _twice(make: Callable[[Estate], Any]) -> Callable[[], None]:
    def program() -> None:
        e = estate()
        make(e)
        make(e)

    return program


def _vm_named_like_a_disk() -> None:
    e = estate()
    e.debian.instantiate("web-1", e.host, dataDisks=[{"name": "x", "size": "1GiB"}])
    e.debian.instantiate("web-1-x", e.host)


def _same_mac() -> None:
    e = estate()
    e.debian.instantiate("web-1", e.host, nics=[Nic(e.lan, mac="52:54:00:00:00:05")])
    e.debian.instantiate("web-2", e.host, nics=[Nic(e.lan, mac="52:54:00:00:00:05")])


def _too_many_nics() -> None:
    e = estate()
    e.debian.instantiate("web-1", e.host, nics=[Nic(e.lan) for _ in range(33)])


def _two_hosts_one_daemon() -> None:
    KvmHost("hv1", uri=URI)
    KvmHost("hv2", uri="qemu+ssh://root@HV1.example.internal:22/system")


def _two_pools_one_path() -> None:
    h = KvmHost("hv1", uri=URI)
    StoragePool("a", [h], "/srv/vm")
    StoragePool("b", [h], "/srv/vm/")


def _two_pools_one_name() -> None:
    h = KvmHost("hv1", uri=URI)
    StoragePool("a", [h], "/srv/a")
    StoragePool("b", [h], "/srv/b", "dev-a")


def _network_named_like_another() -> None:
    h = KvmHost("hv1", uri=URI)
    NatNetwork("lan", [h], subnet="10.9.0.0/24")
    NatNetwork("lan2", [h], subnet="10.8.0.0/24", libvirtName="dev-lan")


ARGS: list[Arg] = [
    nic(mac="zz"),
    nic(mac="01:00:5e:00:00:01"),
    nic(mac="ff:ff:ff:ff:ff:ff"),
    nic(mac="00:00:00:00:00:00"),
    nic(mac="52:54:00:00:00:0"),
    nic(mac=5),
    nic(model="ne2k"),
    nic(ip="300.1.1.1"),
    nic(ip="10.9.0.1/24"),
    Arg("Nic", "network", "'lan'", lambda: Nic("lan")),  # type: ignore[arg-type]
    host(uri="qemu+ssh://-oProxyCommand=x/system"),
    host(uri="qemu+ssh://hv1;reboot/system"),
    host(uri="qemu+ssh://hv1$(id)/system"),
    host(uri="qemu+tcp://hv1/system"),
    host(uri="qemu+ssh://hv1/system\n"),
    host(uri=5),
    host(memoryOvercommit=0),
    host(vcpuOvercommit=float("inf")),
    host(domainType="xen"),
    host(sharedStorage="relative"),
    Arg(
        "KvmHost",
        "ssh.keyFile",
        "'id_rsa'",
        lambda: KvmHost("h", uri=URI, ssh={"keyFile": "id_rsa"}),
    ),
    Arg("KvmHost", "libvirt daemon", "hv1.example.internal", _two_hosts_one_daemon),
    Arg(
        "KvmHost",
        "hv1",
        "'KvmHost hv1'",
        lambda: [KvmHost("hv1", uri=URI), KvmHost("hv1", uri="qemu:///system")],
    ),
    pool("relative"),
    pool("/srv/../etc"),
    pool("/srv/x\n"),
    pool("/srv/\x01"),
    Arg("StoragePool", "pool directory", "'/srv/vm'", _two_pools_one_path),
    Arg("StoragePool", "storage pool", "'dev-a'", _two_pools_one_name),
    Arg("NatNetwork", "network", "'dev-lan'", _network_named_like_another),
    Arg(
        "NatNetwork",
        "subnet",
        "'10.9.0.0/33'",
        lambda: NatNetwork("n", [KvmHost("h", uri=URI)], subnet="10.9.0.0/33"),
    ),
    Arg(
        "NatNetwork",
        "bridgeName",
        "'br 0'",
        lambda: NatNetwork("n", [KvmHost("h", uri=URI)], subnet="10.9.0.0/24", bridgeName="br 0"),
    ),
    Arg(
        "NatNetwork",
        "dnsHosts[0].hostnames[0]",
        "'a&b'",
        lambda: NatNetwork(
            "n",
            [KvmHost("h", uri=URI)],
            subnet="10.9.0.0/24",
            dnsHosts=[{"ip": "10.9.0.5", "hostnames": ["a&b"]}],
        ),
    ),
    Arg(
        "NatNetwork",
        "forwarders[0]",
        "'nope'",
        lambda: NatNetwork("n", [KvmHost("h", uri=URI)], subnet="10.9.0.0/24", forwarders=["nope"]),
    ),
    template(machine="pc-q35-7.2 <b>&"),
    template(machine="q35\n"),
    template(kernel="vmlinuz"),
    template(initrd="/boot/../initrd"),
    template(cmdline="console=ttyS0\nroot=/dev/vda"),
    template(memory="20000000000000000TiB"),
    template(memory=True),
    template(vcpus=5_000_000_000),
    template(maxVcpus=300),
    template(diskSize="4000TiB"),
    template(cpu={"mode": "custom", "model": "Sky lake"}, shown="'Sky lake'"),
    template(graphics={"listen": "nowhere"}, shown="'nowhere'"),
    template(graphics={"listen": "0.0.0.0", "password": SECRET}, shown=None, secret=True),
    template(graphics={"listen": "0.0.0.0", "password": 12345678}, shown=None, secret=True),
    template(cloudInit={"userData": 12345}, shown=None, secret=True),
    template(cloudInit={"userData": f"#cloud-config\n[{SECRET}"}, shown=None, secret=True),
    template(cloudInit={"users": [{"name": "ops", "password": 98765}]}, shown=None, secret=True),
    template(cloudInit={"writeFiles": [{"path": "/x", "content": 4242}]}, shown=None, secret=True),
    template(image={"url": "ftp://x/y"}, shown="'ftp://x/y'"),
    template(generation="gen3"),
    template(colour="blue"),
    Arg(
        "VmTemplate",
        "VmTemplate debian",
        "'VmTemplate debian'",
        _twice(lambda e: VmTemplate("debian", e.pool, image=IMAGE)),
    ),
    vm(memory="8GiB", shown="8192 MiB"),
    vm(memory="2GB?"),
    vm(vcpus=0),
    vm(maxVcpus=300),
    vm(cmdline="quiet\x01"),
    vm(restartPolicy="sometimes"),
    vm(dataDisks=[{"name": "root", "size": "1GiB"}], shown="'root'"),
    vm(dataDisks=[{"name": f"d{i}", "size": "1GiB"} for i in range(65)], shown="a list of 65"),
    vm(dataDisks=[{"name": "a b", "size": "1GiB"}], shown="'a b'"),
    vm(shutdownTimeoutSeconds=-1),
    vm(migration={"address": "bad host!"}, shown="'bad host!'"),
    vm(
        cloudInit={"users": [{"name": "ops", "password": SECRET + "\x00"}]}, shown=None, secret=True
    ),
    Arg(
        "VirtualMachine",
        "VirtualMachine 'web-1'",
        "'web-1'",
        _twice(lambda e: e.debian.instantiate("web-1", e.host)),
    ),
    Arg(
        "VirtualMachine",
        "name",
        "'web/1'",
        lambda: VirtualMachine("web/1", *_parts()),
    ),
    Arg("VirtualMachine", "web-1-x", "'web-1-x'", _vm_named_like_a_disk),
    Arg("VirtualMachine", "MAC", "52:54:00:00:00:05", _same_mac),
    Arg(
        "VirtualMachine",
        "nics",
        "33 NICs",
        _too_many_nics,
    ),
]


def _parts() -> tuple[VmTemplate, KvmHost]:
    e = estate()
    return e.debian, e.host


@pytest.mark.parametrize("arg", ARGS, ids=[a.id for a in ARGS])
def test_bad_argument_is_refused_naming_argument_and_value(arg: Arg):
    with pytest.raises(InputError) as raised:
        run_program(arg.program)
    message = str(raised.value)
    assert arg.component in message, message
    assert arg.argument in message, message
    if arg.shown is not None:
        assert arg.shown in message, message
    assert SECRET not in message and "12345678" not in message and "98765" not in message
    if arg.secret:
        assert "secret" in message, message
    assert "lax-or-strict" not in message and "For further information" not in message


def test_component_arguments_raise_the_component_error():
    with pytest.raises(ComponentArgumentError, match=r"Nic on network 'lan': mac: 'zz'"):
        run_program(lambda: Nic(estate().lan, mac="zz"))


def test_more_than_26_data_disks_get_libvirt_targets_past_vdz():
    disks = [{"name": f"d{i}", "size": "1GiB"} for i in range(30)]

    def program() -> None:
        e = estate()
        e.debian.instantiate("web-1", e.host, dataDisks=disks)

    mocks = run_program(program)
    targets = [d["target"] for d in mocks.named("kvm:Domain", "web-1").inputs["disks"]]
    assert targets[:2] == ["vda", "vdb"]
    assert targets[26:31] == ["vdaa", "vdab", "vdac", "vdad", "vdae"]
    assert len(set(targets)) == len(targets) == 31


def test_one_vm_per_name_in_separate_runs():
    def program() -> None:
        e = estate()
        e.debian.instantiate("web-1", e.host)

    run_program(program)
    run_program(program)


def test_the_projects_error_ends_a_pulumi_run_without_a_traceback():
    """Pulumi's Python host prints a RunError's message alone (no program source, no stack)."""
    import pulumi

    with pytest.raises(pulumi.RunError, match=r"Nic on network 'lan': mac"):
        run_program(lambda: Nic(estate().lan, mac="zz"))
