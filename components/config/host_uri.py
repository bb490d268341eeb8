"""A host's URI in the stack config: its check, the SSH options, and the URI libvirt gets.

SSH options become libvirt's documented URI parameters (https://libvirt.org/uri.html,
"Transport configuration"): the user and port go into the authority, `keyFile` is
`keyfile=`, `knownHosts` is `known_hosts=` and `noVerify` is `no_verify=1` (the OpenSSH
client then runs with `-o StrictHostKeyChecking=no`) or `known_hosts_verify=auto` (libvirt's
libssh/libssh2 clients). libvirt's qemu+ssh transport runs the `ssh` binary with `-p`, `-l`,
`-i` and that option only: it never passes `known_hosts=` on, so `knownHosts` is refused
there rather than silently ignored.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from pydantic import BeforeValidator, Field

from components.config.base import ConfigModel
from components.spec.connection_uri import EXAMPLES, SSH_SCHEMES, parse_host_uri
from components.spec.text import check_absolute_path


def _absolute_path(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a path (write it as text)")
    return check_absolute_path(value)


AbsolutePath = Annotated[str, BeforeValidator(_absolute_path)]
"""An absolute, normalised path (key files here; pool directories, kernels … elsewhere)."""


class SshConfig(ConfigModel):
    """How libvirt reaches a host over SSH (qemu+ssh, qemu+libssh, qemu+libssh2 URIs)."""

    user: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$")
    """The login on the host (default: the uri's `user@`, else your local user)."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """sshd's port on the host (default: the uri's, else 22)."""
    key_file: AbsolutePath | None = None
    """Absolute path of the private key on the machine running Pulumi."""
    known_hosts: AbsolutePath | None = None
    """Absolute path of a known_hosts file to check the host key against (libssh URIs)."""
    no_verify: bool = False
    """Accept a host key not yet known (and, with OpenSSH, a changed one). Off: an unknown
    host is refused, which keeps the hypervisor login away from a spoofed host."""


def check_host_uri(value: object) -> str:
    """The config type's validator: a URI of one of the accepted kinds, kept as written."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a libvirt URI; use e.g. {EXAMPLES}")
    parse_host_uri(value)
    return value


def check_ssh_options(uri: str, ssh: SshConfig | None) -> None:
    """Refuse SSH options the URI's transport cannot use or that the URI already sets."""
    if ssh is None or ssh == SshConfig():
        return
    parsed = parse_host_uri(uri)
    if parsed.scheme not in SSH_SCHEMES:
        raise ValueError(
            f"ssh: SSH options need a qemu+ssh:// (or qemu+libssh://) uri; this host's uri is "
            f"{uri!r}"
        )
    if ssh.user is not None and parsed.user is not None:
        raise ValueError(f"ssh.user: the uri already names user {parsed.user!r}; set it once")
    if ssh.port is not None and parsed.port is not None:
        raise ValueError(f"ssh.port: the uri already names port {parsed.port}; set it once")
    for field, path in (("keyFile", ssh.key_file), ("knownHosts", ssh.known_hosts)):
        if path is not None and not path.startswith("/"):
            raise ValueError(
                f"ssh.{field}: {path!r} must be an absolute path (libvirt does not expand it)"
            )
    if ssh.known_hosts is not None and parsed.scheme == "qemu+ssh":
        raise ValueError(
            "ssh.knownHosts: libvirt's qemu+ssh transport runs the OpenSSH client, which never "
            "gets known_hosts=; use a qemu+libssh:// uri (libvirt's own SSH client reads it) "
            "or set UserKnownHostsFile for this host in ~/.ssh/config"
        )
    fields = {"keyfile": "keyFile", "known_hosts": "knownHosts"}
    fields["no_verify" if parsed.scheme == "qemu+ssh" else "known_hosts_verify"] = "noVerify"
    for key, _ in _ssh_parameters(ssh, parsed.scheme):
        if parsed.param(key) is not None:
            raise ValueError(f"ssh.{fields[key]}: the uri already sets {key}=; set it once")


def connection_uri(uri: str, ssh: SshConfig | None) -> str:
    """The URI libvirt is given: `uri` with the SSH options in it (unchanged without any).

    Expects options `check_ssh_options` accepted (HostConfig checks them). Parameters are
    URI-escaped, as libvirt requires, and come after those the URI already has.
    """
    if ssh is None or ssh == SshConfig():
        return uri
    parsed = parse_host_uri(uri)
    parts = urlsplit(uri)
    user = ssh.user or parsed.user
    port = ssh.port or parsed.port
    netloc = (f"{user}@" if user else "") + parsed.host + (f":{port}" if port else "")
    extra = urlencode(_ssh_parameters(ssh, parsed.scheme), quote_via=quote, safe="/")
    query = "&".join(q for q in (parts.query, extra) if q)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _ssh_parameters(ssh: SshConfig, scheme: str) -> list[tuple[str, str]]:
    params = []
    if ssh.key_file is not None:
        params.append(("keyfile", ssh.key_file))
    if ssh.known_hosts is not None:
        params.append(("known_hosts", ssh.known_hosts))
    if ssh.no_verify:
        params.append(
            ("no_verify", "1") if scheme == "qemu+ssh" else ("known_hosts_verify", "auto")
        )
    return params
