"""The estate every fault scenario applies, and how a scenario checks that a rerun converged.

One lab host with a pool, a NAT, an isolated and a routed network, a gen1 VM with a data disk
and cloud-init, a gen2 VM under a snapshot policy, and a declared snapshot: every kind of
object a create can leave half made. `converged` is the end of every scenario: the rerun
applied, a further `up` changes nothing, a refresh reports no drift, and the host holds
exactly what the state lists (no duplicate, no orphan domain, volume or file).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import libvirt

from tests.components.mocks import REPO
from tests.e2e.terraform_libvirt_objects import remove_prefixed
from tests.harness import Harness
from tests.harness.results import RefreshResult
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost

IMAGE_DATA_MIB = 10
"""Bytes written into the base image, so that an upload takes several 4 MiB chunks."""


def make_filled_image(path: Path, size_mib: int = 64, data_mib: int = IMAGE_DATA_MIB) -> Path:
    """A qcow2 base image holding `data_mib` MiB of data (its file is about that big)."""
    if not path.exists():
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", str(path), f"{size_mib}M"], check=True
        )
        subprocess.run(
            ["qemu-io", "-f", "qcow2", "-c", f"write -P 0x5a 0 {data_mib}M", str(path)],
            check=True,
            capture_output=True,
        )
    return path


def estate_config(
    host: LabHost, scratch: Path, guest: TinyGuest, subnet_base: int
) -> dict[str, Any]:
    """The fault suite's stack config; `subnet_base` keeps tests' subnets apart."""
    image = make_filled_image(scratch / "base.qcow2")
    tiny = {
        "image": {"path": str(image)},
        "pool": "vmstore",
        "memory": "96MiB",
        "diskSize": "64MiB",
        "kernel": str(guest.kernel),
        "initrd": str(guest.initrd),
    }
    net = f"10.{subnet_base}"
    return {
        "hosts": {"lab": {"uri": host.uri, "domainType": "qemu"}},
        "pools": {"vmstore": {"path": str(scratch / "pool")}},
        "networks": {
            "lan": {
                "subnet": f"{net}.1.0/24",
                "dhcp": {"start": f"{net}.1.100", "end": f"{net}.1.150"},
            },
            "backend": {"kind": "isolated", "subnet": f"{net}.2.0/24"},
            "dmz": {"kind": "routed", "subnet": f"{net}.3.0/24"},
        },
        "templates": {
            "tiny": {**tiny, "generation": "gen1", "gen1Reason": "tiny test guest"},
        },
        "snapshotPolicies": {"guard": {"beforeChange": True, "keepLast": 3}},
        "vms": [
            {
                "name": "app",
                "template": "tiny",
                "cmdline": guest.cmdline("app", mode="loop"),
                "shutdownTimeoutSeconds": 2,
                "nics": [
                    {"network": "lan", "ip": f"{net}.1.10"},
                    {"network": "backend"},
                    {"network": "dmz"},
                ],
                "dataDisks": [{"name": "data", "size": "16MiB", "format": "qcow2"}],
                "cloudInit": {
                    "users": [{"name": "ops", "sshAuthorizedKeys": ["ssh-ed25519 AAAAC3 ops"]}]
                },
                "snapshotPolicy": "guard",
                "deleteSnapshots": True,  # the scenarios end by destroying the stack
                "migration": {"timeoutSeconds": 60},
            },
        ],
    }


@contextmanager
def estate_stack(
    host: LabHost, scratch: Path, guest: TinyGuest, prefix: str, subnet_base: int
) -> Iterator[Harness]:
    """A harness over the estate; whatever the scenario leaves is destroyed afterwards."""
    harness = Harness(
        REPO / "__main__.py",
        "kvm-estate",
        f"{prefix}f",
        scratch / "state.json",
        config=estate_config(host, scratch, guest, subnet_base),
    )
    try:
        yield harness
    except BaseException as failure:
        try:
            _tear_down(harness, host.uri, prefix)
        except Exception as teardown:  # the scenario's own failure is the one to read
            failure.add_note(f"then the teardown failed too: {teardown}")
        raise
    _tear_down(harness, host.uri, prefix)


def _tear_down(harness: Harness, uri: str, prefix: str) -> None:
    """Destroy the stack, then purge whatever is left under `prefix`."""
    try:
        if harness.state.resources(custom_only=True):
            harness.destroy()
    finally:
        purge(uri, prefix)


def purge(uri: str, prefix: str) -> None:
    """Remove whatever a failed scenario left under `prefix` (the session's leak check
    would fail on it, and the next scenario must start clean)."""
    conn = libvirt.open(uri)
    try:
        remove_prefixed(conn, prefix)
    finally:
        conn.close()


def inventory(uri: str, prefix: str) -> dict[str, set[str]]:
    """What the host holds under the test's name prefix: domains, networks, pools, volumes."""
    conn = libvirt.open(uri)
    try:
        found: dict[str, set[str]] = {"domain": set(), "network": set(), "pool": set()}
        found["volume"] = set()
        for dom in conn.listAllDomains(0):
            if dom.name().startswith(prefix):
                found["domain"].add(dom.name())
        for net in conn.listAllNetworks(0):
            if net.name().startswith(prefix):
                found["network"].add(net.name())
        for pool in conn.listAllStoragePools(0):
            if not pool.name().startswith(prefix):
                continue
            found["pool"].add(pool.name())
            if pool.isActive():
                pool.refresh(0)
                found["volume"] |= {v.path() for v in pool.listAllVolumes(0)}
        return found
    finally:
        conn.close()


