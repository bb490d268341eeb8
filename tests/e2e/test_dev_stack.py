"""The real `__main__.py` with the dev stack's config, applied through the engine-free harness
to a lab host: create, rerun (no change), memory change in place, destroy.

Only the host URI, paths, sizes and boot of the dev stack are changed so it runs on the lab
with the tiny guest; everything else (the program, components, providers) is what
`pulumi up --stack dev` runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

from tests.components.mocks import REPO, stack_config
from tests.harness import Harness, HarnessError
from tests.lab.base_image import make_base_image
from tests.lab.guest import TinyGuest, wait_for_marker
from tests.lab.hosts import LabHost

BASE_MARKER = "dev-base-image"


def _dev_config(host: LabHost, scratch: Path, guest: TinyGuest) -> dict[str, Any]:
    config = copy.deepcopy(stack_config("dev"))
    config["hosts"]["local"]["uri"] = host.uri
    config["pools"]["vmstore"]["path"] = str(scratch / "pool")
    config["networks"]["lan"] = {
        "subnet": "10.231.7.0/24",
        "dhcp": {"start": "10.231.7.100", "end": "10.231.7.199"},
    }
    image = make_base_image(scratch / "debian.qcow2", size_mib=64, marker=BASE_MARKER)
    config["templates"]["debian"].update(
        image={"path": str(image)},
        memory="256MiB",  # gen2 boots OVMF, which needs about 256 MiB
        maxMemory="512MiB",
        diskSize="128MiB",
        kernel=str(guest.kernel),
        initrd=str(guest.initrd),
    )
    for vm in config["vms"]:
        vm["memory"] = "256MiB"
        vm["cmdline"] = guest.cmdline(vm["name"], mode="loop", read="/dev/vda")
        vm["shutdownTimeoutSeconds"] = 5
    return config


@pytest.fixture
def dev_stack(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> Iterator[Harness]:
    harness = Harness(
        REPO / "__main__.py",
        "kvm-estate",
        f"{name_prefix}dev",
        lab_scratch / "state.json",
        config=_dev_config(lab_host, lab_scratch, tiny_guest),
    )
    try:
        yield harness
    finally:
        if harness.state.resources():
            harness.destroy()


def _domains(conn: libvirt.virConnect, prefix: str) -> dict[str, libvirt.virDomain]:
    return {d.name(): d for d in conn.listAllDomains(0) if d.name().startswith(prefix)}


def test_dev_stack_lifecycle(dev_stack: Harness, lab_host: LabHost, name_prefix: str):
    prefix = f"{name_prefix}dev-"
    first = dev_stack.up()
    assert set(first.changed().values()) == {"create"}
    conn = libvirt.open(lab_host.uri)
    try:
        pool = conn.storagePoolLookupByName(f"{prefix}vmstore")
        assert pool.isActive() and pool.autostart()
        pool_path = etree.fromstring(pool.XMLDesc(0).encode()).findtext("target/path") or ""
        network = conn.networkLookupByName(f"{prefix}lan")
        assert network.isActive()
        ranges = etree.fromstring(network.XMLDesc(0).encode()).findall("ip/dhcp/range")
        assert [(r.get("start"), r.get("end")) for r in ranges] == [
            ("10.231.7.100", "10.231.7.199")
        ]
        pool.refresh(0)
        (base_name,) = [v for v in pool.listVolumes() if v.startswith(f"{prefix}debian-")]
        base = pool.storageVolLookupByName(base_name)
        domains = _domains(conn, prefix)
        assert sorted(domains) == [f"{prefix}web-1", f"{prefix}web-2"]
        for name, dom in domains.items():
            assert dom.isActive(), f"{name} runs"
            root = pool.storageVolLookupByName(f"{name}-root.qcow2")
            backing = etree.fromstring(root.XMLDesc(0).encode()).findtext("backingStore/path")
            assert backing == base.path(), "root disk is a CoW clone of the base"
            log = lab_host.serial_log_path(name)
            vm = name.removeprefix(prefix)
            wait_for_marker(log, f"KVM-PULUMI-BOOT-OK {vm}")
            wait_for_marker(log, f"GUEST-READ {BASE_MARKER}")

        rerun = dev_stack.up()
        assert rerun.changed() == {}
        assert not {"create", "update", "delete"} & set(rerun.call_counts)

        web1 = domains[f"{prefix}web-1"]
        uuid, domain_id = web1.UUIDString(), web1.ID()
        dev_stack.config["vms"][0]["memory"] = "384MiB"
        changed = dev_stack.up()
        assert changed.changed() == {changed_urn(changed, "web-1"): "update"}
        web1 = conn.lookupByName(f"{prefix}web-1")
        assert (web1.UUIDString(), web1.ID()) == (uuid, domain_id), "in place, no restart"
        # The tiny guest has no balloon driver, so the live balloon size is not observable;
        # the definition (what the next boot uses) must carry the new size.
        config = etree.fromstring(web1.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
        assert config.findtext("currentMemory") == str(384 * 1024)

        bystander = conn.defineXML(
            f"<domain type='qemu'><name>{name_prefix}bystander</name><memory unit='MiB'>64"
            "</memory><os><type arch='x86_64'>hvm</type></os></domain>"
        )
        foreign = pool.createXML(
            f"<volume><name>{name_prefix}foreign.raw</name>"
            "<capacity unit='MiB'>1</capacity><target><format type='raw'/></target></volume>",
            0,
        )
        try:
            with pytest.raises(HarnessError, match="still holds volumes"):
                dev_stack.destroy()
            assert not _domains(conn, prefix), "the rest of the stack was deleted"
            foreign.delete(0)
            dev_stack.destroy()
            assert not dev_stack.state.resources(custom_only=True)
            assert f"{prefix}lan" not in [n.name() for n in conn.listAllNetworks(0)]
            assert f"{prefix}vmstore" not in [p.name() for p in conn.listAllStoragePools(0)]
            assert not (Path(pool_path)).exists(), "the pool directory we made is gone"
            assert conn.lookupByName(f"{name_prefix}bystander"), "nothing else was touched"
        finally:
            bystander.undefine()
    finally:
        conn.close()


def changed_urn(result: Any, name: str) -> str:
    """The URN of the custom resource `name` among a run's changed steps."""
    matches = [urn for urn in result.changed() if urn.endswith(f"::{name}")]
    assert len(matches) == 1, f"{name} in {result.changed()}"
    return str(matches[0])


def test_dev_stack_up_then_destroy_five_times_in_a_row(
    dev_stack: Harness, lab_host: LabHost, name_prefix: str
):
    """What issue 10 measured failing (pool busy, list-then-read races) under the parallel
    harness: every round must leave the host exactly as clean as it found it."""
    prefix = f"{name_prefix}dev-"
    conn = libvirt.open(lab_host.uri)
    try:
        for round_ in range(5):
            created = dev_stack.up()
            assert set(created.changed().values()) == {"create"}, f"round {round_}"
            assert all(d.isActive() for d in _domains(conn, prefix).values())
            assert sorted(_domains(conn, prefix)) == [f"{prefix}web-1", f"{prefix}web-2"]
            destroyed = dev_stack.destroy()
            assert set(destroyed.steps.values()) == {"delete"}, f"round {round_}"
            assert _domains(conn, prefix) == {}, f"round {round_}"
            assert not any(p.name().startswith(prefix) for p in conn.listAllStoragePools(0))
            assert not any(n.name().startswith(prefix) for n in conn.listAllNetworks(0))
            assert dev_stack.state.resources() == []
    finally:
        conn.close()
