"""The policy element in domain metadata (XML both ways, own namespace), its validation, and
the tag in a snapshot's description."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from pydantic import ValidationError

from components.spec.domain import Disk, DomainSpec
from components.spec.ownership import OWNER_NS, Ownership
from components.spec.snapshot import SnapshotSpec, SnapshotTag
from components.spec.snapshot_policy import POLICY_NS, POLICY_TAG, SnapshotPolicySpec

NIGHTLY = SnapshotPolicySpec(
    name="nightly", schedule="daily at 02:00", keep_last=3, keep_daily=7, before_change=True
)


def test_policy_lives_next_to_the_owner_in_its_own_namespace():
    spec = DomainSpec(
        name="prod-db-1",
        max_memory_mib=512,
        memory_mib=512,
        max_vcpus=1,
        vcpus=1,
        ownership=Ownership(project="p", stack="prod", name="db-1"),
        snapshot_policy=NIGHTLY,
    )
    root = etree.fromstring(spec.to_xml().encode())
    metadata = root.find("metadata")
    assert [child.tag for child in metadata] == [f"{{{OWNER_NS}}}owner", POLICY_TAG]
    assert POLICY_NS != OWNER_NS, "setMetadata would overwrite one with the other"
    policy = metadata.find(POLICY_TAG)
    assert policy.get("schedule") == "daily at 02:00"
    assert policy.get("keep-daily") == "7" and policy.get("before-change") == "yes"
    assert DomainSpec.from_xml(spec.to_xml()).snapshot_policy == NIGHTLY


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule": "nightly", "keep_last": 1}, "unknown schedule word 'nightly'"),
        ({"schedule": "hourly"}, "every keep\\* setting 0"),
        ({"include_memory": True, "mode": "disk-only"}, "a disk-only snapshot has no memory"),
        ({"mode": "sometimes"}, "'auto', 'internal' or 'disk-only'"),
        ({"keep_daily": -1}, "greater than or equal to 0"),
    ],
)
def test_bad_policies_are_refused(fields: dict[str, object], message: str):
    with pytest.raises(ValidationError, match=message):
        SnapshotPolicySpec(name="p", **fields)  # type: ignore[arg-type]


def test_a_policy_without_schedule_may_keep_everything():
    only_before_change = SnapshotPolicySpec(name="p", before_change=True)
    assert only_before_change.keeps_everything()
    assert only_before_change.parsed_schedule() is None


def test_mode_internal_refuses_raw_disks_of_the_vm():
    raw = Disk(type="file", file="/images/data.raw", format="raw", target="vdb")
    with pytest.raises(ValidationError, match="cannot snapshot disk vdb \\(raw\\)"):
        DomainSpec(
            name="vm",
            max_memory_mib=1,
            memory_mib=1,
            max_vcpus=1,
            vcpus=1,
            disks=[raw],
            snapshot_policy=SnapshotPolicySpec(name="p", mode="internal"),
        )


def test_tag_round_trip_and_foreign_descriptions():
    tag = SnapshotTag("scheduled", datetime(2024, 5, 1, 2, 0, 4, tzinfo=UTC), "nightly")
    text = tag.describe()
    assert text == "kvm-pulumi kind=scheduled policy=nightly taken=2024-05-01T02:00:04+00:00"
    assert SnapshotTag.parse(text) == tag and tag.prunable
    assert (
        SnapshotTag.parse("kvm-pulumi kind=declared taken=2024-05-01T02:00:04+00:00").prunable
        is False
    )
    for foreign in (
        None,
        "",
        "before the upgrade",
        "kvm-pulumi kind=weird taken=2024-05-01",
        "kvm-pulumi kind=scheduled taken=yesterday",
        "kvm-pulumi kind=scheduled taken=2024-05-01T02:00:00",
    ):  # no time zone
        assert SnapshotTag.parse(foreign) is None


def test_snapshot_xml_reads_back_what_libvirt_reports():
    xml = """<domainsnapshot><name>n</name><description>kvm-pulumi kind=pre-change
      policy=p taken=2024-05-01T02:00:00+00:00</description><state>running</state>
      <creationTime>1714528800</creationTime><memory snapshot='internal'/>
      <disks><disk name='vda' snapshot='external' type='file'><source file='/o.qcow2'/></disk>
      </disks><domain type='qemu'><name>vm</name></domain></domainsnapshot>"""
    spec = SnapshotSpec.from_xml(xml)
    assert (spec.state, spec.creation_time, spec.has_memory()) == ("running", 1714528800, True)
    assert spec.is_external() and spec.overlay_files() == {"vda": "/o.qcow2"}
    assert spec.tag is None, "a tag must fit on the description's first line"
