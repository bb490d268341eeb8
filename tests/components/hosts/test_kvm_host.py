"""KvmHost under mocks: the URI every resource gets, SSH options, errors, the facts child."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from components.config.load import StackConfigError, parse_stack_config
from components.hosts.kvm_host import KvmHost
from components.hosts.storage_pool import StoragePool
from components.providers.host_facts import FACT_KEYS
from tests.components.mocks import run_program

SSH_URI = "qemu+ssh://hv1.example.internal/system"


def _host_and_pool(**host: Any) -> None:
    StoragePool("vmstore", [KvmHost("hv1", **host)], "/srv/vmstore")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (
            {"uri": SSH_URI, "ssh": {"user": "admin", "port": 2222, "keyFile": "/srv/keys/hv1"}},
            "qemu+ssh://admin@hv1.example.internal:2222/system?keyfile=/srv/keys/hv1",
        ),
        (
            {"uri": "qemu+ssh://admin@hv1/system", "ssh": {"noVerify": True}},
            "qemu+ssh://admin@hv1/system?no_verify=1",
        ),
        (
            {
                "uri": "qemu+libssh://admin@hv1/system?sshauth=privkey",
                "ssh": {"keyFile": "/k/id ed25519", "knownHosts": "/k/known", "noVerify": True},
            },
            "qemu+libssh://admin@hv1/system?sshauth=privkey&keyfile=/k/id%20ed25519"
            "&known_hosts=/k/known&known_hosts_verify=auto",
        ),
        (
            {"uri": "qemu+ssh://[fd00::5]/system", "ssh": {"port": 22}},
            "qemu+ssh://[fd00::5]:22/system",
        ),
        ({"uri": "qemu+ssh://admin@hv1/system", "ssh": {}}, "qemu+ssh://admin@hv1/system"),
        (
            {"uri": "qemu+unix:///system?socket=/run/a/sock"},
            "qemu+unix:///system?socket=/run/a/sock",
        ),
        ({"uri": "qemu+tls://hv1:16514/system"}, "qemu+tls://hv1:16514/system"),
    ],
)
def test_every_resource_gets_the_effective_uri(host: dict[str, Any], expected: str) -> None:
    mocks = run_program(lambda: _host_and_pool(**host))
    assert mocks.named("kvm:StoragePool", "vmstore@hv1").inputs["connectionUri"] == expected
    assert mocks.named("kvm:HostFacts", "hv1-facts").inputs["connectionUri"] == expected


def test_uri_attribute_is_the_effective_uri() -> None:
    seen: list[str] = []

    def program() -> None:
        host = KvmHost("hv1", uri=SSH_URI, ssh={"keyFile": "/srv/keys/hv1"})
        seen.append(host.uri)

    run_program(program)
    assert seen == [f"{SSH_URI}?keyfile=/srv/keys/hv1"]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (
            {"uri": "qemu+tls://hv1/system", "ssh": {"keyFile": "/k"}},
            "KvmHost 'hv1': ssh: SSH options need a qemu+ssh:// (or qemu+libssh://) uri; this "
            "host's uri is 'qemu+tls://hv1/system'",
        ),
        (
            {"uri": "qemu:///system", "ssh": {"user": "admin"}},
            "KvmHost 'hv1': ssh: SSH options need a qemu+ssh://",
        ),
        (
            {"uri": SSH_URI, "ssh": {"knownHosts": "/k/known"}},
            "KvmHost 'hv1': ssh.knownHosts: libvirt's qemu+ssh transport runs the OpenSSH client",
        ),
        (
            {"uri": SSH_URI, "ssh": {"keyFile": "~/.ssh/id_ed25519"}},
            "KvmHost 'hv1': ssh.keyFile: '~/.ssh/id_ed25519' must be an absolute path",
        ),
        (
            {"uri": "qemu+ssh://admin@hv1/system", "ssh": {"user": "ops"}},
            "KvmHost 'hv1': ssh.user: the uri already names user 'admin'; set it once",
        ),
        (
            {"uri": "qemu+ssh://hv1:2200/system", "ssh": {"port": 22}},
            "KvmHost 'hv1': ssh.port: the uri already names port 2200; set it once",
        ),
        (
            {"uri": "qemu+ssh://hv1/system?keyfile=/a", "ssh": {"keyFile": "/b"}},
            "KvmHost 'hv1': ssh.keyFile: the uri already sets keyfile=; set it once",
        ),
        (
            {"uri": "qemu+ssh://hv1/system?no_verify=1", "ssh": {"noVerify": True}},
            "KvmHost 'hv1': ssh.noVerify: the uri already sets no_verify=; set it once",
        ),
        ({"uri": SSH_URI, "ssh": {"port": 0}}, "KvmHost 'hv1': ssh.port: Input should be"),
        ({"uri": SSH_URI, "ssh": {"user": "a@b"}}, "KvmHost 'hv1': ssh.user: String should"),
        ({"uri": SSH_URI, "ssh": {"keyfile": "/k"}}, "KvmHost 'hv1': ssh.keyfile: Extra inputs"),
    ],
)
def test_bad_ssh_options_name_the_field(host: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        run_program(lambda: KvmHost("hv1", **host))


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("qemu+tcp://hv1/system", "qemu+tcp is neither encrypted nor authenticated"),
        ("qemu+ssh:///system", "'qemu+ssh:///system' names no host"),
        ("qemu+tls://hv1/", "'qemu+tls://hv1/' must end in /system or /session"),
        ("qemu+unix://hv1/system", "qemu+unix:// reaches a local socket and names no host"),
        ("qemu+unix:///system?socket=run/sock", "socket='run/sock' must be an absolute path"),
        ("qemu+ssh://hv1:70000/system", "port '70000' is not a TCP port"),
        ("xen:///system", "'xen:///system' is not a libvirt URI"),
        ("test://hv1/default", "use test:///default or test:///<absolute path>.xml"),
    ],
)
def test_uri_kinds_outside_the_list_are_refused(uri: str, expected: str) -> None:
    with pytest.raises(
        ValueError, match=re.escape("KvmHost 'hv1': uri: ") + ".*" + re.escape(expected)
    ):
        run_program(lambda: KvmHost("hv1", uri=uri))


def test_stack_config_errors_carry_the_host_path() -> None:
    hosts = {"hv1": {"uri": "qemu+tls://hv1/system", "ssh": {"noVerify": True}}}
    with pytest.raises(StackConfigError, match=re.escape("hosts.hv1.ssh: SSH options need")):
        parse_stack_config({"hosts": hosts}, "prod")


def test_no_verify_is_off_by_default_and_warns_when_on(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def program() -> None:
        seen.append(KvmHost("hv1", uri=SSH_URI, ssh={"user": "admin"}).uri)
        seen.append(KvmHost("hv2", uri=SSH_URI.replace("hv1", "hv2"), ssh={"noVerify": True}).uri)

    with caplog.at_level(logging.WARNING):
        run_program(program)
    assert "no_verify" not in seen[0]
    assert seen[1].endswith("?no_verify=1")
    assert "host hv2: ssh.noVerify: an unknown host key" in caplog.text
    assert "host hv1:" not in caplog.text


def test_facts_are_a_child_resource_and_an_output() -> None:
    facts: dict[str, Any] = {}
    urns: list[str] = []

    def program() -> None:
        host = KvmHost("hv1", uri="qemu:///system")
        host.facts_resource.urn.apply(urns.append)
        host.facts.apply(facts.update)

    mocks = run_program(program)
    (registered,) = mocks.of_type("kvm:HostFacts")
    assert registered.name == "hv1-facts"
    assert registered.inputs["connectionUri"] == "qemu:///system"
    assert urns == [
        "urn:pulumi:dev::kvm-estate::kvm:index:KvmHost$pulumi-python:dynamic/kvm:HostFacts::hv1-facts"
    ], "a child of its KvmHost"
    assert set(facts) == set(FACT_KEYS), "every fact is in the `facts` output"
