"""Tests of the lab itself: if these pass, the hosts behave like separate KVM hosts.

Every boot here is a real TCG guest on a real libvirtd; nothing is mocked.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

import libvirt
import pytest

from tests.lab import (
    BOOT_MARKER,
    DiskAttachment,
    Lab,
    LabHost,
    TinyGuest,
    guest_read_value,
    make_base_image,
    wait_for_marker,
    wait_until,
)
from tests.lab.leaks import leftovers
from tests.lab.registry import sweep_stale_labs
from tests.lab.root_network import RootNetworkState

BOOT_TIMEOUT = 90.0
MIGRATION_FLAGS = (
    libvirt.VIR_MIGRATE_LIVE
    | libvirt.VIR_MIGRATE_PEER2PEER
    | libvirt.VIR_MIGRATE_PERSIST_DEST
    | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE
    | libvirt.VIR_MIGRATE_UNSAFE
)
_TICK = re.compile(r"^tick (\d+)\r?$", re.MULTILINE)


@contextmanager
def connection(host: LabHost) -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(host.uri)
    try:
        yield conn
    finally:
        conn.close()


def remove_domain(host: LabHost, name: str, *, keep_log: bool = False) -> None:
    """Destroy and undefine `name` on `host` if it is there, and (unless `keep_log`) remove
    its console log, which the lab's leak check looks for (test cleanup)."""
    with connection(host) as conn:
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            dom = None
        if dom is not None and dom.isActive():
            dom.destroy()
        if dom is not None and dom.isPersistent():
            dom.undefine()
    if not keep_log:
        host.serial_log_path(name).unlink(missing_ok=True)


def boot(
    host: LabHost, guest: TinyGuest, name: str, cmdline: str, disks: list[DiskAttachment]
) -> str:
    """Define `name` afresh, start it, wait for it to power off, return its serial log."""
    remove_domain(host, name, keep_log=True)  # a test may count boots across calls
    with connection(host) as conn:
        dom = conn.defineXML(guest.domain_xml(name, cmdline, disks=disks))
        dom.create()
        wait_until(
            lambda: not dom.isActive(),
            BOOT_TIMEOUT,
            f"{name} to power off",
            details=lambda: host.read_serial_log(name)[-2000:],
        )
    return host.read_serial_log(name)


def ticks(log: str) -> list[int]:
    return [int(n) for n in _TICK.findall(log)]


def host_uuid(host: LabHost) -> str:
    with connection(host) as conn:
        caps = ElementTree.fromstring(conn.getCapabilities())
    return caps.findtext("host/uuid") or ""


def test_hosts_are_distinct_libvirt_hosts(lab_host_pair: tuple[LabHost, LabHost]) -> None:
    first, second = (host_uuid(host) for host in lab_host_pair)
    assert first and second
    assert first != second
    assert len(set(first.replace("-", ""))) > 1
    assert lab_host_pair[0].uri != lab_host_pair[1].uri


def test_tiny_guest_boots_and_powers_off(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    name = f"{name_prefix}boot"
    try:
        started = time.monotonic()
        log = boot(lab_host, tiny_guest, name, tiny_guest.cmdline(name, mode="poweroff"), [])
        assert f"{BOOT_MARKER} {name}" in log
        assert time.monotonic() - started < BOOT_TIMEOUT
    finally:
        remove_domain(lab_host, name)


def test_disk_write_survives_into_next_boot(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}disk"
    text = f"written-by-{name}"
    disk = make_base_image(lab_scratch / "data.qcow2", size_mib=16)
    disks = [DiskAttachment(str(disk))]
    try:
        first = boot(
            lab_host,
            tiny_guest,
            name,
            tiny_guest.cmdline(name, mode="poweroff", write=("/dev/vda", text)),
            disks,
        )
        assert "GUEST-WROTE /dev/vda" in first
        assert guest_read_value(first) is None
        second = boot(
            lab_host,
            tiny_guest,
            name,
            tiny_guest.cmdline(name, mode="poweroff", read="/dev/vda"),
            disks,
        )
        assert second.count(f"{BOOT_MARKER} {name}") == 2
        assert guest_read_value(second) == text
    finally:
        remove_domain(lab_host, name)


def test_guest_sees_base_image_marker_through_overlay(
    lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str, lab_scratch: Path
) -> None:
    name = f"{name_prefix}base"
    base = make_base_image(lab_scratch / "base.qcow2", marker=f"base-of-{name}")
    overlay = lab_scratch / "overlay.qcow2"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2", str(overlay)],
        check=True,
    )
    try:
        log = boot(
            lab_host,
            tiny_guest,
            name,
            tiny_guest.cmdline(name, mode="poweroff", read="/dev/vda"),
            [DiskAttachment(str(overlay))],
        )
        assert guest_read_value(log) == f"base-of-{name}"
    finally:
        remove_domain(lab_host, name)


