"""The preview's host checks against real libvirtd hosts, through the harness: a VM its host
cannot run is refused at preview, before anything is made, saying what the host lacks.

The bare host is a lab host without UEFI firmware descriptors and without swtpm (hidden in
its mount namespace); the normal lab host has both, so the same VM previews fine there —
the refusal comes from the host, not from the config. Capacity: a VM bigger than the host's
memory (times the default overcommit of 1.0) is refused on the normal host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.components.mocks import REPO
from tests.harness import Harness, HarnessError
from tests.lab.base_image import make_base_image
from tests.lab.hosts import LabHost


def _stack(host: LabHost, scratch: Path, name: str, **vm: Any) -> Harness:
    image = make_base_image(scratch / "base.qcow2", size_mib=16)
    config = {
        "hosts": {"hv": {"uri": host.uri, "domainType": "qemu"}},
        "pools": {"vmstore": {"path": str(scratch / "pool")}},
        "templates": {
            "modern": {
                "image": {"path": str(image)},
                "pool": "vmstore",
                "generation": "gen2",
                "tpm": True,
                "memory": "256MiB",
            }
        },
        "vms": [{"name": "uefi-tpm", "template": "modern", **vm}],
    }
    return Harness(
        REPO / "__main__.py", "kvm-estate", name, scratch / f"{name}.json", config=config
    )


def test_a_host_without_uefi_firmware_or_swtpm_is_refused_at_preview(
    bare_lab_host: LabHost, lab_host: LabHost, lab_scratch: Path, name_prefix: str
) -> None:
    bare = _stack(bare_lab_host, lab_scratch, f"{name_prefix}bare")
    with pytest.raises(HarnessError) as refused:
        bare.preview()
    message = str(refused.value)
    assert "VirtualMachine 'uefi-tpm' on host 'hv': missing" in message, message
    assert "UEFI firmware for gen2 (install ovmf)" in message
    assert "an emulated TPM 2.0 (install swtpm and swtpm-tools)" in message
    assert bare.state.resources(custom_only=True) == [], "nothing was made"

    fine = _stack(lab_host, lab_scratch, f"{name_prefix}full")
    result = fine.preview()
    assert any(urn.endswith("kvm:Domain::uefi-tpm") for urn in result.steps)


def test_a_vm_bigger_than_its_host_is_refused_at_preview(
    lab_host: LabHost, lab_scratch: Path, name_prefix: str
) -> None:
    stack = _stack(lab_host, lab_scratch, f"{name_prefix}big", memory="4TiB", maxMemory="4TiB")
    with pytest.raises(HarnessError, match=r"host 'hv' would need \S+MiB of memory but allows"):
        stack.preview()
    assert stack.state.resources(custom_only=True) == []
