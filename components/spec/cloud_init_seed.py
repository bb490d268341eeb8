"""A VM's cloud-init seed as a typed spec: a raw volume holding the NoCloud ISO.

The XML is the volume's (name, capacity, format raw); the files the ISO carries are lifecycle
fields, kept outside the XML. `capacityBytes` is not an input: the provider sets it from the
ISO's size. `userData` and `metaData` (its instance-id is a hash of the user-data) are secrets:
the resource registers them as such, validation errors never carry input values, and the
provider checks their content in `check` only, so reading back a tampered seed still works.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from components.spec.names import check_libvirt_name
from components.spec.xmlbind import X, XmlModel

CLOUD_CONFIG_HEADER = "#cloud-config"


class CloudInitSeedSpec(XmlModel):
    """The seed volume `name` in `pool` and the three files of its ISO."""

    model_config = ConfigDict(hide_input_in_errors=True)
    xml_tag = "volume"

    name: Annotated[str, X("name")]
    capacity_bytes: Annotated[int | None, X("capacity", unit="bytes"), Field(gt=0)] = None
    format: Annotated[Literal["raw"], X("target/format/@type")] = "raw"
    # Kept outside the XML.
    pool: str
    user_data: str
    meta_data: str
    network_config: str | None = None

    @field_validator("name")
    @classmethod
    def _libvirt_name(cls, value: str) -> str:
        return check_libvirt_name(value)