def test_live_migration_keeps_the_guest_running(
    lab: Lab,
    lab_host_pair: tuple[LabHost, LabHost],
    tiny_guest: TinyGuest,
    name_prefix: str,
) -> None:
    source, target = lab_host_pair
    name = f"{name_prefix}mig"
    shared = lab.scratch_dir(f"{name_prefix}shared")
    disk = make_base_image(shared / "disk.qcow2", size_mib=16)
    xml = tiny_guest.domain_xml(
        name, tiny_guest.cmdline(name, mode="loop"), disks=[DiskAttachment(str(disk))]
    )
    try:
        with connection(source) as conn:
            conn.defineXML(xml).create()
            wait_for_marker(source.serial_log_path(name), "tick 3", BOOT_TIMEOUT)
            conn.lookupByName(name).migrateToURI3(
                target.uri,
                {
                    libvirt.VIR_MIGRATE_PARAM_URI: "tcp://127.0.0.1",
                    libvirt.VIR_MIGRATE_PARAM_LISTEN_ADDRESS: "127.0.0.1",
                },
                MIGRATION_FLAGS,
            )
            assert name not in [dom.name() for dom in conn.listAllDomains(0)]
        with connection(target) as conn:
            dom = conn.lookupByName(name)
            assert dom.isActive()
            assert dom.isPersistent()
        last_on_source = max(ticks(source.read_serial_log(name)))
        on_target = wait_until(
            lambda: found if len(found := ticks(target.read_serial_log(name))) >= 2 else None,
            30,
            f"ticks of {name} on {target.name}",
            details=lambda: target.read_serial_log(name),
        )
        # Continuing the count (not "tick 1" after a reboot) proves the guest moved live; +2
        # allows a line split across the switch-over.
        assert on_target[0] in (last_on_source + 1, last_on_source + 2), (
            last_on_source,
            on_target,
        )
        assert BOOT_MARKER not in target.read_serial_log(name)
    finally:
        remove_domain(source, name)
        remove_domain(target, name)


def test_nat_network_stays_inside_the_lab(
    lab: Lab, lab_host: LabHost, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    if lab.netns is None:
        pytest.skip("KVM_TEST_URI host: there is no lab network namespace to stay inside")
    before = RootNetworkState.capture()
    net_name, bridge, dom_name = f"{name_prefix}nat", f"{name_prefix}br", f"{name_prefix}dhcp"
    subnet = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}"
    network_xml = f"""<network>
  <name>{net_name}</name>
  <forward mode='nat'/>
  <bridge name='{bridge}' stp='off'/>
  <ip address='{subnet}.1' netmask='255.255.255.0'>
    <dhcp><range start='{subnet}.10' end='{subnet}.20'/></dhcp>
  </ip>
</network>"""
    with connection(lab_host) as conn:
        network = conn.networkDefineXML(network_xml)
        try:
            network.create()
            assert before.differences(RootNetworkState.capture()) == []
            assert lab.run_in_netns(["ip", "link", "show", "dev", bridge]).returncode == 0
            root_link = subprocess.run(
                ["ip", "link", "show", "dev", bridge], capture_output=True, check=False
            )
            assert root_link.returncode != 0
            assert subnet in lab.run_in_netns(["nft", "list", "ruleset"]).stdout
            log = boot_on_network(lab_host, tiny_guest, dom_name, net_name)
            leased = re.search(r"GUEST-DHCP-IP (\S+)", log)
            assert leased is not None, log[-2000:]
            assert leased.group(1).startswith(f"{subnet}.")
            assert leased.group(1) in [lease["ipaddr"] for lease in network.DHCPLeases()]
        finally:
            remove_domain(lab_host, dom_name)
            if network.isActive():
                network.destroy()
            network.undefine()
    assert before.differences(RootNetworkState.capture()) == []


