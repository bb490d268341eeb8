"""The preview error for a host that does not answer, and what a down host's resources get."""

from __future__ import annotations

import json

import pulumi

from components.providers.reachability import (
    is_down,
    leave_alone,
    mark_down,
    mark_down_from_config,
    unreachable,
    what_was_tried,
)


def test_what_was_tried_is_said_the_way_operators_check_it() -> None:
    assert (
        what_was_tried("qemu+unix:///system?socket=/run/x/sock")
        == "the libvirtd socket /run/x/sock"
    )
    assert (
        what_was_tried("qemu+ssh://admin@hv1:2222/system")
        == "ssh to admin@hv1:2222, then libvirtd's /system socket there"
    )
    assert what_was_tried("qemu:///system") == "the local libvirtd's /system socket"
    assert what_was_tried("qemu+tls://hv2/system") == "qemu+tls to hv2"


def test_the_error_names_the_host_key_uri_and_the_way_out() -> None:
    err = unreachable("hv1", "qemu+ssh://admin@hv1/system", OSError("No route to host"))
    text = str(err)
    assert text.startswith("hosts.hv1: cannot reach libvirt at qemu+ssh://admin@hv1/system")
    assert "tried ssh to admin@hv1" in text and "No route to host" in text
    assert "down: true" in text


def test_resources_on_a_down_host_ignore_every_input() -> None:
    uri = "qemu+ssh://root@down-host.test/system"
    props = {"connectionUri": uri, "name": "vm", "memoryMib": 512}
    assert leave_alone(props, None) is None, "an up host's resources keep their options"
    mark_down(uri)
    assert is_down(uri)
    opts = leave_alone(props, pulumi.ResourceOptions(protect=True))
    assert opts is not None
    assert opts.ignore_changes == ["connectionUri", "memoryMib", "name"]
    assert opts.protect
    mark_down(uri, False)
    assert leave_alone(props, None) is None, "back up: options as they were"


def test_the_stack_config_marks_down_hosts_by_the_uri_their_resources_use() -> None:
    hosts = {
        "hv1": {"uri": "qemu+ssh://admin@hv1/system", "ssh": {"port": 2222}, "down": True},
        "hv2": {"uri": "qemu+ssh://admin@hv2/system"},
    }
    try:
        mark_down_from_config(json.dumps(hosts))  # as the engine passes config: JSON text
        assert is_down("qemu+ssh://admin@hv1:2222/system")
        assert not is_down("qemu+ssh://admin@hv2/system"), "only hosts marked down"
    finally:
        mark_down("qemu+ssh://admin@hv1:2222/system", False)
