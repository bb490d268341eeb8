"""A host that does not answer: preview, up and refresh fail naming it; marked `down: true`,
its resources are left as they are by preview, up and refresh; back up, the first `up`
converges."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.faults.estate import converged, estate_stack, inventory
from tests.harness import HarnessError
from tests.lab.guest import TinyGuest
from tests.lab.hosts import LabHost


def test_unreachable_host_fails_preview_up_and_refresh_unless_marked_down(
    lab_host: LabHost, lab_scratch: Path, tiny_guest: TinyGuest, name_prefix: str
) -> None:
    with estate_stack(lab_host, lab_scratch, tiny_guest, name_prefix, 246) as stack:
        stack.up()
        before = inventory(lab_host.uri, name_prefix)
        state_before = stack.state.resources(custom_only=True)
        socket = lab_host.uri.split("socket=", 1)[1]
        lab_host.kill_libvirtd()
        try:
            for run in (stack.preview, stack.up):
                with pytest.raises(HarnessError) as failure:
                    run()
                message = str(failure.value)
                assert "hosts.lab" in message and lab_host.uri in message, message
                assert f"tried the libvirtd socket {socket}" in message, message
            with pytest.raises(HarnessError, match="cannot connect to libvirt at") as failure:
                stack.refresh()
            assert lab_host.uri in str(failure.value)
            assert [r.outputs for r in stack.state.resources(custom_only=True)] == [
                r.outputs for r in state_before
            ], "a failed refresh changes no state"

            stack.config["hosts"]["lab"]["down"] = True
            preview = stack.preview()
            assert preview.changed() == {}, preview.changed()
            assert any("is marked down" in m.message for m in preview.log), preview.log
            assert stack.up().changed() == {}
            refreshed = stack.refresh()
            assert not refreshed.drift and not refreshed.vanished, refreshed.drift
            said = [m.message for m in refreshed.log]
            kept = [m for m in said if "is marked down; its state is kept as it is" in m]
            on_host = [r for r in state_before if r.outputs.get("connectionUri") == lab_host.uri]
            assert len(kept) == len(on_host) > 0, said  # one whole notice per resource
            assert {r.urn: r.outputs for r in stack.state.resources(custom_only=True)} == {
                r.urn: r.outputs for r in state_before
            }, "refresh keeps the state of a host marked down"
            stack.config["vms"][0]["memory"] = "112MiB"
            assert stack.preview().changed() == {}, "nothing on a down host changes"
        finally:
            lab_host.restart_libvirtd()
        del stack.config["hosts"]["lab"]["down"]
        assert inventory(lab_host.uri, name_prefix) == before, "nothing was lost meanwhile"
        result = stack.up()
        assert [u for u, op in result.changed().items() if u.endswith("Domain::app")], (
            "back up, the change made while the host was down is applied"
        )
        stack.config["vms"][0]["memory"] = "96MiB"
        stack.up()
        converged(stack, lab_host, lab_scratch, name_prefix)