def in_state(harness: Harness) -> dict[str, set[str]]:
    """The same inventory, as the state records it."""
    kinds = {
        "kvm:Domain": ("domain", "name"),
        "kvm:Network": ("network", "name"),
        "kvm:StoragePool": ("pool", "name"),
        "kvm:Volume": ("volume", "path"),
        "kvm:CloudInitSeed": ("volume", "path"),
    }
    found: dict[str, set[str]] = {"domain": set(), "network": set(), "pool": set(), "volume": set()}
    for entry in harness.state.resources(custom_only=True):
        for suffix, (kind, key) in kinds.items():
            if entry.type.endswith(suffix):
                found[kind].add(str(entry.outputs[key]))
    return found


MACHINE_FACTS = frozenset({"memoryMib"})
"""Host facts the test machine itself changes (its memory balloons): a refresh rightly
reports them, but they say nothing about what a fault left behind."""


def real_drift(result: RefreshResult) -> dict[str, set[str]]:
    """Drifted keys per resource name, minus the test machine's own changing facts."""
    drifted: dict[str, set[str]] = {}
    for urn, changes in result.drift.items():
        keys = {c.key for c in changes}
        if urn.endswith(("kvm:HostFacts", "-facts")):
            keys -= MACHINE_FACTS
        if keys:
            drifted[urn.rsplit("::", 1)[-1]] = keys
    return drifted


def pool_files(scratch: Path) -> set[str]:
    """Files in the pool's directory (an orphan file would be one no volume lists)."""
    pool = scratch / "pool"
    return {str(p) for p in pool.iterdir()} if pool.exists() else set()


def converged(
    harness: Harness, host: LabHost, scratch: Path, prefix: str, *, files: set[str] | None = None
) -> None:
    """Assert the estate converged: nothing left to do, no drift, no duplicate, no orphan.

    `files`: the pool directory's files as the host sees them (default: as this process
    sees them, which is the same unless the pool is a mount inside the host)."""
    again = harness.up()
    assert again.changed() == {}, f"a second up still changes {again.changed()}"
    drift = harness.refresh()
    assert real_drift(drift) == {} and not drift.vanished, f"refresh drift: {drift.drift}"
    assert harness.up().changed() == {}, "up after refresh changes something"
    live, recorded = inventory(host.uri, prefix), in_state(harness)
    assert live == recorded, f"host holds {live}, state records {recorded}"
    seen = pool_files(scratch) if files is None else files
    assert seen == {p for p in recorded["volume"] if p.startswith(str(scratch))}


def rerun(harness: Harness, scenario: str) -> float:
    """The rerun after a fault: one `up`, which must succeed; returns its wall time.

    With `KVM_FAULT_TIMINGS=<file>` (set by `bench/fault_reruns.py`) each rerun appends a
    JSON line `{scenario, seconds}` to that file: the benchmark's figures.
    """
    begun = time.monotonic()
    harness.up()
    seconds = time.monotonic() - begun
    target = os.environ.get("KVM_FAULT_TIMINGS")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"scenario": scenario, "seconds": round(seconds, 2)}) + "\n")
    return seconds
