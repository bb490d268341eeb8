"""The lab: simulated KVM hosts (private libvirtd instances) and a tiny guest for tests.

Import from here in tests: `from tests.lab import Lab, LabHost, TinyGuest, wait_for_marker`.
The pytest fixtures live in `tests.lab.fixtures` (registered by `tests/conftest.py`).
"""

from tests.lab.base_image import make_base_image
from tests.lab.guest import (
    BOOT_MARKER,
    DiskAttachment,
    TinyGuest,
    guest_read_value,
    wait_for_marker,
)
from tests.lab.guest_build import build_tiny_guest
from tests.lab.hosts import Lab
from tests.lab.lab_host import LabHost, serial_log_inside
from tests.lab.prerequisites import LabSetupError
from tests.lab.waiting import wait_until

__all__ = [
    "BOOT_MARKER",
    "DiskAttachment",
    "Lab",
    "LabHost",
    "LabSetupError",
    "TinyGuest",
    "build_tiny_guest",
    "guest_read_value",
    "make_base_image",
    "serial_log_inside",
    "wait_for_marker",
    "wait_until",
]
