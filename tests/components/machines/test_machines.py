"""VM generations, devices, data disks and host checks of VirtualMachine under mocks."""

from __future__ import annotations

import re

import pytest

from components.config.stack import ImageConfig
from components.hosts.inspection import (
    GuestUsage,
    HostCapacity,
    MachineSupport,
    set_host_inspector,
)
from components.hosts.kvm_host import KvmHost
from components.hosts.storage_pool import StoragePool
from components.machines.virtual_machine import Nic
from components.machines.vm_template import VmTemplate
from components.networks.nat import NatNetwork
from tests.components.mocks import run_program

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"

FULL = MachineSupport("pc-q35-7.2", efi=True, secure_boot=True, tpm_emulator=True)


class Inspector:
    def __init__(self, support=FULL, cpus=8, memory_mib=16384, foreign=()):
        self.support, self.cpus, self.memory, self.foreign = support, cpus, memory_mib, foreign

    def answers(self, uri):
        pass

    def interfaces(self, uri):
        return set()

    def networks(self, uri):
        return []

    def machine_support(self, uri, arch, machine, virt_type):
        return self.support

    def capacity(self, uri, project, stack):
        return HostCapacity(self.cpus, self.memory, tuple(self.foreign))


def _estate(template_args=None, vms=(("web-1", {}),), inspector=None, image=__file__):
    def program():
        if inspector is not None:
            set_host_inspector(inspector)
        host = KvmHost("hv1", uri="qemu:///system", domainType="qemu")
        pool = StoragePool("vmstore", [host], "/srv")
        lan = NatNetwork("lan", [host], subnet="10.7.0.0/24")
        tmpl = VmTemplate(
            "t", pool, image={"path": image}, diskSize="8GiB", **(template_args or {})
        )
        for name, settings in vms:
            tmpl.instantiate(name, host, nics=[Nic(lan)], **settings)

    return program


def test_gen2_is_q35_uefi_virtio_with_rng():
    domain = run_program(_estate()).named("kvm:Domain", "web-1").inputs
    assert (domain["machine"], domain["firmware"]) == ("q35", "efi")
    assert domain["disks"][0]["bus"] == "virtio"
    assert domain["interfaces"][0]["model"] == "virtio"
    assert "rng" in domain and "tpm" not in domain


def test_gen1_is_i440fx_bios_sata_e1000():
    domain = (
        run_program(_estate({"generation": "gen1", "gen1Reason": "Windows 2003"}))
        .named("kvm:Domain", "web-1")
        .inputs
    )
    assert domain["machine"] == "pc" and "firmware" not in domain
    assert (domain["disks"][0]["bus"], domain["disks"][0]["target"]) == ("sata", "sda")
    assert domain["interfaces"][0]["model"] == "e1000"
    assert "rng" not in domain


def test_secure_boot_and_tpm_on_gen2():
    domain = (
        run_program(_estate({"secureBoot": True, "tpm": True})).named("kvm:Domain", "web-1").inputs
    )
    assert domain["secureBoot"] is True
    assert domain["tpm"] == {"model": "tpm-crb", "backend": "emulator", "version": "2.0"}


def test_custom_describes_pc_bios_virtio_with_rng_as_pulumi_libvirt_made_it():
    custom = {
        "generation": "custom",
        "machine": "pc-i440fx-7.2",
        "firmware": "bios",
        "diskBus": "virtio",
        "nicModel": "virtio",
        "rng": True,
        "serialConsole": "plain",
    }
    domain = run_program(_estate(custom)).named("kvm:Domain", "web-1").inputs
    assert domain["machine"] == "pc-i440fx-7.2" and "firmware" not in domain
    assert (domain["disks"][0]["bus"], domain["disks"][0]["target"]) == ("virtio", "vda")
    assert domain["interfaces"][0]["model"] == "virtio"
    assert domain["rng"] == {"model": "virtio", "backend": "random", "source": "/dev/urandom"}
    assert domain["serial"] == {"type": "pty", "port": 0}, "a plain pty, no log file"


