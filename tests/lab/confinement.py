"""Would a stock host's AppArmor let QEMU open every file a started domain names?

Each lab host's qemu hook (`host_config.confinement_hook`) keeps, for every domain start, the
live domain XML and the profile `virt-aa-helper` writes for it (dry run, in the host's mount
namespace). Here a record is checked: every file QEMU opens — each disk and its whole
backing chain (snapshot overlays included), the cloud-init seed, firmware code, NVRAM and its
template, kernel and initrd, the TPM state — must be granted by the per-VM profile or by the
`libvirt-qemu` abstraction it includes, with write access where QEMU writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from tests.lab.host_config import CONFINEMENT_DIR
from tests.lab.lab_host import LabHost

ABSTRACTION = Path("/etc/apparmor.d/abstractions/libvirt-qemu")
"""Rules every VM profile includes (Debian's apparmor-profiles for libvirt, in libvirt-daemon)."""

_RULE = re.compile(r'^\s*"?(/[^"\s]*)"?\s+([rwklmix]+),\s*$')


@dataclass(frozen=True)
class StartRecord:
    """One domain start seen by a lab host's hook."""

    host: str
    domain: str
    xml: str
    profile: str
    returncode: int

    @property
    def label(self) -> str:
        return f"{self.host}: domain {self.domain}"


@dataclass(frozen=True)
class NeededFile:
    """A file QEMU opens, the access it needs (`r` or `rw`) and why."""

    path: str
    access: str
    why: str


def record_names(host: LabHost) -> set[str]:
    """Names of the complete records on `host` (empty for a host the lab did not start)."""
    if host.directory is None:
        return set()
    return {p.stem for p in (host.directory / CONFINEMENT_DIR).glob("*.rc")}


def read_record(host: LabHost, name: str) -> StartRecord:
    assert host.directory is not None
    records = host.directory / CONFINEMENT_DIR

    def part(suffix: str) -> str:
        return (records / f"{name}.{suffix}").read_text()

    return StartRecord(
        host=host.name,
        domain=name.rsplit(".", 1)[0],
        xml=part("xml"),
        profile=part("profile"),
        returncode=int(part("rc").strip()),
    )


def needed_files(xml: str) -> Iterator[NeededFile]:
    """What QEMU opens for this (live) domain XML; a disk named by pool volume is yielded
    as `pool/volume`, which no profile can grant (virt-aa-helper cannot resolve it)."""
    root = etree.fromstring(xml.encode())
    for disk in root.iterfind("devices/disk"):
        target = disk.find("target")
        dev = target.get("dev") if target is not None else "?"
        source = disk.find("source")
        if source is None:
            continue
        writable = disk.get("device") != "cdrom" and disk.find("readonly") is None
        if disk.get("type") == "volume":
            yield NeededFile(f"{source.get('pool')}/{source.get('volume')}", "r", f"disk {dev}")
            continue
        path = source.get("file") or source.get("dev")
        if path:
            yield NeededFile(path, "rw" if writable else "r", f"disk {dev}")
        for depth, backing in enumerate(disk.iterfind(".//backingStore/source"), start=1):
            if backing.get("file"):
                yield NeededFile(str(backing.get("file")), "r", f"disk {dev} backing #{depth}")
    for tag, access in (("loader", "r"), ("nvram", "rw"), ("kernel", "r"), ("initrd", "r")):
        text = root.findtext(f"os/{tag}")
        if text:
            yield NeededFile(text.strip(), access, tag)
    template = root.find("os/nvram")
    if template is not None and template.get("template"):
        yield NeededFile(str(template.get("template")), "r", "NVRAM template")
    if root.find("devices/tpm/backend[@type='emulator']") is not None:
        state = f"/var/lib/libvirt/swtpm/{root.findtext('uuid')}/tpm2/"
        yield NeededFile(state + "permall", "rw", "TPM state")
    # A serial console's <log file> is not here on purpose: virtlogd (unconfined) opens it
    # and hands QEMU the descriptor, so the profile need not (and does not) list it.


def problems(record: StartRecord) -> list[str]:
    """Why QEMU would be refused a file under a stock host's AppArmor; empty when none."""
    if record.returncode != 0:
        return [f"{record.label}: virt-aa-helper failed ({record.returncode}): {record.profile}"]
    rules = profile_rules(record.profile) + abstraction_rules()
    found = []
    for needed in needed_files(record.xml):
        granted = "".join(access for pattern, access in rules if pattern.fullmatch(needed.path))
        if "r" not in granted or ("w" in needed.access and "w" not in granted):
            found.append(
                f"{record.label}: {needed.why} {needed.path} needs {needed.access!r}, the "
                f"profile grants {granted or 'nothing'!r}"
            )
    return found


def profile_rules(text: str) -> list[tuple[re.Pattern[str], str]]:
    """The allow rules (path pattern, access) of an AppArmor profile or abstraction."""
    rules = []
    for line in text.splitlines():
        match = _RULE.match(line)
        if match and not line.lstrip().startswith(("deny", "#")):
            rules.append((_glob(match.group(1)), match.group(2)))
    return rules


@cache
def abstraction_rules() -> list[tuple[re.Pattern[str], str]]:
    return profile_rules(ABSTRACTION.read_text()) if ABSTRACTION.exists() else []


def _glob(pattern: str) -> re.Pattern[str]:
    """AppArmor globbing: `**` any path, `*` within one path element, `{a,b}` choices."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "{":
            end = pattern.index("}", i)
            choices = pattern[i + 1 : end].split(",")
            out, i = out + "(?:" + "|".join(re.escape(c) for c in choices) + ")", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)
