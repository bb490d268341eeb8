"""Ownership tags: which project, stack and logical resource made a libvirt object.

Domains and networks carry them in libvirt `<metadata>` under our own XML namespace, so
anyone can see in `virsh dumpxml` who manages an object, and deletes or snapshot pruning can
refuse what we do not own. Pools and volumes have no metadata in libvirt: for those the
provider records identity (UUID / key) at create time and checks it before deleting.
"""

from __future__ import annotations

from typing import Annotated

from components.spec.xmlbind import X, XmlModel, register_namespace

OWNER_NS = "https://kvm-pulumi.dev/xmlns/owner/1"
OWNER_TAG = f"{{{OWNER_NS}}}owner"
register_namespace(OWNER_NS, "kvmp")


class Ownership(XmlModel):
    """`<kvmp:owner project=… stack=… name=…/>` inside an object's `<metadata>`."""

    xml_tag = OWNER_TAG

    project: Annotated[str, X("@project")]
    stack: Annotated[str, X("@stack")]
    name: Annotated[str, X("@name")]

    def describe(self) -> str:
        """How error messages name the owner."""
        return f"{self.project}/{self.stack}/{self.name}"
