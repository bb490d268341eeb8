"""libvirt itself defines every example (test:///default, schema-validated) and reads it
back as the same spec.

The test driver keeps everything in memory; each test undefines what it defined. Two
quirks of libvirt 9.0's test driver: `XMLDesc` of networks knows only the live definition
(networks are read with flags 0), and volume creation rejects VIR_STORAGE_VOL_CREATE_VALIDATE
("unsupported flags (0x4)") even for valid XML, so volumes are created without it — their
schema is checked by test_libvirt_schema, and the provider creates them with flags 0 too.
"""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from components.providers.domain import comparable
from components.spec.domain import DomainSpec
from components.spec.network import NetworkSpec
from components.spec.pool import PoolSpec
from components.spec.volume import VolumeSpec
from tests.components.spec.examples import CASES

TEST_POOL = "default-pool"
"""The test driver's built-in, running storage pool (volumes are created in it)."""


def _cases(kind: type) -> dict[str, object]:
    return {case: spec for case, spec in CASES.items() if isinstance(spec, kind)}


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    connection = libvirt.open("test:///default")
    yield connection
    connection.close()


@pytest.mark.parametrize(("case", "spec"), _cases(DomainSpec).items(), ids=list(_cases(DomainSpec)))
def test_domain_is_defined_and_reads_back(
    conn: libvirt.virConnect, case: str, spec: DomainSpec
) -> None:
    dom = conn.defineXMLFlags(spec.to_xml(), libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    try:
        live = DomainSpec.from_xml(
            dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
            autostart=spec.autostart,
            running=spec.running,
            restart_policy=spec.restart_policy,
            shutdown_timeout_seconds=spec.shutdown_timeout_seconds,
        )
    finally:
        dom.undefine()
    assert comparable(live, spec) == spec, case


@pytest.mark.parametrize(
    ("case", "spec"), _cases(NetworkSpec).items(), ids=list(_cases(NetworkSpec))
)
def test_network_is_defined_and_reads_back(
    conn: libvirt.virConnect, case: str, spec: NetworkSpec
) -> None:
    net = conn.networkDefineXMLFlags(spec.to_xml(), libvirt.VIR_NETWORK_DEFINE_VALIDATE)
    try:
        live = NetworkSpec.from_xml(net.XMLDesc(0), autostart=spec.autostart)
    finally:
        net.undefine()
    # libvirt fills in what the spec leaves unset (bridge name, stp…); that is not drift.
    unset = {name: None for name in NetworkSpec.model_fields if getattr(spec, name) is None}
    assert live.model_copy(update=unset) == spec, case


@pytest.mark.parametrize(("case", "spec"), _cases(PoolSpec).items(), ids=list(_cases(PoolSpec)))
def test_pool_is_defined_and_reads_back(
    conn: libvirt.virConnect, case: str, spec: PoolSpec
) -> None:
    pool = conn.storagePoolDefineXML(spec.to_xml(), libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE)
    try:
        live = PoolSpec.from_xml(pool.XMLDesc(0), autostart=spec.autostart)
    finally:
        pool.undefine()
    assert live == spec, case


@pytest.mark.parametrize(("case", "spec"), _cases(VolumeSpec).items(), ids=list(_cases(VolumeSpec)))
def test_volume_is_created_and_reads_back(
    conn: libvirt.virConnect, case: str, spec: VolumeSpec
) -> None:
    pool = conn.storagePoolLookupByName(TEST_POOL)
    vol = pool.createXML(spec.to_xml(), 0)
    try:
        live = VolumeSpec.from_xml(vol.XMLDesc(0), pool=spec.pool, source=spec.source)
    finally:
        vol.delete(0)
    assert live == spec, case


def test_test_driver_validates_against_the_schema(conn: libvirt.virConnect) -> None:
    bogus = "<domain type='qemu'><name>bogus</name><memory>1024</memory><bogus/></domain>"
    with pytest.raises(libvirt.libvirtError, match="failed to validate"):
        conn.defineXMLFlags(bogus, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
