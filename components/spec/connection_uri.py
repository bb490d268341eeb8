"""libvirt connection URIs: the kinds a host may be reached by, taken apart and checked.

Kinds, in libvirt's own syntax (https://libvirt.org/uri.html):

    qemu:///system, qemu:///session             the local daemon
    qemu+unix:///system?socket=/run/…/sock      the local daemon through a given socket
    qemu+ssh://[user@]host[:port]/system        remote, through the OpenSSH client
    qemu+libssh://…, qemu+libssh2://…           remote, through libvirt's built-in SSH clients
    qemu+tls://host[:port]/system, qemu://host/system   remote over TLS (x509 certificates)
    test:///default, test:///abs/node.xml       libvirt's test driver (tests only)

`qemu+tcp` is refused: libvirt's docs call it insecure (no encryption, no authentication).
Pure: nothing here connects anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from components.spec.text import check_host_or_ip

LOCAL_SCHEMES = ("qemu", "qemu+unix", "test")
SSH_SCHEMES = ("qemu+ssh", "qemu+libssh", "qemu+libssh2")
REMOTE_SCHEMES = (*SSH_SCHEMES, "qemu+tls", "qemu")
DAEMON_PATHS = ("/system", "/session")
EXAMPLES = "qemu:///system, qemu+ssh://admin@hv1/system or qemu+tls://hv1/system"
_SHELL_UNSAFE = re.compile(r"[`$;|<>\"'\\(){}*!]")
"""Characters a URI never needs that a shell would act on (libvirt runs ssh with the host)."""
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,31}")


@dataclass(frozen=True)
class HostUri:
    """A host URI taken apart: scheme, authority parts, daemon path and query parameters."""

    scheme: str
    user: str | None
    host: str
    """The host as written (IPv6 literals keep their brackets); empty for a local daemon."""
    port: int | None
    path: str
    params: tuple[tuple[str, str], ...]

    def param(self, key: str) -> str | None:
        """The value of query parameter `key`, or None when the URI does not set it."""
        return next((value for name, value in self.params if name == key), None)

    @property
    def daemon(self) -> tuple[str, str, str, str | None]:
        """Which libvirt daemon the URI reaches: driver, host, path and socket. How it is
        reached (transport, user, port, key, host key checks) is not part of it."""
        driver = self.scheme.split("+", 1)[0]
        return driver, self.host.strip("[]").lower(), self.path, self.param("socket")


def parse_host_uri(uri: str) -> HostUri:
    """Take `uri` apart and check it is one of the accepted kinds; ValueError says why not."""
    if "://" not in uri or any(c.isspace() or not c.isprintable() for c in uri):
        raise ValueError(f"{uri!r} is not a libvirt URI; use e.g. {EXAMPLES}")
    unsafe = _SHELL_UNSAFE.search(uri)
    if unsafe is not None:
        raise ValueError(
            f"{uri!r}: {unsafe.group()!r} has no place in a libvirt URI (libvirt hands the host "
            "to ssh); use e.g. " + EXAMPLES
        )
    parts = urlsplit(uri)
    if parts.scheme == "qemu+tcp":
        raise ValueError(
            f"{uri!r}: qemu+tcp is neither encrypted nor authenticated; use qemu+tls:// or "
            "qemu+ssh://"
        )
    if parts.scheme not in (*LOCAL_SCHEMES, *REMOTE_SCHEMES):
        raise ValueError(f"{uri!r} is not a libvirt URI; use e.g. {EXAMPLES}")
    user, host, port = _split_authority(uri, parts.netloc)
    params = tuple(parse_qsl(parts.query, keep_blank_values=True))
    parsed = HostUri(parts.scheme, user, host, port, parts.path, params)
    _check_kind(uri, parsed)
    return parsed


def same_daemon(uri: str, other: str) -> bool:
    """Whether two URIs reach the same libvirt daemon, differing only in how (e.g. another
    SSH key file). False when either is not a valid host URI."""
    try:
        return parse_host_uri(uri).daemon == parse_host_uri(other).daemon
    except ValueError:
        return False


def _split_authority(uri: str, netloc: str) -> tuple[str | None, str, int | None]:
    userinfo, _, hostport = netloc.rpartition("@")
    host, port_text = hostport, None
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError(f"{uri!r}: unclosed '[' in the host")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        port_text = rest.removeprefix(":") if rest else None
    elif ":" in hostport:
        host, port_text = hostport.split(":", 1)
    port = None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"{uri!r}: port {port_text!r} is not a TCP port")
        port = int(port_text)
    return userinfo or None, host, port


def _check_kind(uri: str, parsed: HostUri) -> None:
    if parsed.scheme == "test":
        if parsed.host or not parsed.path.startswith("/"):
            raise ValueError(f"{uri!r}: use test:///default or test:///<absolute path>.xml")
        return
    if parsed.path not in DAEMON_PATHS:
        raise ValueError(f"{uri!r} must end in /system or /session (which libvirt daemon)")
    local = parsed.scheme == "qemu+unix" or (parsed.scheme == "qemu" and not parsed.host)
    if local and (parsed.host or parsed.user or parsed.port):
        raise ValueError(f"{uri!r}: qemu+unix:// reaches a local socket and names no host")
    if not local and not parsed.host:
        raise ValueError(
            f"{uri!r} names no host; use {parsed.scheme}://host/system "
            "(or qemu:///system for this machine)"
        )
    if parsed.host:
        try:
            check_host_or_ip(parsed.host.strip("[]"))
        except ValueError:
            raise ValueError(f"{uri!r}: {parsed.host!r} is not a host name or IP address") from None
    if parsed.user is not None and not _USER.fullmatch(parsed.user):
        raise ValueError(f"{uri!r}: {parsed.user!r} is not a user name (letters, digits, . _ -)")
    for key in ("socket", "keyfile", "known_hosts"):
        path = parsed.param(key)
        if path is not None and not path.startswith("/"):
            raise ValueError(f"{uri!r}: {key}={path!r} must be an absolute path")
