"""cloud-init on VMs under mocks: the seed CD-ROM, its secrets, and what a change means."""

from __future__ import annotations

from components.hosts.kvm_host import KvmHost
from components.hosts.storage_pool import StoragePool
from components.machines.vm_template import VmTemplate
from components.spec.changes import DOMAIN_RULES, Effect, classify
from tests.components.mocks import run_program

SECRET_SIG = "4dabf18193072939515e22adb298388d"
CLOUD = {
    "users": [
        {
            "name": "ops",
            "sshAuthorizedKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ops"],
            "password": "Sup3r-secret",
        }
    ],
    "packages": ["nginx"],
}


def _program(template_cloud=None, vm_cloud=None, generation="gen2"):
    def program():
        host = KvmHost("hv1", uri="qemu:///system")
        pool = StoragePool("vmstore", [host], "/srv")
        extra = {"gen1Reason": "old"} if generation == "gen1" else {}
        tmpl = VmTemplate(
            "t",
            pool,
            image={"path": "/i.qcow2"},
            diskSize="1GiB",
            generation=generation,
            cloudInit=template_cloud,
            **extra,
        )
        settings = {"cloudInit": vm_cloud} if vm_cloud else {}
        tmpl.instantiate("web-1", host, **settings)

    return program


def test_seed_is_a_cdrom_after_the_disks_and_its_id_is_secret():
    mocks = run_program(_program(template_cloud=CLOUD))
    domain = mocks.named("kvm:Domain", "web-1").inputs
    cdrom = domain["disks"][-1]
    assert (cdrom["device"], cdrom["bus"], cdrom["target"], cdrom["readonly"]) == (
        "cdrom",
        "sata",
        "sda",
        True,
    )
    assert cdrom["volume"] == "dev-web-1-cidata.iso"
    assert domain["cloudInit"][SECRET_SIG], "the instance-id is a secret"
    (seed,) = mocks.of_type("kvm:CloudInitSeed")
    assert seed.inputs["userData"][SECRET_SIG], "user-data is passed as a secret"
    assert "Sup3r-secret" not in repr(mocks.resources)


def test_gen1_seed_uses_ide():
    domain = (
        run_program(_program(template_cloud=CLOUD, generation="gen1"))
        .named("kvm:Domain", "web-1")
        .inputs
    )
    assert (domain["disks"][-1]["bus"], domain["disks"][-1]["target"]) == ("ide", "hda")


def test_vm_cloud_init_replaces_the_templates():
    vm_cloud = {"packages": ["postgresql"]}
    mocks = run_program(_program(template_cloud=CLOUD, vm_cloud=vm_cloud))
    assert len(mocks.of_type("kvm:CloudInitSeed")) == 1


def test_no_cloud_init_no_seed():
    mocks = run_program(_program())
    assert mocks.of_type("kvm:CloudInitSeed") == []
    assert all(d["device"] == "disk" for d in mocks.named("kvm:Domain", "web-1").inputs["disks"])


def test_a_new_seed_is_read_at_next_boot_or_replaces_the_domain():
    old = {"cloudInit": {"instanceId": "a", "onChange": "next-boot"}}
    new_next_boot = {"cloudInit": {"instanceId": "b", "onChange": "next-boot"}}
    new_replace = {"cloudInit": {"instanceId": "b", "onChange": "replace"}}
    assert [c.effect for c in classify(old, new_next_boot, DOMAIN_RULES)] == [Effect.LIVE]
    assert [c.effect for c in classify(old, new_replace, DOMAIN_RULES)] == [Effect.REPLACE]
