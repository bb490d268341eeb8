"""A libvirt storage pool (a directory of volumes) as a typed spec, and its XML."""

from __future__ import annotations

from typing import Annotated, Literal

from components.spec.xmlbind import X, XmlModel


class PoolSpec(XmlModel):
    """A `dir` pool: libvirt builds the directory, starts the pool and autostarts it."""

    xml_tag = "pool"

    type: Annotated[Literal["dir"], X("@type")] = "dir"
    name: Annotated[str, X("name")]
    path: Annotated[str, X("target/path")]
    autostart: bool = True
    running: bool = True
    """The pool is started (one stopped by hand is drift: `up` starts it again)."""
    shared: bool = False
    """The directory is shared storage other hosts use too: deleting this host's pool
    leaves the directory and its files alone."""
