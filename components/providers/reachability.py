"""Is a host there? Checked at preview, so a CI gate on `pulumi preview` fails before `up` would.

A host that cannot be reached is an error naming `hosts.<key>`, its URI and what was tried.
A host the stack marks `down: true` (an outage on purpose) is not contacted at all: the
resources on it are registered with every input ignored, so preview and `up` leave them as
they are (no update, no replace, no delete), and the preview says so. `pulumi refresh` runs no
program, so no KvmHost says which hosts are down there: the providers read it from the stack
config the engine hands every dynamic provider, and keep those resources' state unread.
"""

from __future__ import annotations

import json
import threading

import pulumi
from pydantic import ValidationError

from components.config.host_uri import connection_uri
from components.config.stack import HostConfig
from components.spec.connection_uri import SSH_SCHEMES, parse_host_uri

_lock = threading.Lock()
_down: set[str] = set()


class HostNotAnsweringError(ValueError):
    """A host of the stack does not answer (and is not marked down)."""


def mark_down(uri: str, down: bool = True) -> None:
    """Record whether the host at `uri` is down on purpose (each KvmHost says so when it is
    made, so a process that runs the program again never keeps an old answer)."""
    with _lock:
        if down:
            _down.add(uri)
        else:
            _down.discard(uri)


def is_down(uri: object) -> bool:
    """True when `uri` is the URI of a host the stack marks down."""
    with _lock:
        return isinstance(uri, str) and uri in _down


def mark_down_from_config(hosts: object) -> None:
    """Mark down each host the stack config's `hosts` section (as the engine passes it: JSON
    text) marks `down: true`, by the URI its resources connect with.

    The engine gives dynamic providers the whole stack config (pulumi/pulumi#17673,
    `ResourceProvider.configure`). A host entry that does not validate is skipped: it marks
    nothing down, and the next preview names what is wrong with it.
    """
    if isinstance(hosts, str):
        try:
            hosts = json.loads(hosts)
        except ValueError:
            return
    if not isinstance(hosts, dict):
        return
    for entry in hosts.values():
        if not isinstance(entry, dict) or entry.get("down") is not True:
            continue
        try:
            host = HostConfig.model_validate(entry)
        except ValidationError:
            continue
        mark_down(connection_uri(host.uri, host.ssh))


def leave_alone(
    props: dict[str, object], opts: pulumi.ResourceOptions | None
) -> pulumi.ResourceOptions | None:
    """Options for a resource on a down host: every input ignored (state kept as it is)."""
    from components.spec.changes import CONNECTION_KEY

    if not is_down(props.get(CONNECTION_KEY)):
        return opts
    ignore = pulumi.ResourceOptions(ignore_changes=sorted(props))
    return pulumi.ResourceOptions.merge(opts, ignore)


def what_was_tried(uri: str) -> str:
    """How libvirt tried to reach `uri`, in the words an operator checks it with."""
    try:
        parsed = parse_host_uri(uri)
    except ValueError:
        return f"opening {uri}"
    socket = parsed.param("socket")
    if socket:
        return f"the libvirtd socket {socket}"
    if parsed.scheme in SSH_SCHEMES:
        port = f":{parsed.port}" if parsed.port else ""
        user = f"{parsed.user}@" if parsed.user else ""
        return f"ssh to {user}{parsed.host}{port}, then libvirtd's {parsed.path} socket there"
    if parsed.host:
        return f"{parsed.scheme} to {parsed.host}"
    return f"the local libvirtd's {parsed.path} socket"


def unreachable(key: str, uri: str, err: Exception) -> HostNotAnsweringError:
    """The preview error for a host that does not answer."""
    return HostNotAnsweringError(
        f"hosts.{key}: cannot reach libvirt at {uri} (tried {what_was_tried(uri)}): {err}. "
        f"Bring the host back, or mark it `down: true` in hosts.{key} to leave its resources "
        "as they are"
    )
