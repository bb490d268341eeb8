"""__main__.py under Pulumi mocks: the resource graph and key inputs of both stacks."""

from __future__ import annotations

import copy
import re

import pytest

from components.config.load import StackConfigError
from tests.components.mocks import run_main, stack_config


def test_dev_stack_registers_the_estate():
    mocks = run_main("dev")
    assert [r.name for r in mocks.of_type(":KvmHost")] == ["local"]
    pools = mocks.of_type("kvm:StoragePool")
    assert [(p.name, p.inputs["name"], p.inputs["path"]) for p in pools] == [
        ("vmstore@local", "dev-vmstore", "/var/lib/libvirt/kvm-estate/dev")
    ]
    networks = {n.name: n for n in mocks.of_type("kvm:Network")}
    assert set(networks) == {"lan@local", "backend@local"}
    network = networks["lan@local"]
    assert network.inputs["forwardMode"] == "nat"
    assert network.inputs["domainName"] == "dev.internal"
    backend = networks["backend@local"]
    assert "forwardMode" not in backend.inputs, "isolated: no <forward>"
    assert network.inputs["ips"] == [
        {
            "address": "10.70.0.1",
            "prefix": 24,
            "dhcpRanges": [{"start": "10.70.0.100", "end": "10.70.0.199"}],
            "dhcpHosts": [],
        }
    ]
    assert network.inputs["ownership"] == {"project": "kvm-estate", "stack": "dev", "name": "lan"}
    volumes = {v.name: v.inputs for v in mocks.of_type("kvm:Volume")}
    (base_name,) = [n for n in volumes if n.startswith("debian-")]
    assert re.fullmatch(r"debian-[0-9a-f]{8}@local", base_name), "base named by image version"
    assert set(volumes) == {base_name, "web-1-root", "web-2-root"}
    base = volumes[base_name]
    assert base["source"] == {
        "url": "https://cloud.debian.org/images/cloud/bookworm/20250210-2019/"
        "debian-12-genericcloud-amd64-20250210-2019.qcow2"
    }
    assert volumes["web-1-root"]["backingPath"] == f"/mock/{base['name']}"
    assert volumes["web-1-root"]["rebuild"] == 0
    assert volumes["web-1-root"]["capacityBytes"] == 10 * 1024**3
    domains = {d.name: d.inputs for d in mocks.of_type("kvm:Domain")}
    assert set(domains) == {"web-1", "web-2"}
    web1, web2 = domains["web-1"], domains["web-2"]
    assert (web1["memoryMib"], web1["maxMemoryMib"]) == (512, 2048)
    assert web2["memoryMib"] == 768
    assert web1["name"] == "dev-web-1"
    assert web1["domainType"] == "auto"
    assert (web1["machine"], web1["firmware"]) == ("q35", "efi"), "gen2"
    assert web1["rng"] == {"model": "virtio", "backend": "random", "source": "/dev/urandom"}
    assert web1["guestAgent"]["targetName"] == "org.qemu.guest_agent.0"
    assert [d["bus"] for d in web1["disks"]] == ["virtio"]
    assert web1["disks"][0]["volume"] == "dev-web-1-root.qcow2"
    assert web1["disks"][0]["pool"] == "dev-vmstore"
    assert [i["network"] for i in web1["interfaces"]] == ["dev-lan", "dev-backend"]
    assert web1["interfaces"][0]["mac"] != web2["interfaces"][0]["mac"]
    reservations = {r.name: r.inputs for r in mocks.of_type("kvm:DhcpReservation")}
    assert reservations["web-1-nic1"] == {
        "connectionUri": "qemu:///system",
        "network": "dev-backend",
        "networkUuid": "uuid-backend@local",
        "mac": web1["interfaces"][1]["mac"],
        "ip": "10.71.0.11",
        "name": "web-1",
    }
    assert set(reservations) == {"web-1-nic1", "web-2-nic1"}
    assert web1["connectionUri"] == "qemu:///system"