def test_custom_allows_q35_with_bios_and_sata_cdrom():
    custom = {"generation": "custom", "machine": "q35", "diskBus": "sata", "serialConsole": "none"}
    vms = (
        ("web-1", {"existingDisks": [{"path": "/srv/seed.iso", "device": "cdrom", "bus": "sata"}]}),
    )
    domain = run_program(_estate(custom, vms)).named("kvm:Domain", "web-1").inputs
    assert domain["machine"] == "q35" and "firmware" not in domain and "rng" not in domain
    assert "serial" not in domain
    assert [(d["target"], d["bus"]) for d in domain["disks"]] == [("sda", "sata"), ("sdb", "sata")]


def test_existing_disks_are_attached_as_they_are_after_data_disks():
    vms = (
        (
            "web-1",
            {
                "dataDisks": [{"name": "data", "size": "1GiB"}],
                "existingDisks": [
                    {"path": "/srv/ci.iso", "device": "cdrom", "bus": "ide", "target": "hdd"},
                    {"path": "/dev/vg0/extra", "type": "block"},
                ],
            },
        ),
    )
    mocks = run_program(_estate(None, vms))
    disks = mocks.named("kvm:Domain", "web-1").inputs["disks"]
    assert [d["target"] for d in disks] == ["vda", "vdb", "hdd", "vdc"]
    assert disks[2] == {
        "type": "file",
        "device": "cdrom",
        "driver": "qemu",
        "format": "raw",
        "file": "/srv/ci.iso",
        "target": "hdd",
        "bus": "ide",
        "readonly": True,
    }
    assert (disks[3]["type"], disks[3]["file"]) == ("block", "/dev/vg0/extra")
    volumes = {r.inputs["name"] for r in mocks.of_type("kvm:Volume")}
    assert not any("ci.iso" in v or "extra" in v for v in volumes), "never made as volumes"


def test_an_existing_base_volume_is_adopted_not_imported():
    def program():
        host = KvmHost("hv1", uri="qemu:///system", domainType="qemu")
        pool = StoragePool("vmstore", [host], "/srv")
        tmpl = VmTemplate(
            "t", pool, image={"volume": "debian-base-1a2b3c4", "size": "2GiB"}, diskSize="8GiB"
        )
        tmpl.instantiate("web-1", host)

    mocks = run_program(program)
    base = next(r for r in mocks.of_type("kvm:Volume") if r.name.startswith("t-"))
    assert base.inputs["name"] == "debian-base-1a2b3c4"
    assert base.inputs["adopt"] is True and base.inputs["capacityBytes"] == 2 * 1024**3
    assert "source" not in base.inputs, "nothing is imported"
    with pytest.raises(ValueError, match="size goes with volume"):
        ImageConfig(volume="debian-base-1a2b3c4")


@pytest.mark.parametrize(
    ("template_args", "expected"),
    [
        ({"generation": "gen1", "secureBoot": True}, "secureBoot needs generation gen2"),
        ({"generation": "gen1", "tpm": True}, "tpm needs generation gen2"),
        ({"generation": "gen3"}, "generation: Input should be 'gen1', 'gen2' or 'custom'"),
        ({"generation": "custom"}, "generation custom needs machine"),
        ({"diskBus": "sata"}, "diskBus is part of generation gen2; set generation custom"),
        (
            {"generation": "custom", "machine": "pc", "secureBoot": True},
            "secureBoot needs firmware efi",
        ),
        ({"machine": "pc"}, "machine 'pc' does not fit generation gen2"),
        ({"graphics": {"listen": "0.0.0.0"}}, "is beyond loopback: set graphics.password"),
        ({"cpu": {"mode": "custom"}}, "cpu.model is required with mode custom"),
        ({"maxMemory": "512MiB", "memory": "1GiB"}, "memory: 1024 MiB is above maxMemory 512"),
    ],
)
def test_template_mistakes(template_args, expected):
    with pytest.raises(ValueError, match=re.escape(expected)):
        run_program(_estate(template_args))


def test_graphics_listens_on_loopback_and_its_password_is_a_secret():
    mocks = run_program(_estate({"graphics": {"type": "spice", "password": "pw1"}}))
    graphics = mocks.named("kvm:Domain", "web-1").inputs["graphics"]
    assert graphics[SECRET_SIG] == SECRET_VALUE_SIG, "passed to the provider as a secret"
    assert graphics["value"]["listen"] == "127.0.0.1"
    assert graphics["value"]["type"] == "spice"


