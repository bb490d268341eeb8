"""A migration cut short by a crash (libvirtd killed on the source or destination mid-move).

In a peer-to-peer migration the source's libvirtd drives every phase: when it dies, the
destination holds a paused incoming copy that nobody will finish, and drops it within
seconds; the source's libvirtd, once back, resumes its own copy. A rerun therefore waits
for an incoming copy to settle, then:
- the destination runs the guest and the source holds only a stopped or paused leftover:
  the move completed; the leftover is removed (migrating again would be refused, "domain is
  already active");
- the destination dropped its copy: the guest is still on the source; migrate again;
- both run it: split brain, refused, never guessed.
"""

from __future__ import annotations

import time

import libvirt

from components.providers import plugin_log
from components.providers.base import ProviderError, found

SETTLE_SECONDS = 60.0
_POLL_SECONDS = 0.2


def settled_arrival(dst: libvirt.virConnect, uuid: str) -> libvirt.virDomain | None:
    """The destination's copy once it is no longer an unfinished incoming migration:
    the domain when it runs (or is stopped but defined), None when it was dropped."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        dom = found(lambda: dst.lookupByUUIDString(uuid), libvirt.VIR_ERR_NO_DOMAIN)
        if dom is None:
            return None
        try:
            state, reason = dom.state()
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise
        incoming = state == libvirt.VIR_DOMAIN_PAUSED and reason in (
            libvirt.VIR_DOMAIN_PAUSED_MIGRATION,
            libvirt.VIR_DOMAIN_PAUSED_STARTING_UP,
            libvirt.VIR_DOMAIN_PAUSED_POSTCOPY,
        )
        if not incoming or time.monotonic() > deadline:
            return dom if state == libvirt.VIR_DOMAIN_RUNNING else None
        time.sleep(_POLL_SECONDS)


def finish_interrupted(
    source_copy: libvirt.virDomain, arrived: libvirt.virDomain, source_uri: str
) -> libvirt.virDomain:
    """Remove the stale source copy of a domain that already runs on the destination."""
    if source_copy.state()[0] == libvirt.VIR_DOMAIN_RUNNING:
        raise ProviderError(
            f"domain {arrived.name()} runs on both {source_uri} and "
            f"{arrived.connect().getURI()} after an interrupted migration; stop the copy "
            "that must not run (virsh destroy), then run up again"
        )
    if source_copy.isActive():
        source_copy.destroy()
    source_copy.undefineFlags(
        libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
    )
    plugin_log.info(
        f"domain {arrived.name()}: an interrupted migration had already moved it; removed "
        f"the stale copy on {source_uri}"
    )
    return arrived
