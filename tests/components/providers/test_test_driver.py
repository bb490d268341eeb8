"""Provider CRUD on libvirt's in-process test driver: a private fresh host per test (fast)."""

from __future__ import annotations

import libvirt
import pytest
from lxml import etree

from components.providers.base import ProviderError
from components.providers.connection import connect
from components.providers.domain import DomainProvider, live_owner
from components.providers.network import NetworkProvider
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from components.spec.ownership import Ownership
from tests.components.providers.wire import (
    OWNER,
    Engine,
    Resource,
    domain_inputs,
    network_inputs,
    pool_inputs,
    volume_inputs,
)

GIB = 1024**3
MIB = 1024**2


def make_pool(uri: str, name: str = "pool") -> Resource:
    return Engine(StoragePoolProvider()).create(pool_inputs(uri, name, f"/virtual/{name}"))


def foreign_domain_xml(name: str) -> str:
    """A domain someone else defined (by hand, another tool)."""
    return f"""<domain type='test'>
  <name>{name}</name>
  <description>hand-made by ops</description>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='i686'>hvm</type></os>
</domain>"""


def foreign_network_xml(name: str) -> str:
    # No bridge name: with one, creating the network lists its ports (to re-plug running
    # guests), which the test driver does not support (virNetworkListAllPorts).
    return f"""<network><name>{name}</name><ip address='10.99.0.1' prefix='24'/></network>"""


# ---- pools ------------------------------------------------------------------------------


def test_pool_create_delete(node_uri: str) -> None:
    # read() of a live pool is tested on a lab host: the test driver refuses
    # XMLDesc(VIR_STORAGE_XML_INACTIVE), which the provider reads.
    engine = Engine(StoragePoolProvider())
    res = engine.create(pool_inputs(node_uri, "images", "/virtual/images"))
    conn = connect(node_uri)
    pool = conn.storagePoolLookupByName("images")
    assert res.id == pool.UUIDString() == res.outputs["uuid"]
    assert pool.isActive() and pool.autostart()
    # The test driver starts a dir pool without looking at the directory, so the provider
    # sees it as existing and will never remove it (the lab tests cover a real build).
    assert res.outputs["createdPath"] is False
    assert res.outputs["path"] == "/virtual/images"

    engine.delete(res)
    assert "images" not in [p.name() for p in conn.listAllStoragePools()]
    assert engine.read(res)[0] is None
    engine.delete(res)  # deleting what is already gone is fine (idempotent)


def test_pool_autostart_change_is_live(node_uri: str) -> None:
    engine = Engine(StoragePoolProvider())
    res = engine.create(pool_inputs(node_uri, "p", "/virtual/p"))
    uuid = res.id
    engine.update(res, pool_inputs(node_uri, "p", "/virtual/p", autostart=False))
    pool = connect(node_uri).storagePoolLookupByName("p")
    assert pool.UUIDString() == uuid
    assert not pool.autostart()


def test_pool_holding_foreign_volumes_is_not_deleted(node_uri: str) -> None:
    res = make_pool(node_uri, "shared")
    pool = connect(node_uri).storagePoolLookupByName("shared")
    pool.createXML("<volume><name>theirs.img</name><capacity unit='MiB'>1</capacity></volume>", 0)
    with pytest.raises(ProviderError, match=r"theirs\.img"):
        StoragePoolProvider().delete(res.id, res.outputs)
    assert pool.isActive()
    assert pool.listVolumes() == ["theirs.img"]


# ---- volumes ----------------------------------------------------------------------------


def test_volume_create_read_delete(node_uri: str) -> None:
    make_pool(node_uri)
    engine = Engine(VolumeProvider())
    res = engine.create(volume_inputs(node_uri, "pool", "data.qcow2", capacityBytes=GIB))
    conn = connect(node_uri)
    vol = conn.storagePoolLookupByName("pool").storageVolLookupByName("data.qcow2")
    assert res.id == vol.key()
    assert res.outputs["path"] == vol.path()
    assert res.outputs["virtualSizeBytes"] == GIB == vol.info()[1]
    found_id, outs = engine.read(res)
    assert found_id == res.id
    assert outs["capacityBytes"] == GIB and outs["format"] == "qcow2"
    engine.delete(res)
    assert conn.storagePoolLookupByName("pool").listVolumes() == []
    assert engine.read(res)[0] is None