def test_graphics_without_password_is_not_secret():
    mocks = run_program(_estate({"graphics": {"type": "vnc"}}))
    assert mocks.named("kvm:Domain", "web-1").inputs["graphics"]["listen"] == "127.0.0.1"


def test_data_disks_get_their_own_volumes_and_targets():
    vms = (
        (
            "db",
            {
                "dataDisks": [
                    {"name": "pgdata", "size": "20GiB", "cache": "none"},
                    {"name": "wal", "size": "2GiB", "bus": "sata"},
                ]
            },
        ),
    )
    mocks = run_program(_estate(vms=vms))
    disks = mocks.named("kvm:Domain", "db").inputs["disks"]
    assert [(d["target"], d["bus"], d["volume"]) for d in disks] == [
        ("vda", "virtio", "dev-db-root.qcow2"),
        ("vdb", "virtio", "dev-db-pgdata.qcow2"),
        ("sda", "sata", "dev-db-wal.qcow2"),
    ]
    assert disks[1]["cache"] == "none"
    assert mocks.named("kvm:Volume", "db-pgdata").inputs["capacityBytes"] == 20 * 1024**3


def test_rebuild_goes_to_the_root_disk():
    mocks = run_program(_estate(vms=(("web-1", {"rebuild": 2}),)))
    assert mocks.named("kvm:Volume", "web-1-root").inputs["rebuild"] == 2


def test_retained_images_keep_their_base_volumes():
    mocks = run_program(_estate({"retainedImages": [{"url": "https://example.org/old.qcow2"}]}))
    bases = [v.inputs["source"] for v in mocks.of_type("kvm:Volume") if "source" in v.inputs]
    assert {"url": "https://example.org/old.qcow2"} in bases
    assert {"path": __file__} in bases


@pytest.mark.parametrize(
    ("support", "template_args", "expected"),
    [
        (None, {}, "machine type 'q35' is not available"),
        (
            MachineSupport("pc-q35-7.2", efi=False, secure_boot=False, tpm_emulator=False),
            {},
            "missing UEFI firmware for gen2 (install ovmf)",
        ),
        (
            MachineSupport("pc-q35-7.2", efi=True, secure_boot=False, tpm_emulator=False),
            {"secureBoot": True},
            "missing Secure Boot firmware",
        ),
        (
            MachineSupport("pc-q35-7.2", efi=True, secure_boot=True, tpm_emulator=False),
            {"tpm": True},
            "an emulated TPM 2.0 (install swtpm and swtpm-tools)",
        ),
        (
            MachineSupport("pc-q35-7.2", True, True, True, frozenset({"custom"})),
            {"cpu": {"mode": "host-passthrough"}},
            "CPU mode host-passthrough (offered: custom)",
        ),
    ],
)
def test_host_capabilities_are_checked_at_preview(support, template_args, expected):
    with pytest.raises(ValueError, match=re.escape(expected)) as err:
        run_program(_estate(template_args, inspector=Inspector(support=support)))
    assert "VirtualMachine 'web-1' on host 'hv1'" in str(err.value)


def test_capacity_with_overcommit_lists_top_consumers():
    vms = tuple((f"vm{i}", {"memory": "4GiB", "maxMemory": "4GiB"}) for i in range(3))
    foreign = (GuestUsage("legacy-db", 6144, 2),)
    inspector = Inspector(memory_mib=16384, foreign=foreign)
    with pytest.raises(ValueError) as err:
        run_program(_estate(vms=vms, inspector=inspector))
    message = str(err.value)
    assert (
        "VirtualMachine 'vm2': host 'hv1' would need 18432MiB of memory but allows 16384MiB"
        in message
    )
    assert "legacy-db 6144MiB (not in this stack)" in message
    assert "vm0 4096MiB" in message


def test_vcpu_overcommit_defaults_to_four():
    vms = (("big", {"vcpus": 8, "maxVcpus": 9}),)
    with pytest.raises(ValueError, match="would need 9 of vCPUs but allows 8"):
        run_program(_estate(vms=vms, inspector=Inspector(cpus=2)))


def test_missing_local_image_is_refused_when_checks_are_on():
    with pytest.raises(ValueError, match=re.escape("image.path '/nowhere/x.qcow2' does not exist")):
        run_program(_estate(image="/nowhere/x.qcow2", inspector=Inspector()))
