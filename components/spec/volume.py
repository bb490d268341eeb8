"""A libvirt storage volume as a typed spec, and its XML.

Three ways to make one: empty (a size), a copy-on-write clone of a base volume
(`<backingStore>`), or an import of an image from a local path or an http(s) URL. Where the
bytes come from is not part of the XML, so `source` is a lifecycle field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from lxml import etree
from pydantic import Field, model_validator

from components.spec.xmlbind import X, XmlModel

VolumeFormat = Literal["qcow2", "raw"]


class ImageSource(XmlModel):
    """Where an imported volume's bytes come from: exactly one of path and url."""

    path: str | None = None
    url: str | None = None
    sha256: str | None = None

    @model_validator(mode="after")
    def _one_location(self) -> ImageSource:
        if self.path is None and self.url is None:
            raise ValueError("an image source needs exactly one of path and url")
        if self.path is not None and self.url is not None:
            raise ValueError(
                f"an image source needs exactly one of path and url, got path {self.path!r} "
                f"and url {self.url!r}"
            )
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"image url {self.url!r} must start with http:// or https://")
        return self


class VolumeSpec(XmlModel):
    """A volume in a pool; `capacityBytes` may be left out for imports (the image decides)."""

    xml_tag = "volume"

    name: Annotated[str, X("name")]
    capacity_bytes: Annotated[int | None, X("capacity", unit="bytes"), Field(gt=0)] = None
    format: Annotated[VolumeFormat, X("target/format/@type")] = "qcow2"
    backing_path: Annotated[str | None, X("backingStore/path")] = None
    backing_format: Annotated[VolumeFormat | None, X("backingStore/format/@type")] = None
    # Kept outside the XML.
    pool: str = ""
    source: ImageSource | None = None
    rebuild: int = 0
    shared: bool = False
    """The pool lies in storage shared by the hosts: the volume follows its VM between them."""
    """A clone's rebuild generation: bumping it makes a new clone of the current base."""

    def write_extra(self, element: etree._Element) -> None:
        """Ask for a sparse volume: allocation 0, libvirt grows it as data is written."""
        allocation = etree.Element("allocation", unit="bytes")
        allocation.text = "0"
        capacity = element.find("capacity")
        if capacity is not None:
            capacity.addnext(allocation)

    @model_validator(mode="after")
    def _one_origin(self) -> VolumeSpec:
        if self.source is not None and self.backing_path is not None:
            raise ValueError(f"volume {self.name}: choose an image source or a backing volume")
        if self.source is None and self.capacity_bytes is None:
            raise ValueError(f"volume {self.name}: capacityBytes is required")
        if self.backing_path is not None and self.format != "qcow2":
            raise ValueError(
                f"volume {self.name}: a copy-on-write clone (backingPath) must be qcow2, "
                f"not format {self.format!r}"
            )
        return self


def is_import(spec: VolumeSpec) -> bool:
    """Bytes come from an image file or URL."""
    return spec.source is not None
