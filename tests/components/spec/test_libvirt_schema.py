"""Every golden file is valid against libvirt's own RELAX NG schemas (virt-xml-validate).

The schemas come with the Debian package libvirt-clients; without it this test fails —
it never skips, because a golden file libvirt would refuse is exactly what it catches.
Pools and volumes have the schemas `storagepool` and `storagevol` (not `pool`/`vol`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from components.spec.domain import DomainSpec
from components.spec.network import NetworkSpec
from components.spec.pool import PoolSpec
from components.spec.volume import VolumeSpec
from components.spec.xmlbind import XmlModel
from tests.components.spec.examples import CASES
from tests.components.spec.golden import golden_path

SCHEMA_OF: dict[type[XmlModel], str] = {
    DomainSpec: "domain",
    NetworkSpec: "network",
    PoolSpec: "storagepool",
    VolumeSpec: "storagevol",
}


@pytest.fixture(scope="module")
def validator() -> str:
    found = shutil.which("virt-xml-validate")
    if found is None:
        pytest.fail(
            "virt-xml-validate is missing: install the libvirt-clients package "
            "(apt-get install libvirt-clients) to check golden files against libvirt's schemas"
        )
    return found


@pytest.mark.parametrize(("case", "spec"), CASES.items(), ids=list(CASES))
def test_golden_file_is_valid_libvirt_xml(validator: str, case: str, spec: XmlModel) -> None:
    path = golden_path(case)
    assert path.exists(), f"{path} is missing (see test_golden_xml)"
    result = subprocess.run(
        [validator, str(path), SCHEMA_OF[type(spec)]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"libvirt refuses {path}:\n{result.stdout}{result.stderr}"


def test_validator_refuses_what_libvirt_would(validator: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<domain type='kvm'><name>x</name><bogus/></domain>")
    result = subprocess.run([validator, str(bad), "domain"], capture_output=True, check=False)
    assert result.returncode != 0
