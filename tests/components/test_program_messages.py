"""Messages the program says on the resource's own row (where the engine shows them),
instead of only as the plugin process's unattached stderr text: the migration announcement
at preview, pending restarts, VMs re-attached to a replaced network."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.hosts.inspection import HostCapacity, MachineSupport, set_host_inspector
from components.hosts.kvm_host import KvmHost
from components.hosts.move_notices import announce_moves
from components.hosts.storage_pool import StoragePool
from components.machines.virtual_machine import VirtualMachine
from components.machines.vm_template import VmTemplate
from components.networks.nat import NatNetwork
from components.providers.resources import LibvirtNetwork
from tests.components import mocks
from tests.components.mocks import run_program

HV1, HV2 = "qemu+ssh://admin@hv1/system", "qemu+ssh://admin@hv2/system"


class Inspector:
    """Two hosts; `where` maps (uri, domain) to running (True/False); others raise for hv3."""

    def __init__(self, where: dict[tuple[str, str], bool]) -> None:
        self.where = where

    def answers(self, uri: str) -> None:
        """Every host answers (reachability is not what these tests are about)."""

    def interfaces(self, uri: str) -> set[str]:
        return set()

    def networks(self, uri: str) -> list[Any]:
        return []

    def machine_support(self, uri: str, arch: str, machine: str, virt_type: str) -> MachineSupport:
        return MachineSupport("pc-q35-7.2", efi=True, secure_boot=True, tpm_emulator=True)

    def capacity(self, uri: str, project: str, stack: str) -> HostCapacity:
        return HostCapacity(8, 16384, ())

    def domain_state(self, uri: str, name: str) -> bool | None:
        if "hv3" in uri:
            raise ConnectionError("hv3 is down")
        return self.where.get((uri, name))


def said(monkeypatch: pytest.MonkeyPatch, level: str) -> list[tuple[str, Any]]:
    """What the program logs at `level`, with the resource each line is attached to."""
    lines: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        pulumi.log, level, lambda msg, resource=None, *_a, **_k: lines.append((msg, resource))
    )
    return lines


def moving_program(inspector: Inspector, shared: bool) -> Any:
    def program() -> None:
        set_host_inspector(inspector)
        extra = {"sharedStorage": "/srv"} if shared else {}
        hosts = [
            KvmHost(n, uri=u, domainType="qemu", **extra)
            for n, u in (("hv1", HV1), ("hv2", HV2), ("hv3", HV1.replace("hv1", "hv3")))
        ]
        pool = StoragePool("vmstore", hosts, "/srv/pool")
        tmpl = VmTemplate("t", pool, image={"path": __file__}, diskSize="8GiB")
        vms: dict[str, VirtualMachine] = {
            "web-1": tmpl.instantiate("web-1", hosts[1]),
            "web-2": tmpl.instantiate("web-2", hosts[1]),
            "db-1": tmpl.instantiate("db-1", hosts[0]),
        }
        announce_moves(vms, hosts)

    return program


def test_a_vm_found_on_another_host_is_announced_as_a_migration_on_its_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = said(monkeypatch, "info")
    where = {(HV1, "dev-web-1"): True, (HV1, "dev-web-2"): False, (HV1, "dev-db-1"): True}
    run_program(moving_program(Inspector(where), shared=True))
    moves = {msg: resource for msg, resource in info if "migrate" in msg}
    assert set(moves) == {
        "web-1: migrate hv1 → hv2 (live, shared storage)",
        "web-2: migrate hv1 → hv2 (offline, shared storage)",
    }
    assert all(isinstance(r, VirtualMachine) for r in moves.values()), "not on the VM's row"
    assert {r.domain_name for r in moves.values()} == {"dev-web-1", "dev-web-2"}


def test_without_shared_storage_the_disks_are_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    info = said(monkeypatch, "info")
    run_program(moving_program(Inspector({(HV1, "dev-web-1"): True}), shared=False))
    assert [m for m, _ in info if "migrate" in m] == [
        "web-1: migrate hv1 → hv2 (live, copy storage)"
    ]


class PendingMocks(mocks.RecordingMocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        id_, outputs = super().new_resource(args)
        if args.typ.endswith("Domain"):
            outputs["pendingRestart"] = args.name == "web-1"
        if args.typ.endswith("Network"):
            outputs["reattachedDomains"] = ["dev-web-2", "dev-web-1"]
        return id_, outputs


def test_a_pending_restart_is_a_warning_on_the_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    warned = said(monkeypatch, "warn")
    monkeypatch.setattr(mocks, "RecordingMocks", PendingMocks)
    run_program(moving_program(Inspector({}), shared=True))
    pending = [(m, r) for m, r in warned if "restart" in m]
    assert len(pending) == 1
    message, resource = pending[0]
    assert message.startswith("web-1: changes wait for a restart (restartPolicy: manual)")
    assert isinstance(resource, VirtualMachine) and resource.domain_name == "dev-web-1"


def test_vms_re_attached_by_a_network_replace_are_said_on_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = said(monkeypatch, "info")
    monkeypatch.setattr(mocks, "RecordingMocks", PendingMocks)

    def program() -> None:
        set_host_inspector(Inspector({}))
        NatNetwork("lan", [KvmHost("hv1", uri=HV1, domainType="qemu")], subnet="10.7.0.0/24")

    run_program(program)
    lines = [(m, r) for m, r in info if "re-attached" in m]
    assert len(lines) == 1
    message, resource = lines[0]
    assert message == "network dev-lan: re-attached running VMs ['dev-web-1', 'dev-web-2']"
    assert isinstance(resource, LibvirtNetwork)
