"""A stack-file section set with `pulumi config set --secret` stays secret up to the inputs
of the resources made from it; nothing of it is plaintext in a registration."""

from __future__ import annotations

import json

from tests.components.mocks import (
    Request,
    has_secret,
    plain_strings,
    recording_requests,
    run_main,
    stack_config,
)


def _run(secret: tuple[str, ...]) -> list[Request]:
    with recording_requests() as requests:
        run_main("dev", secret=secret)
    return requests


def _vm_children(requests: list[Request]) -> list[Request]:
    vms = {r.urn for r in requests if r.typ == "kvm:index:VirtualMachine"}
    return [r for r in requests if r.parent in vms]


def _strings(value: object) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= _strings(item)
    elif isinstance(value, list):
        for item in value:
            found |= _strings(item)
    elif isinstance(value, str):
        found.add(value)
    return found


def test_a_secret_vms_section_makes_every_input_of_the_vms_resources_secret():
    children = _vm_children(_run(("vms",)))
    assert {c.typ.rsplit(":", 1)[-1] for c in children} >= {"Domain", "Volume"}
    for child in children:
        assert child.wire, child.name
        for key, value in child.wire.items():
            assert key == "__provider" or has_secret(value), (child.name, key)
        assert plain_strings(child.wire) == [], child.name


def test_no_value_of_a_secret_section_is_plaintext_in_any_registration():
    vms = stack_config("dev")["vms"]
    written = {s for s in _strings(json.loads(json.dumps(vms))) if len(s) > 3}
    for request in _vm_children(_run(("vms",))):
        assert not written & set(plain_strings(request.wire)), request.name


def test_a_secret_hosts_section_makes_every_connection_uri_secret_and_nothing_else():
    requests = [r for r in _run(("hosts",)) if "connectionUri" in r.wire]
    assert len(requests) > 5
    for request in requests:
        assert has_secret(request.wire["connectionUri"]), request.name
    domain = next(r for r in requests if r.typ.endswith(":Domain"))
    assert not has_secret(domain.wire["memoryMib"])


def test_without_secret_sections_only_secret_fields_are_secret():
    for request in _vm_children(_run(())):
        assert not has_secret(request.wire.get("connectionUri")), request.name
        if request.typ.endswith(":Domain"):
            assert not has_secret(request.wire["memoryMib"])
