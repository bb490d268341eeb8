"""Live drift: a running object whose live configuration differs from its saved definition.

libvirt keeps two configurations of a running domain or network: the live one and the
persistent (saved) one, and `virsh` can change either alone (`setmem --live`, `net-update
--live`, `net-edit`). A read reports the persistent definition; where that still matches
what the stack asks for but the live one does not, the live value is reported instead, so a
refresh shows the drift and `up` repairs it (updates write both configurations, each from
what it really holds).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from components.spec.xmlbind import XmlModel

S = TypeVar("S", bound=XmlModel)


def with_live_drift(persistent: S, running: S, desired: S, fields: Iterable[str]) -> S:
    """`persistent`, except for each of `fields` that it has as desired while `running`
    has it otherwise: there, the running value."""
    update = {
        name: getattr(running, name)
        for name in fields
        if getattr(persistent, name) == getattr(desired, name)
        and getattr(running, name) != getattr(desired, name)
    }
    return persistent.model_copy(update=update) if update else persistent