def test_base_volume_with_a_clone_is_not_deleted(node_uri: str) -> None:
    make_pool(node_uri)
    engine = Engine(VolumeProvider())
    base = engine.create(volume_inputs(node_uri, "pool", "base.qcow2", capacityBytes=10 * GIB))
    clone = engine.create(
        volume_inputs(
            node_uri,
            "pool",
            "web-1.qcow2",
            capacityBytes=10 * GIB,
            backingPath=base.outputs["path"],
            backingFormat="qcow2",
        )
    )
    with pytest.raises(ProviderError) as refused:
        engine.delete(base)
    assert "web-1.qcow2" in str(refused.value)
    assert "backing file" in str(refused.value)
    pool = connect(node_uri).storagePoolLookupByName("pool")
    assert sorted(pool.listVolumes()) == ["base.qcow2", "web-1.qcow2"]

    engine.delete(clone)  # in reverse dependency order, as the engine deletes
    engine.delete(base)
    assert pool.listVolumes() == []


def test_base_volume_with_a_clone_in_another_pool_is_not_deleted(node_uri: str) -> None:
    make_pool(node_uri, "bases")
    make_pool(node_uri, "disks")
    engine = Engine(VolumeProvider())
    base = engine.create(volume_inputs(node_uri, "bases", "debian.qcow2", capacityBytes=GIB))
    clone = engine.create(
        volume_inputs(
            node_uri, "disks", "vm.qcow2", capacityBytes=GIB, backingPath=base.outputs["path"]
        )
    )
    with pytest.raises(ProviderError, match=r"backing file of \['disks/vm\.qcow2'\]"):
        engine.delete(base)
    assert connect(node_uri).storagePoolLookupByName("bases").listVolumes() == ["debian.qcow2"]
    engine.delete(clone)
    engine.delete(base)


def test_volume_in_missing_pool_fails_naming_the_pool(node_uri: str) -> None:
    with pytest.raises(ProviderError, match=r"storage pool 'nopool' does not exist"):
        Engine(VolumeProvider()).create(volume_inputs(node_uri, "nopool", "v", capacityBytes=MIB))


# ---- reads of objects removed behind our back -------------------------------------------


def test_read_of_vanished_objects_returns_no_id(node_uri: str) -> None:
    make_pool(node_uri)
    conn = connect(node_uri)
    dom = Engine(DomainProvider()).create(domain_inputs(node_uri, "gone-dom"))
    net = Engine(NetworkProvider()).create(network_inputs(node_uri, "gone-net"))
    vol = Engine(VolumeProvider()).create(
        volume_inputs(node_uri, "pool", "gone", capacityBytes=MIB)
    )
    pool = make_pool(node_uri, "gone-pool")

    conn.lookupByName("gone-dom").undefine()
    conn.networkLookupByName("gone-net").destroy()
    conn.networkLookupByName("gone-net").undefine()
    conn.storagePoolLookupByName("pool").storageVolLookupByName("gone").delete(0)
    conn.storagePoolLookupByName("gone-pool").destroy()
    conn.storagePoolLookupByName("gone-pool").undefine()

    for res in (dom, net, vol, pool):
        result = res.provider.read(res.id, res.outputs)
        assert result.id is None, f"{type(res.provider).__name__}: {result.id!r}"
        res.provider.delete(res.id, res.outputs)  # and deleting it is a no-op


def test_a_stopped_pool_is_started_in_place_and_its_volumes_keep_their_state(
    node_uri: str,
) -> None:
    pool = make_pool(node_uri, "halted")
    vol = Engine(VolumeProvider()).create(
        volume_inputs(node_uri, "halted", "kept", capacityBytes=MIB)
    )
    connect(node_uri).storagePoolLookupByName("halted").destroy()  # virsh pool-destroy

    kept = vol.provider.read(vol.id, vol.outputs)
    assert (kept.id, kept.outs) == (vol.id, vol.outputs), "not gone: its pool is stopped"
    with pytest.raises(ProviderError, match="storage pool 'halted' is stopped"):
        vol.provider.delete(vol.id, vol.outputs)

    pool.outputs = {**pool.outputs, "running": False}  # what a refresh reads back
    wanted = pool_inputs(node_uri, "halted", "/virtual/halted")
    _, diff = Engine(StoragePoolProvider()).diff(pool, wanted)
    assert diff.changes and not diff.replaces, "up starts it in place"
    Engine(StoragePoolProvider()).update(pool, wanted)
    assert connect(node_uri).storagePoolLookupByName("halted").isActive()
    assert vol.provider.read(vol.id, vol.outputs).id == vol.id


# ---- domains ----------------------------------------------------------------------------


