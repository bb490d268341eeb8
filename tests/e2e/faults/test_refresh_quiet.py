"""`pulumi refresh` of an untouched estate reports no drift, and `up` after it changes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.faults.estate import converged, estate_stack
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def test_refresh_of_an_untouched_estate_is_quiet(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 240) as stack:
        stack.up()
        converged(stack, lab_host, lab_scratch, name_prefix)
