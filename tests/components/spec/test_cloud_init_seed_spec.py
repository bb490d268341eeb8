"""The seed volume's spec: its XML is a plain raw volume; the files stay outside the XML."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.spec.cloud_init_seed import CloudInitSeedSpec

FILES = {
    "pool": "dev-vmstore",
    "user_data": "#cloud-config\n",
    "meta_data": "instance-id: iid-1\n",
}


def test_xml_is_a_raw_volume_of_the_given_capacity() -> None:
    spec = CloudInitSeedSpec(name="dev-web-1-cidata.iso", capacity_bytes=69632, **FILES)
    assert spec.to_xml() == (
        "<volume>\n"
        "  <name>dev-web-1-cidata.iso</name>\n"
        '  <capacity unit="bytes">69632</capacity>\n'
        "  <target>\n"
        '    <format type="raw"/>\n'
        "  </target>\n"
        "</volume>\n"
    )
    assert CloudInitSeedSpec.from_xml(spec.to_xml(), **FILES) == spec


def test_wire_form_is_camel_case_without_unset_capacity() -> None:
    spec = CloudInitSeedSpec(name="s.iso", network_config="version: 2\n", **FILES)
    assert spec.model_dump(by_alias=True, exclude_none=True) == {
        "name": "s.iso",
        "format": "raw",
        "pool": "dev-vmstore",
        "userData": "#cloud-config\n",
        "metaData": "instance-id: iid-1\n",
        "networkConfig": "version: 2\n",
    }


def test_only_raw_volumes() -> None:
    with pytest.raises(ValidationError, match="format"):
        CloudInitSeedSpec(name="s.iso", format="qcow2", **FILES)  # type: ignore[arg-type]
