"""The tiny test guest: a direct-kernel-boot domain that reports on its serial console.

It boots in a few seconds under TCG, prints `KVM-PULUMI-BOOT-OK <name>`, can write and read
a line on a block device (to prove which disk a domain really got) and can get a DHCP lease,
then powers off or keeps printing `tick N` (a guest that stays up, e.g. for migration).
Build it with `tests.lab.guest_build.build_tiny_guest()` (or the `tiny_guest` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from tests.lab.lab_host import serial_log_inside
from tests.lab.waiting import wait_until

BOOT_MARKER = "KVM-PULUMI-BOOT-OK"
READ_MARKER = "GUEST-READ"
WROTE_MARKER = "GUEST-WROTE"
DHCP_MARKER = "GUEST-DHCP-IP"
GuestMode = Literal["loop", "poweroff"]

_DEVICE = re.compile(r"^/dev/[a-z0-9]+$")
# The kernel splits its command line at whitespace and treats quotes specially.
_WORD = re.compile(r"^[!#-&(-\[\]-~]+$")


@dataclass(frozen=True)
class DiskAttachment:
    """A disk image for `TinyGuest.domain_xml`: `source` is a path as the host sees it."""

    source: str
    target: str = "vda"
    format: str = "qcow2"


@dataclass(frozen=True)
class TinyGuest:
    """Kernel and initramfs of the tiny guest (paths readable by every lab host)."""

    kernel: Path
    initrd: Path

    @staticmethod
    def cmdline(
        name: str,
        mode: GuestMode = "loop",
        write: tuple[str, str] | None = None,
        read: str | None = None,
        *,
        dhcp: bool = False,
    ) -> str:
        """Kernel command line for one boot.

        `write=("/dev/vda", "TEXT")` writes TEXT at offset 0 of that disk; `read="/dev/vda"`
        prints `GUEST-READ <first line>`. The first virtio disk is /dev/vda whatever its
        target name in the XML. TEXT must be one word of printable ASCII without quotes.
        """
        words = ["console=ttyS0", "quiet", "panic=-1", f"guest.name={_word(name, 'name')}"]
        if write is not None:
            device, text = write
            words.append(f"guest.write={_device(device)}:{_word(text, 'write text')}")
        if read is not None:
            words.append(f"guest.read={_device(read)}")
        if dhcp:
            words.append("guest.net=dhcp")
        words.append(f"guest.mode={mode}")
        return " ".join(words)

    def domain_xml(
        self,
        name: str,
        cmdline: str,
        *,
        disks: Sequence[DiskAttachment] = (),
        networks: Sequence[str] = (),
        memory_mib: int = 128,
        serial_log: str | None = None,
    ) -> str:
        """Domain XML (type 'qemu', i.e. TCG: /dev/kvm is unusable on these machines).

        The serial console is logged by virtlogd to `serial_log` (default
        `serial_log_inside(name)`, readable with `LabHost.read_serial_log(name)`); that
        works across migrations. Power off, reboot and crash all end the domain, so a
        broken guest never boot-loops.
        """
        log = serial_log or serial_log_inside(name)
        devices = [
            "<emulator>/usr/bin/qemu-system-x86_64</emulator>",
            *(_disk_xml(disk) for disk in disks),
            *(
                f"<interface type='network'><source network={quoteattr(net)}/>"
                "<model type='virtio'/></interface>"
                for net in networks
            ),
            f"<serial type='pty'><log file={quoteattr(log)} append='on'/>"
            "<target port='0'/></serial>",
            "<console type='pty'/>",
            "<controller type='usb' model='none'/>",
            "<memballoon model='none'/>",
        ]
        body = "\n    ".join(devices)
        return f"""<domain type='qemu'>
  <name>{escape(name)}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{escape(str(self.kernel))}</kernel>
    <initrd>{escape(str(self.initrd))}</initrd>
    <cmdline>{escape(cmdline)}</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    {body}
  </devices>
</domain>
"""


def wait_for_marker(log_path: Path, text: str, timeout: float = 90.0) -> str:
    """Wait until the file at `log_path` contains `text`; return the whole log.

    Raises `TimeoutError` with the end of the log, which usually shows why the guest stuck.
    """

    def read() -> str:
        try:
            return log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def found() -> str | None:
        content = read()
        return content if text in content else None

    def tail() -> str:
        return f"--- last lines of {log_path}:\n" + "\n".join(read().splitlines()[-25:])

    return wait_until(found, timeout, f"{text!r} in {log_path}", details=tail)


def guest_read_value(log: str) -> str | None:
    """What the guest printed for `guest.read` (last boot wins), or None if nothing yet."""
    values = re.findall(rf"^{READ_MARKER} ?(.*?)\r?$", log, flags=re.MULTILINE)
    return values[-1] if values else None


def _disk_xml(disk: DiskAttachment) -> str:
    return (
        f"<disk type='file' device='disk'><driver name='qemu' type={quoteattr(disk.format)}/>"
        f"<source file={quoteattr(disk.source)}/>"
        f"<target dev={quoteattr(disk.target)} bus='virtio'/></disk>"
    )


def _device(device: str) -> str:
    if not _DEVICE.match(device):
        raise ValueError(f"guest device {device!r} is not like /dev/vda")
    return device


def _word(value: str, what: str) -> str:
    if not _WORD.match(value):
        raise ValueError(
            f"guest {what} {value!r} must be printable ASCII without spaces, quotes or backslash"
        )
    return value
