"""Host URIs taken apart: the accepted kinds, and which daemon a URI reaches."""

from __future__ import annotations

import pytest

from components.spec.connection_uri import parse_host_uri, same_daemon


@pytest.mark.parametrize(
    "uri",
    [
        "qemu:///system",
        "qemu:///session",
        "qemu+unix:///system",
        "qemu+unix:///system?socket=/run/lab/a/libvirt-sock",
        "qemu+ssh://hv1/system",
        "qemu+ssh://admin@hv1.example.internal:2222/system?keyfile=/k&no_verify=1",
        "qemu+libssh://admin@[fd00::5]:22/system?known_hosts=/k/known",
        "qemu+libssh2://hv1/system",
        "qemu+tls://hv1:16514/system?pkipath=/etc/pki/hv1",
        "qemu://hv1/system",
        "test:///default",
        "test:///tmp/node.xml",
    ],
)
def test_accepted_kinds(uri: str) -> None:
    assert parse_host_uri(uri).scheme == uri.split("://", 1)[0]


def test_parts() -> None:
    parsed = parse_host_uri("qemu+libssh://admin@[fd00::5]:2222/system?socket=/s&sshauth=privkey")
    assert (parsed.user, parsed.host, parsed.port, parsed.path) == (
        "admin",
        "[fd00::5]",
        2222,
        "/system",
    )
    assert parsed.param("socket") == "/s" and parsed.param("keyfile") is None
    assert parsed.daemon == ("qemu", "fd00::5", "/system", "/s")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("qemu+ssh://hv1/system", "qemu+ssh://admin@HV1:2222/system?keyfile=/k", True),
        ("qemu+ssh://hv1/system", "qemu+libssh://hv1/system?known_hosts_verify=auto", True),
        ("qemu+ssh://hv1/system", "qemu+ssh://hv2/system", False),
        ("qemu+ssh://hv1/system", "qemu+ssh://hv1/session", False),
        ("qemu+unix:///system?socket=/a", "qemu+unix:///system?socket=/b", False),
        ("qemu:///system", "qemu+ssh://hv1/system", False),
        ("qemu+ssh://hv1/system", "not a uri", False),
    ],
)
def test_same_daemon(a: str, b: str, same: bool) -> None:
    assert same_daemon(a, b) is same
