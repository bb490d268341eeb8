"""The README's complete example runs as written (under Pulumi mocks)."""

from __future__ import annotations

import re

from tests.components.mocks import REPO, run_program


def _python_example() -> str:
    text = (REPO / "README.md").read_text()
    match = re.search(r"## A complete example.*?```python\n(.*?)```", text, re.S)
    assert match, "README has a complete Python example"
    return match.group(1)


def test_the_complete_example_builds_the_estate_it_describes():
    mocks = run_program(lambda: exec(_python_example(), {"__name__": "example"}))
    domains = {d.name: d.inputs for d in mocks.of_type("kvm:Domain")}
    assert set(domains) == {"web-1", "web-2"}
    assert domains["web-2"]["memoryMib"] == 768
    assert {n.inputs["name"] for n in mocks.of_type("kvm:Network")} == {"dev-lan", "dev-backend"}
    assert len(mocks.of_type("kvm:DhcpReservation")) == 2
