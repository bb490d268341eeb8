"""A lab host's facts as the HostFacts provider reads them, the domain-type decision on this
machine, and the URI KvmHost builds for qemu+ssh driven through libvirt's real ssh transport."""

from __future__ import annotations

import itertools
import logging
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

from components.config.host_uri import SshConfig, connection_uri
from components.hosts.kvm_host import KvmHost, libvirt_probe, set_host_probe
from components.providers.connection import close_all
from components.providers.host_facts import version_text
from components.providers.host_facts_resource import HostFactsProvider
from components.providers.pool import StoragePoolProvider
from components.spec.connection_uri import parse_host_uri
from tests.components.mocks import run_program
from tests.components.providers.lab_support import cleaned, connection
from tests.components.providers.wire import Engine, pool_inputs
from tests.lab import LabHost

VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def _version(text: str) -> tuple[int, ...]:
    match = VERSION.match(text)
    assert match, f"{text!r} is not a version"
    return tuple(int(p) for p in match.groups())


def test_facts_of_a_lab_host(lab_host: LabHost, name_prefix: str, lab_scratch: Path) -> None:
    pool = f"{name_prefix}pool"
    with cleaned(lab_host, name_prefix):
        pools = Engine(StoragePoolProvider())
        made = pools.create(pool_inputs(lab_host.uri, pool, str(lab_scratch / "pool")))
        facts = Engine(HostFactsProvider())
        res = facts.create({"connectionUri": lab_host.uri})
        outs = res.outputs
        with connection(lab_host) as conn:
            capabilities = etree.fromstring(conn.getCapabilities().encode())
            _arch, memory_mib, cpus, *_ = conn.getInfo()
            assert outs["hostname"] and outs["hostname"] == conn.getHostname()
            assert outs["libvirtVersion"] == version_text(conn.getLibVersion())
            assert outs["qemuVersion"] == version_text(conn.getVersion())
        assert res.id == outs["hostUuid"] == capabilities.findtext("host/uuid")
        assert _version(outs["libvirtVersion"]) > (0, 0, 0)
        assert _version(outs["qemuVersion"]) > (0, 0, 0)
        assert (outs["cpus"], outs["memoryMib"]) == (cpus, memory_mib)
        assert outs["cpus"] > 0 and outs["memoryMib"] > 0
        assert outs["arch"] == "x86_64" and "x86_64" in outs["architectures"]
        assert outs["cpuModel"] == capabilities.findtext("host/cpu/model")
        machines = outs["machineTypes"]["x86_64"]
        assert any(re.fullmatch(r"pc-q35-\d+\.\d+", m) for m in machines), machines
        assert {"q35", "pc"} <= set(machines), "aliases are listed too"
        assert "qemu" in outs["domainTypes"]["x86_64"]
        assert any("OVMF" in path for path in outs["firmware"]), outs["firmware"]
        assert all(path.startswith("/") for path in outs["firmware"])
        assert pool in outs["storagePools"]

        pools.delete(made)
        found_id, refreshed = facts.read(res)
        assert found_id == res.id
        assert pool not in refreshed["storagePools"], "refresh follows the host"

        facts.delete(res)
        with connection(lab_host) as conn:
            assert conn.getHostname() == outs["hostname"], "deleting the facts left the host be"


def _without_hw_virt(lab_host: LabHost) -> None:
    """This test is about hosts like this machine: libvirt offers kvm, the CPU has no vmx/svm."""
    with connection(lab_host) as conn:
        root = etree.fromstring(conn.getCapabilities().encode())
    features = {f.get("name") for f in root.findall("host/cpu/feature")}
    offered = {d.get("type") for d in root.findall("guest/arch[@name='x86_64']/domain")}
    if features & {"vmx", "svm"} or "kvm" not in offered:
        pytest.skip(f"needs kvm offered without vmx/svm; features here: {sorted(features)[:5]}…")


def test_domain_type_auto_picks_qemu_without_vmx_svm(
    lab_host: LabHost, caplog: pytest.LogCaptureFixture
) -> None:
    _without_hw_virt(lab_host)
    choice = libvirt_probe(lab_host.uri)
    assert choice.domain_type == "qemu"
    assert "libvirt offers kvm but the host CPU reports no vmx/svm" in choice.reason

    outs = Engine(HostFactsProvider()).create({"connectionUri": lab_host.uri}).outputs
    assert (outs["domainType"], outs["domainTypeReason"]) == (choice.domain_type, choice.reason)
    assert "kvm" in outs["domainTypes"]["x86_64"], "kvm is offered, and still not chosen"

    def program() -> None:
        set_host_probe(libvirt_probe)
        KvmHost("lab", uri=lab_host.uri, domainType="auto")

    with caplog.at_level(logging.WARNING):
        run_program(program)
    assert (
        "host lab: VMs will run under qemu: libvirt offers kvm but the host CPU reports no "
        "vmx/svm" in caplog.text
    )


FAKE_SSH = """#!/bin/sh
# Stands in for OpenSSH: records the arguments libvirt gives ssh, then runs the remote
# command (the last argument: nc -U <socket>) here, where the lab host's socket is.
printf '%s\\n' "$@" > {log}
for last; do :; done
exec sh -c "$last"
"""


def test_ssh_options_reach_libvirts_ssh_transport(lab_host: LabHost, lab_scratch: Path) -> None:
    """The URI KvmHost builds, opened by libvirt's qemu+ssh transport: user, port, key file
    and noVerify arrive as the ssh options libvirt documents, and the facts come back."""
    if shutil.which("nc") is None:
        pytest.fail(
            "needs nc (libvirt's ssh transport proxies through it): apt-get install "
            "netcat-openbsd, or run scripts/install-system-deps",
            pytrace=False,
        )
    socket = parse_host_uri(lab_host.uri).param("socket") or "/run/libvirt/libvirt-sock"
    log = lab_scratch / "ssh-args"
    fake = lab_scratch / "ssh"
    fake.write_text(FAKE_SSH.format(log=log))
    fake.chmod(0o755)
    key = lab_scratch / "id_ed25519"
    uri = connection_uri(
        f"qemu+ssh://hv1.lab.invalid/system?socket={socket}&proxy=netcat&command={fake}",
        SshConfig(user="admin", port=2222, key_file=str(key), no_verify=True),
    )
    assert uri.endswith(f"&keyfile={key}&no_verify=1")
    assert "//admin@hv1.lab.invalid:2222/" in uri

    try:
        over_ssh = Engine(HostFactsProvider()).create({"connectionUri": uri}).outputs
        direct = Engine(HostFactsProvider()).create({"connectionUri": lab_host.uri}).outputs
    finally:
        close_all()
    assert over_ssh["hostUuid"] == direct["hostUuid"], "the same host, reached over 'ssh'"
    args = log.read_text().splitlines()
    options = args[: args.index("--")]
    pairs = set(itertools.pairwise(options))
    assert {
        ("-p", "2222"),
        ("-l", "admin"),
        ("-i", str(key)),
        ("-o", "StrictHostKeyChecking=no"),
    } <= pairs, options
    assert args[args.index("--") + 1] == "hv1.lab.invalid"
    assert not any("known" in a.lower() for a in options), "no known_hosts for OpenSSH"
