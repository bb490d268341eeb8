"""Strings that reach libvirt (XML, file names, the kernel, QEMU): one check per kind.

Every check matches the whole string (`fullmatch`, never `$`, which would let a trailing
newline through) and raises ValueError naming the value; the caller adds the path.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re

_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_MAC = re.compile(r"([0-9a-f]{2}:){5}[0-9a-f]{2}")
_MACHINE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_CPU_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_HOSTNAME = 253
MAX_PATH = 4095
"""Linux PATH_MAX less the NUL."""
MAX_LINE = 4096


def bad_character(text: str, *, multiline: bool) -> str | None:
    """The first character libvirt's XML (or, single-line, a config line) cannot carry, as
    `U+000A`; None when there is none."""
    found = (_XML_INCOMPATIBLE if multiline else _CONTROL).search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def check_line(value: str, what: str = "text", max_length: int = MAX_LINE) -> str:
    """One line of printable text (free text such as a kernel command line): no control
    characters, newlines or characters XML cannot carry. lxml escapes `<`, `&` and quotes."""
    bad = bad_character(value, multiline=False)
    if bad is not None:
        raise ValueError(f"{value!r}: {what} may not contain control character {bad}")
    if len(value) > max_length:
        raise ValueError(f"{value!r}: {what} is {len(value)} characters; at most {max_length}")
    return value


def check_absolute_path(value: str) -> str:
    """An absolute, normalised file path libvirt is given as is (no `~`, `..` or `//`)."""
    check_line(value, "a path", MAX_PATH)
    if not value.startswith("/"):
        raise ValueError(f"{value!r} must be an absolute path (start it with /)")
    if posixpath.normpath(value) != value.rstrip("/") and value != "/":
        raise ValueError(f"{value!r} is not a normalised path; write {posixpath.normpath(value)!r}")
    return value


def check_hostname(value: str) -> str:
    """An RFC 1123 host name (dot-separated labels of letters, digits and inner `-`)."""
    labels = value.split(".")
    if len(value) > MAX_HOSTNAME or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"{value!r} is not a valid host name; use letters, digits and - (not at the "
            "start or end), at most 63 characters per dot-separated label"
        )
    return value


def check_host_or_ip(value: str) -> str:
    """A host name or an IPv4/IPv6 address (migration addresses, listen addresses)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return check_hostname(value)
    return value


def check_listen_address(value: str) -> str:
    """Where a console listens: an IP address or `localhost`."""
    if value == "localhost":
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a listen address; use an IP address (e.g. 127.0.0.1, 0.0.0.0, "
            "::1) or localhost"
        ) from None
    return value


def check_mac(value: str) -> str:
    """A unicast MAC like 52:54:00:12:34:56 (lowercase); multicast and all-zero refused."""
    if not _MAC.fullmatch(value):
        raise ValueError(f"{value!r} is not a MAC address like 52:54:00:12:34:56 (lowercase)")
    first = int(value[:2], 16)
    if first & 1:
        kind = "the broadcast address" if value == "ff:ff:ff:ff:ff:ff" else "a multicast MAC"
        raise ValueError(f"{value!r} is {kind}; a NIC needs a unicast MAC (even first octet)")
    if value == "00:00:00:00:00:00":
        raise ValueError(f"{value!r} is the all-zero MAC; no NIC may use it")
    return value


def check_machine_type(value: str) -> str:
    """A QEMU machine type name such as q35, pc or pc-q35-7.2."""
    if not _MACHINE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a QEMU machine type; use e.g. q35, pc or pc-q35-7.2 "
            "(lowercase letters, digits, . _ -)"
        )
    return value


def check_cpu_model(value: str) -> str:
    """A libvirt CPU model name such as Skylake-Server or EPYC-Rome."""
    if not _CPU_MODEL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a CPU model name; use e.g. Skylake-Server (letters, digits, . _ -)"
        )
    return value