def test_domain_create_read_update_delete(node_uri: str) -> None:
    engine = Engine(DomainProvider())
    res = engine.create(domain_inputs(node_uri, "web", running=True))
    conn = connect(node_uri)
    dom = conn.lookupByName("web")
    assert res.id == dom.UUIDString()
    assert dom.isActive()
    assert live_owner(dom) == Ownership(**{**OWNER, "name": "web"})
    assert res.outputs["resolvedDomainType"] == "qemu"

    found_id, outs = engine.read(res)
    assert found_id == res.id
    assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False
    assert outs["memoryMib"] == 128

    engine.update(res, domain_inputs(node_uri, "web", running=True, memoryMib=192))
    assert dom.UUIDString() == res.id
    assert dom.info()[2] == 192 * 1024  # live current memory (KiB)
    inactive = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode())
    assert inactive.findtext("currentMemory") == str(192 * 1024)
    assert res.outputs["pendingRestart"] is False

    engine.update(res, domain_inputs(node_uri, "web", running=False, memoryMib=192))
    assert not dom.isActive()
    # delete() is tested on a lab host: the test driver refuses VIR_DOMAIN_UNDEFINE_NVRAM.


# ---- adoption -----------------------------------------------------------------------------


def test_domain_with_existing_name_is_refused_unless_adopted(node_uri: str) -> None:
    conn = connect(node_uri)
    theirs = conn.defineXML(foreign_domain_xml("legacy"))
    engine = Engine(DomainProvider())
    props = domain_inputs(node_uri, "legacy")
    with pytest.raises(ProviderError, match=r"named 'legacy' already exists.*adopt: true"):
        engine.create(props)
    assert live_owner(theirs) is None  # the refused create did not touch it

    res = engine.create({**props, "adopt": True})
    assert res.id == theirs.UUIDString()
    dom = conn.lookupByUUIDString(res.id)
    assert live_owner(dom) == Ownership(**{**OWNER, "name": "legacy"})
    assert res.outputs["adopt"] is True
    xml = etree.fromstring(dom.XMLDesc(0).encode())
    assert xml.findtext("description") == "hand-made by ops"  # what the spec lacks is kept
    assert xml.findtext("memory") == str(256 * 1024)  # what it has is ours now
    assert engine.read(res)[0] == res.id
    assert engine.provider.diff(res.id, res.outputs, res.inputs).changes is False


def test_network_with_existing_name_is_refused_unless_adopted(node_uri: str) -> None:
    conn = connect(node_uri)
    # Inactive: the test driver shows only the live XML, and an active network's new
    # definition (with our tag) is live only after a restart. The lab test adopts a running one.
    theirs = conn.networkDefineXML(foreign_network_xml("lan"))
    engine = Engine(NetworkProvider())
    props = network_inputs(node_uri, "lan", subnet="10.99.0")
    with pytest.raises(ProviderError, match=r"named 'lan' already exists.*adopt: true"):
        engine.create(props)
    res = engine.create({**props, "adopt": True})
    assert res.id == theirs.UUIDString()
    net = conn.networkLookupByUUIDString(res.id)
    assert net.isActive()
    assert 'name="lan"' in net.XMLDesc(0) and "kvm-pulumi.dev/xmlns/owner/1" in net.XMLDesc(0)
    engine.delete(res)
    assert "lan" not in [n.name() for n in conn.listAllNetworks()]


def test_pool_and_volume_with_existing_names_are_refused_unless_adopted(node_uri: str) -> None:
    conn = connect(node_uri)
    pool = conn.storagePoolDefineXML(
        "<pool type='dir'><name>old</name><target><path>/virtual/old</path></target></pool>"
    )
    pool.create()
    pool.createXML("<volume><name>disk</name><capacity unit='MiB'>1</capacity></volume>", 0)
    pools = Engine(StoragePoolProvider())
    props = pool_inputs(node_uri, "old", "/virtual/old")
    with pytest.raises(ProviderError, match=r"'old' already exists.*adopt"):
        pools.create(props)  # it holds volumes: not an interrupted create of ours
    adopted = pools.create({**props, "adopt": True})
    assert adopted.id == pool.UUIDString()
    assert adopted.outputs["createdPath"] is False  # an adopted pool's directory is not ours
    assert pool.autostart()

    key = pool.storageVolLookupByName("disk").key()
    vols = Engine(VolumeProvider())
    vprops = volume_inputs(node_uri, "old", "disk", capacityBytes=2 * MIB, format="raw")
    with pytest.raises(ProviderError, match=r"volume named 'disk' already exists.*other format"):
        vols.create(vprops)  # not what the resource must hold (another size)
    assert vols.create({**vprops, "adopt": True}).id == key


def test_what_an_interrupted_create_left_is_taken_over(node_uri: str) -> None:
    """A pool defined but not started, and an unused volume of the wanted format and size,
    are what a create killed half way leaves: the rerun takes them over."""
    conn = connect(node_uri)
    pool = conn.storagePoolDefineXML(
        "<pool type='dir'><name>half</name><target><path>/virtual/half</path></target></pool>"
    )
    made = Engine(StoragePoolProvider()).create(pool_inputs(node_uri, "half", "/virtual/half"))
    assert made.id == pool.UUIDString() and pool.isActive()
    pool.createXML(
        "<volume><name>v</name><capacity unit='MiB'>1</capacity>"
        "<target><format type='raw'/></target></volume>",
        0,
    )
    key = pool.storageVolLookupByName("v").key()
    vprops = volume_inputs(node_uri, "half", "v", capacityBytes=MIB, format="raw")
    assert Engine(VolumeProvider()).create(vprops).id == key
    other = pool_inputs(node_uri, "half", "/virtual/elsewhere")
    with pytest.raises(ProviderError, match=r"'half' already exists.*not one this stack made"):
        Engine(StoragePoolProvider()).create(other)