def test_macs_are_stable_across_runs_and_locally_administered():
    first = {d.name: d.inputs["interfaces"] for d in run_main("dev").of_type("kvm:Domain")}
    second = {d.name: d.inputs["interfaces"] for d in run_main("dev").of_type("kvm:Domain")}
    assert first == second
    mac = first["web-1"][0]["mac"]
    assert int(mac.split(":")[0], 16) & 0x02, "locally administered bit set"


def test_prod_stack_places_resources_per_host():
    mocks = run_main("prod")
    hosts = {h.name for h in mocks.of_type(":KvmHost")}
    assert hosts == {"hv1", "hv2"}
    pools = {p.name: p.inputs["connectionUri"] for p in mocks.of_type("kvm:StoragePool")}
    assert pools == {
        "vmstore@hv1": "qemu+ssh://admin@hv1.example.internal/system",
        "vmstore@hv2": "qemu+ssh://admin@hv2.example.internal/system",
    }
    networks = {n.name: n.inputs for n in mocks.of_type("kvm:Network")}
    assert set(networks) == {"lan@hv1", "lan@hv2", "backend@hv1", "backend@hv2"}
    assert networks["lan@hv1"]["forwardMode"] == "bridge"
    assert networks["lan@hv1"]["bridgeName"] == "br0"
    assert len(mocks.of_type("kvm:DhcpReservation")) == 3
    bases = sorted(
        v.name.split("@")[1] for v in mocks.of_type("kvm:Volume") if v.name.startswith("debian-")
    )
    assert bases == ["shared"], "shared storage: the base image is imported once, for both hosts"
    roots = {v.name: v.inputs for v in mocks.of_type("kvm:Volume") if v.name.endswith("-root")}
    assert all(r["shared"] for r in roots.values())
    assert roots["web-2-root"]["connectionUri"].startswith("qemu+ssh://admin@hv2")
    assert mocks.named("kvm:Domain", "web-2").inputs["migration"]["sharedStorage"] is True
    pgdata = mocks.named("kvm:Volume", "db-1-pgdata").inputs
    assert pgdata["capacityBytes"] == 500 * 1024**3
    db_disks = mocks.named("kvm:Domain", "db-1").inputs["disks"]
    assert [(d["target"], d["volume"]) for d in db_disks] == [
        ("vda", "prod-db-1-root.qcow2"),
        ("vdb", "prod-db-1-pgdata.qcow2"),
    ]
    assert mocks.named("kvm:Domain", "db-1").inputs["tpm"]["model"] == "tpm-crb"
    domains = {d.name: d.inputs for d in mocks.of_type("kvm:Domain")}
    assert domains["db-1"]["memoryMib"] == 8192
    assert domains["db-1"]["restartPolicy"] == "manual"
    assert domains["db-1"]["machine"] == "q35"
    assert domains["web-2"]["connectionUri"].startswith("qemu+ssh://admin@hv2")
    assert domains["db-1"]["domainType"] == "kvm"
    for vm in ("db-1", "web-1", "web-2"):
        policy = domains[vm]["snapshotPolicy"]
        assert (policy["name"], policy["schedule"], policy["beforeChange"]) == (
            "nightly",
            "daily at 02:00",
            True,
        ), f"{vm} is governed by the nightly policy"
    assert [p.name for p in mocks.of_type(":SnapshotPolicy")] == ["nightly"]


def _broken(mutate):
    config = copy.deepcopy(stack_config("dev"))
    mutate(config)
    return config


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda c: c["vms"][1].update(memory="2GB?"), "vms[1].memory: '2GB?' is not a size"),
        (lambda c: c["vms"][0]["nics"][0].update(network="wan"), "vms[0].nics[0].network: 'wan'"),
        (lambda c: c["vms"][1].update(name="web-1"), "duplicate VM names ['web-1']"),
        (lambda c: c["networks"]["lan"].update(subnet="10.70.0.0/99"), "networks.lan.subnet"),
    ],
)
def test_bad_config_fails_before_any_resource(mutate, expected):
    with pytest.raises(StackConfigError) as err:
        run_main("dev", _broken(mutate))
    assert expected in str(err.value)
