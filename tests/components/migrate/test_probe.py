"""The probe's verdict and report (the probe against live objects: tests/e2e)."""

from __future__ import annotations

from components.migrate.probe import ObjectReport, ProbeReport
from components.spec.changes import Effect, FieldChange


def test_only_restarts_and_replaces_are_disruptive_and_each_is_named():
    quiet = ObjectReport(
        "Domain",
        "web-0",
        "qemu:///system",
        True,
        (FieldChange("ownership", None, {}, Effect.LIVE),),
    )
    report = ProbeReport([quiet])
    assert not report.disruptive()
    assert "restarts and replaces nothing" in report.text()
    assert "Domain 'web-0' on qemu:///system: updated live: ownership" in report.text()
    loud = ObjectReport(
        "Domain",
        "web-1",
        "qemu:///system",
        True,
        (FieldChange("machine", "pc-i440fx-7.2", "q35", Effect.REPLACE),),
    )
    missing = ObjectReport("Volume", "data", "qemu:///system", False)
    report = ProbeReport([quiet, loud, missing])
    assert report.disruptive()
    text = report.text()
    assert text.startswith("probe: 3 objects read; the first `pulumi up` would restart")
    assert "Domain 'web-1' on qemu:///system: machine: 'pc-i440fx-7.2' → 'q35' (replace)" in text
    assert "Volume 'data' on qemu:///system: not found; the first up creates it" in text