# ---- ownership on delete ------------------------------------------------------------------


def test_domain_without_ownership_tag_is_not_deleted(node_uri: str) -> None:
    conn = connect(node_uri)
    theirs = conn.defineXML(foreign_domain_xml("pet"))
    props = DomainProvider().check({}, domain_inputs(node_uri, "pet")).inputs
    with pytest.raises(ProviderError, match="carries no kvm-pulumi ownership tag"):
        DomainProvider().delete(theirs.UUIDString(), props)
    assert conn.lookupByName("pet").UUIDString() == theirs.UUIDString()


def test_domain_owned_by_another_stack_is_not_deleted(node_uri: str) -> None:
    engine = Engine(DomainProvider())
    res = engine.create(domain_inputs(node_uri, "db", running=True))
    other = {**res.outputs, "ownership": {**OWNER, "stack": "prod", "name": "db"}}
    with pytest.raises(ProviderError, match=r"belongs to kvmp-tests/test/db, not kvmp-tests/prod/"):
        DomainProvider().delete(res.id, other)
    dom = connect(node_uri).lookupByUUIDString(res.id)
    assert dom.isActive()  # not even stopped
    assert live_owner(dom) == Ownership(**{**OWNER, "name": "db"})


def test_network_without_or_with_other_ownership_is_not_deleted(node_uri: str) -> None:
    conn = connect(node_uri)
    theirs = conn.networkDefineXML(foreign_network_xml("wan"))
    theirs.create()
    props = NetworkProvider().check({}, network_inputs(node_uri, "wan")).inputs
    with pytest.raises(ProviderError, match="carries no kvm-pulumi ownership tag"):
        NetworkProvider().delete(theirs.UUIDString(), props)
    assert conn.networkLookupByName("wan").isActive()

    engine = Engine(NetworkProvider())
    res = engine.create(network_inputs(node_uri, "ours", subnet="10.98.0"))
    other = {**res.outputs, "ownership": {**OWNER, "project": "else", "name": "ours"}}
    with pytest.raises(ProviderError, match=r"belongs to kvmp-tests/test/ours, not else/"):
        NetworkProvider().delete(res.id, other)
    assert conn.networkLookupByName("ours").isActive()
    engine.delete(res)
    assert [n.name() for n in conn.listAllNetworks()] == ["wan"]


# ---- disks as files ------------------------------------------------------------------------


def test_volume_disks_are_written_as_their_files_and_read_back_as_volumes(node_uri: str) -> None:
    """virt-aa-helper cannot resolve `type='volume'`: the domain names the file; `read` maps
    it back to the volume, so there is no drift — but a real change to the disk still is."""
    make_pool(node_uri)
    vol = Engine(VolumeProvider()).create(
        volume_inputs(node_uri, "pool", "vm.qcow2", capacityBytes=GIB)
    )
    engine = Engine(DomainProvider())
    disks = [{"pool": "pool", "volume": "vm.qcow2", "target": "vda"}]
    res = engine.create(domain_inputs(node_uri, "web", disks=disks))
    dom = connect(node_uri).lookupByName("web")
    disk = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode()).find(
        "devices/disk"
    )
    assert disk.get("type") == "file"
    assert dict(disk.find("source").attrib) == {"file": vol.outputs["path"]}

    _, outs = engine.read(res)
    assert outs["disks"][0]["volume"] == "vm.qcow2"
    assert engine.provider.diff(res.id, outs, res.inputs).changes is False

    connect(node_uri).defineXML(
        dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).replace("bus='virtio'", "bus='sata'")
    )
    _, outs = engine.read(res)
    assert outs["disks"][0]["bus"] == "sata", "a changed bus on the same file is drift"


def test_a_disk_volume_that_does_not_exist_fails_naming_it(node_uri: str) -> None:
    make_pool(node_uri)
    disks = [{"pool": "pool", "volume": "absent.qcow2", "target": "vda"}]
    with pytest.raises(ProviderError, match=r"disk volume 'absent\.qcow2' does not exist in pool"):
        Engine(DomainProvider()).create(domain_inputs(node_uri, "web", disks=disks))
    assert "web" not in [d.name() for d in connect(node_uri).listAllDomains(0)]
