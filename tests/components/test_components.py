"""Components under mocks: validation at construction, host checks, children."""

from __future__ import annotations

import logging
import re

import pytest

from components.hosts.inspection import LibvirtInspector, host_inspector
from components.hosts.kvm_host import KvmHost, host_probe, libvirt_probe, set_host_probe
from components.hosts.storage_pool import StoragePool
from components.machines.virtual_machine import Nic
from components.machines.vm_template import VmTemplate
from components.networks.nat import NatNetwork
from components.providers.host_facts import DomainTypeChoice
from tests.components.mocks import run_program


def _estate(**vm_settings):
    host = KvmHost("hv1", uri="qemu+ssh://admin@hv1/system")
    pool = StoragePool("vmstore", [host], "/srv/vmstore")
    lan = NatNetwork(
        "lan", [host], subnet="10.9.0.0/24", dhcp={"start": "10.9.0.10", "end": "10.9.0.50"}
    )
    debian = VmTemplate(
        "debian",
        pool,
        image={"url": "https://example.org/d.qcow2"},
        memory="1GiB",
        maxMemory="4GiB",
        diskSize="8GiB",
    )
    return debian.instantiate("web-1", host, nics=[Nic(lan)], **vm_settings)


def test_template_instantiate_builds_clone_and_domain():
    mocks = run_program(_estate)
    root = mocks.named("kvm:Volume", "web-1-root").inputs
    assert re.fullmatch(r"/mock/dev-debian-[0-9a-f]{8}\.qcow2", root["backingPath"])
    assert root["capacityBytes"] == 8 * 1024**3
    domain = mocks.named("kvm:Domain", "web-1").inputs
    assert domain["memoryMib"] == 1024
    assert domain["maxMemoryMib"] == 4096
    (base,) = [v.inputs for v in mocks.of_type("kvm:Volume") if v.name.startswith("debian-")]
    assert base["source"] == {"url": "https://example.org/d.qcow2"}


def test_vm_overrides_template_sizes():
    mocks = run_program(lambda: _estate(memory="2GiB", vcpus=1))
    assert mocks.named("kvm:Domain", "web-1").inputs["memoryMib"] == 2048


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"memory": "8GiB"}, "VirtualMachine 'web-1': memory: 8192 MiB is above maxMemory 4096"),
        ({"memory": "2GB?"}, "VirtualMachine 'web-1': memory: '2GB?' is not a size"),
        ({"vcpus": 0}, "VirtualMachine 'web-1': vcpus: Input should be greater than 0"),
        ({"restartPolicy": "sometimes"}, "restartPolicy"),
    ],
)
def test_vm_refuses_bad_settings(settings, expected):
    with pytest.raises(ValueError, match=re.escape(expected)):
        run_program(lambda: _estate(**settings))


def test_kvm_host_refuses_a_bad_uri():
    with pytest.raises(ValueError, match=r"KvmHost 'hv1': uri: 'hv1.example' is not a libvirt URI"):
        run_program(lambda: KvmHost("hv1", uri="hv1.example"))


def test_nat_network_refuses_dhcp_outside_subnet():
    def program():
        host = KvmHost("hv1", uri="qemu:///system")
        NatNetwork(
            "lan", [host], subnet="10.9.0.0/24", dhcp={"start": "10.9.1.10", "end": "10.9.1.50"}
        )

    with pytest.raises(
        ValueError, match=re.escape("NatNetwork 'lan': dhcp.start: 10.9.1.10 is outside")
    ):
        run_program(program)


def test_storage_pool_refuses_relative_path():
    def program():
        StoragePool("vmstore", [KvmHost("hv1", uri="qemu:///system")], "images")

    expected = "StoragePool 'vmstore': path: 'images' must be an absolute path"
    with pytest.raises(ValueError, match=expected):
        run_program(program)


def test_too_long_libvirt_name_is_refused():
    def program():
        host = KvmHost("hv1", uri="qemu:///system")
        pool = StoragePool("vmstore", [host], "/srv")
        VmTemplate("t", pool, image={"path": "/i.qcow2"}).instantiate("v" * 70, host)

    with pytest.raises(ValueError, match="characters long"):
        run_program(program)


def test_host_check_warns_when_vms_fall_back_to_qemu(caplog):
    def program():
        set_host_probe(lambda uri: DomainTypeChoice("qemu", "no vmx/svm on " + uri))
        KvmHost("hv1", uri="qemu:///system")

    with caplog.at_level(logging.WARNING):
        run_program(program)
    assert "host hv1: VMs will run under qemu: no vmx/svm on qemu:///system" in caplog.text


def test_unreachable_host_is_a_warning_at_preview(caplog):
    def failing(uri):
        raise ConnectionError("connection refused")

    def program():
        set_host_probe(failing)
        KvmHost("hv1", uri="qemu+ssh://x/system")

    with caplog.at_level(logging.WARNING):
        run_program(program)
    assert "cannot check hardware virtualisation" in caplog.text


def test_switching_host_checks_off_in_a_test():
    """Turned off here; `tests/conftest.py` puts them back after the test."""
    set_host_probe(None)
    assert host_probe() is None and host_inspector() is None


def test_host_checks_are_on_again_in_the_next_test():
    """The real probe and inspector are what later tests (and a real preview) get."""
    assert host_probe() is libvirt_probe
    assert isinstance(host_inspector(), LibvirtInspector)