def boot_on_network(host: LabHost, guest: TinyGuest, name: str, network: str) -> str:
    with connection(host) as conn:
        xml = guest.domain_xml(
            name, guest.cmdline(name, mode="poweroff", dhcp=True), networks=[network]
        )
        dom = conn.defineXML(xml)
        dom.create()
        wait_until(
            lambda: not dom.isActive(),
            BOOT_TIMEOUT,
            f"{name} to power off",
            details=lambda: host.read_serial_log(name)[-2000:],
        )
    return host.read_serial_log(name)


def test_leak_check_finds_objects_with_the_prefix(lab_host: LabHost, name_prefix: str) -> None:
    name = f"{name_prefix}leak"
    with connection(lab_host) as conn:
        network = conn.networkDefineXML(f"<network><name>{name}</name></network>")
        try:
            assert leftovers(lab_host, name_prefix) == [
                f"{lab_host.name}: network {name} (inactive)"
            ]
        finally:
            network.undefine()
    assert leftovers(lab_host, name_prefix) == []


@pytest.mark.lab
def test_stopping_a_lab_leaves_no_process_or_namespace(tiny_guest: TinyGuest) -> None:
    lab = Lab.start(1)
    try:
        host = lab.hosts[0]
        assert host.process is not None
        init = Path(f"/proc/{host.process.pid}/task/{host.process.pid}/children").read_text()
        pid_namespace = Path(f"/proc/{init.split()[0]}/ns/pid").readlink()
        with connection(host) as conn:
            conn.createXML(tiny_guest.domain_xml("orphan-check", tiny_guest.cmdline("x")), 0)
        assert len(processes_in(pid_namespace)) >= 4  # init, virtlogd, libvirtd, qemu
    finally:
        lab.stop()
    assert processes_in(pid_namespace) == []
    assert lab.netns is not None
    assert not Path("/run/netns", lab.netns).exists()
    assert not lab.directory.exists()


@pytest.mark.lab
def test_a_killed_test_process_leaves_nothing_after_the_next_sweep() -> None:
    script = (
        "import time; from tests.lab import Lab; lab = Lab.start(1); "
        "print(lab.directory, lab.netns, flush=True); time.sleep(600)"
    )
    repo = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        directory, netns = child.stdout.readline().split()
    finally:
        child.kill()
        child.wait()
    wait_until(
        lambda: not processes_mentioning(directory), 20, f"processes of the lab in {directory}"
    )
    assert Path("/run/netns", netns).exists()  # only the sweep removes these
    sweep_stale_labs()
    assert not Path("/run/netns", netns).exists()
    assert not Path(directory).exists()


def processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and text in (proc / "cmdline").read_text():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def processes_in(pid_namespace: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "ns" / "pid").readlink() == pid_namespace:
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_name_prefix_is_short_and_session_wide(name_prefix: str, session_prefix: str) -> None:
    assert name_prefix.startswith(session_prefix)
    assert re.fullmatch(r"kt[0-9a-f]{6}-", name_prefix)


@pytest.mark.parametrize("bad", ["two words", 'quo"te', "back\\slash", ""])
def test_cmdline_refuses_words_the_kernel_would_split(bad: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        TinyGuest.cmdline("x", write=("/dev/vda", bad))


def test_root_network_state_reports_a_change() -> None:
    before = RootNetworkState("rules", "", "", "ipv4 ip_forward=0")
    after = RootNetworkState("rules", "", "", "ipv4 ip_forward=1")
    assert before.differences(before) == []
    assert [change.split(":")[0] for change in before.differences(after)] == ["forwarding changed"]
