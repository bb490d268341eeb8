"""The plan model (order, inherited options, markers) and its text form."""

from __future__ import annotations

import random
import re

from components.plan import registrations
from components.plan.render import render_text
from components.plan.values import SECRET, UNKNOWN
from tests.components.plan.synthetic import DOMAIN, VOLUME, lan, plan, registration, vm


def test_order_depends_on_what_is_registered_not_when():
    records = [*vm("web-2"), *vm("web-1"), *lan(), registration("kvm:index:KvmHost", "local")]
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    assert plan(*records) == plan(*shuffled)
    assert [r.heading for r in plan(*shuffled).top_level()] == [
        "host local",
        "network lan (nat network)",
        "vm web-1",
        "vm web-2",
    ]


def test_protect_and_retain_are_inherited_unless_set():
    component = registration("kvm:index:VirtualMachine", "db-1", protect=True)
    inherited = registration(VOLUME, "db-1-root", component)
    own = registration(VOLUME, "db-1-data", component, protect=False, retain=True)
    by_name = {r.name: r for r in plan(component, inherited, own).resources}
    assert (by_name["db-1-root"].protect, by_name["db-1-root"].retain_on_delete) == (True, False)
    assert (by_name["db-1-data"].protect, by_name["db-1-data"].retain_on_delete) == (False, True)


def test_markers_survive_the_json_form():
    domain = registration(DOMAIN, "web-1", inputs={"uuid": "(known after apply)", "p": "[secret]"})
    (resource,) = plan(domain).resources
    assert resource.inputs == {"uuid": UNKNOWN, "p": SECRET}
    assert resource.to_json()["inputs"] == {"uuid": "(known after apply)", "p": "[secret]"}


def test_text_shows_units_nic_addresses_options_and_unknown_fields_generically():
    records = [
        *lan(),
        *vm("web-1", memory=1536, fancyNewField={"level": 3, "tags": ["a", "b"]}),
    ]
    records.append(
        registration(
            VOLUME,
            "web-1-data",
            records[2],
            inputs={"name": "dev-web-1-data.qcow2", "capacityBytes": 20 * 1024**3},
            retain=True,
        )
    )
    text = render_text(plan(*records))
    for line in (
        r"    memory +1536 MiB",
        r"    max memory +2 GiB",
        r"    size +20 GiB",
        r"    options +retain on delete",
        r"      - 52:54:00:00:00:01 on dev-lan \(virtio\), ip dhcp 10.70.0.100-10.70.0.199",
        r"    fancy new field +level=3, tags=\[a; b\]",
    ):
        assert re.search(f"\n{line}\n", text), line


def test_reserved_address_wins_over_the_dhcp_range():
    records = [*lan(), *vm("web-1")]
    records[1]["inputs"]["ips"][0]["dhcpHosts"] = [{"mac": "52:54:00:00:00:01", "ip": "10.70.0.9"}]
    assert "on dev-lan (virtio), ip 10.70.0.9 (reserved)" in render_text(plan(*records))


def test_the_recorder_writes_the_markers_texts():
    assert (SECRET.value, UNKNOWN.value) == (registrations.SECRET_TEXT, registrations.UNKNOWN_TEXT)
