"""Plan diffs of hand-made plans: actions, field classification, re-attach, odd cases."""

from __future__ import annotations

from components.plan.diff import CREATE, DELETE, OPTIONS_ONLY, diff_plans, render_diff_text
from tests.components.plan.synthetic import DOMAIN, VOLUME, lan, plan, registration, vm


def _diff(old, new):
    return diff_plans(plan(*old), plan(*new), "base", "working tree")


def _actions(diff):
    return [(c.label, c.action) for c in diff.changes]


def test_identical_plans_have_no_changes():
    diff = _diff([*lan(), *vm("web-1")], [*lan(), *vm("web-1")])
    assert not diff.changed
    assert render_diff_text(diff).endswith("No changes.\n")


def test_created_and_deleted_objects():
    host = registration("kvm:index:KvmHost", "hv2", outputs={"uri": "qemu:///x"})
    diff = _diff([*vm("old")], [*vm("new"), host])
    assert _actions(diff) == [("host hv2", CREATE), ("vm new", CREATE), ("vm old", DELETE)]
    text = render_diff_text(diff)
    assert "+ vm new (create)\n    name: dev-new\n" in text
    assert "- vm old (delete)\n" in text


def test_memory_within_maximum_is_live_and_beyond_is_restart():
    live = _diff(vm("web-1", memory=512), vm("web-1", memory=1024))
    assert _actions(live) == [("vm web-1", "update live")]
    (change,) = live.changes
    assert [(f.path, f.old, f.new, f.effect) for f in change.fields] == [
        (("memoryMib",), 512, 1024, "update live")
    ]
    restart = _diff(vm("web-1", memory=512), vm("web-1", memory=4096))
    assert _actions(restart) == [("vm web-1", "update + restart")]


def test_network_replace_lists_the_attached_vms_only():
    old = [*lan(), *vm("web-1"), *vm("other", network="dev-wan")]
    new = [*lan("10.71.0.1"), *vm("web-1"), *vm("other", network="dev-wan")]
    (change,) = _diff(old, new).changes
    assert (change.label, change.action) == ("network lan@local", "replace")
    assert change.reattached == ("vm web-1",)
    assert "    re-attached: vm web-1\n" in render_diff_text(_diff(old, new))


def test_protect_change_alone_touches_only_the_state():
    old = vm("web-1")
    new = vm("web-1")
    new[1]["protect"] = True
    (change,) = _diff(old, new).changes
    assert change.action == OPTIONS_ONLY
    assert "protect: no → yes (no change to the object)" in render_diff_text(_diff(old, new))


def test_resource_without_known_rules_is_a_replace():
    old = [registration(DOMAIN, "x", inputs={"a": 1}, provider="nowhere.module:Gone")]
    new = [registration(DOMAIN, "x", inputs={"a": 2}, provider="nowhere.module:Gone")]
    assert _actions(_diff(old, new)) == [("domain x", "replace")]


def test_a_rule_that_cannot_judge_unknown_values_means_replace():
    old = vm("web-1", memory=512)
    new = vm("web-1")
    new[1]["inputs"]["memoryMib"] = "(known after apply)"
    (change,) = _diff(old, new).changes
    assert change.action == "replace"


def test_nested_fields_and_children_are_named():
    component = vm("web-1")[0]
    old = [
        component,
        registration(VOLUME, "web-1-root", component, inputs={"capacityBytes": 1024**3}),
    ]
    new = [
        component,
        registration(VOLUME, "web-1-root", component, inputs={"capacityBytes": 2 * 1024**3}),
    ]
    text = render_diff_text(_diff(old, new))
    assert (
        "~ vm web-1 > volume web-1-root (update live)\n    size: 1 GiB → 2 GiB (update live)\n"
        in text
    )
