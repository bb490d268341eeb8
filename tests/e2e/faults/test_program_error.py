"""The program fails half way (after the pool, networks and disks were registered, before the
VM): nothing is deleted, and once the program is fixed the first rerun converges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import components.estate
from components.config.load import load_stack_config
from components.estate import build_estate, export_estate
from tests.e2e.faults.estate import converged, estate_stack, inventory, rerun
from tests.harness import HarnessError
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def test_program_error_half_way(
    lab_host: LabHost,
    lab_scratch: Path,
    tiny_guest: TinyGuest,
    name_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_vm = components.estate.VirtualMachine

    def broken_vm(name: str, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"a bug in the program while building VM {name}")

    def program() -> None:
        export_estate(build_estate(load_stack_config()))

    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 249) as stack:
        stack.program = program
        monkeypatch.setattr(components.estate, "VirtualMachine", broken_vm)
        with pytest.raises(HarnessError, match="a bug in the program"):
            stack.up()
        made = inventory(lab_host.uri, name_prefix)
        assert made["pool"] and made["network"], "what was registered before the bug exists"
        assert not made["domain"]
        monkeypatch.setattr(components.estate, "VirtualMachine", real_vm)
        rerun(stack, "program error half way")
        converged(stack, lab_host, lab_scratch, name_prefix)
