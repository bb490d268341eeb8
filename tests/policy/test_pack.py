"""The pulumi-policy pack: each rule as a stack policy, fed what the engine sends."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pulumi_policy
import pytest
from pulumi_policy import EnforcementLevel, PolicyResource, PolicyResourceOptions
from pulumi_policy.policy import PolicyCustomTimeouts, StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from components.plan.values import UNKNOWN
from components.policies.pack import plain, policies, rule_resource
from components.policies.rules import RULES, RuleResource, check
from tests.policy.resources import domain, host, volume

REPO = Path(__file__).resolve().parents[2]


def _engine_view(resource: RuleResource, *, protect: bool = False) -> PolicyResource:
    """A resource as pulumi-policy's analyzer builds it (props behind its unknown proxy)."""
    opts = PolicyResourceOptions(
        protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], resource.parent
    )
    props = unknown_checking_proxy(dict(resource.props))
    return PolicyResource(
        resource.type, props, resource.urn, resource.name, opts, None, None, [], {}
    )


def _run_pack(resources: list[PolicyResource], config=None) -> list[tuple[str, str, str | None]]:
    reported = []
    for policy in policies():
        args = StackValidationArgs(resources, (config or {}).get(policy.name, {}))

        def report(message, urn=None, name=policy.name):
            reported.append((name, message, urn))

        policy.validate(args, report)
    return reported


def test_one_stack_policy_per_rule_with_its_enforcement():
    pack = policies()
    assert [p.name for p in pack] == [r.name for r in RULES]
    levels = {p.name: p.enforcement_level for p in pack}
    assert levels["prod-vm-snapshot-policy"] is EnforcementLevel.MANDATORY
    assert levels["gen1-needs-reason"] is EnforcementLevel.ADVISORY


def test_pack_reports_what_the_rules_find():
    vm = domain("db-1", graphics={"type": "vnc", "listen": "0.0.0.0"}, cpuMode="host-passthrough")
    reported = _run_pack([_engine_view(vm)])
    rules = sorted(name for name, _, _ in reported)
    assert rules == [
        "console-loopback-or-password",
        "host-passthrough-blocks-migration",
        "prod-vm-snapshot-policy",
    ]
    assert all(urn == vm.urn for _, _, urn in reported)


def test_pack_and_plan_judge_alike():
    resources = [
        host(),
        domain("db-1", maxMemoryMib=16384, machine="pc", firmware=None),
        domain("web-1", snapshotPolicy={"name": "nightly"}),
    ]
    config = {"vm-memory-within-host": {"hostMemoryMib": {"hv1": 8192}}}
    from_plan = sorted((v.rule, v.message, v.urn) for v in check(resources, config))
    from_pack = sorted(_run_pack([_engine_view(r) for r in resources], config))
    assert from_pack == from_plan
    assert len(from_plan) >= 3


def test_unknowns_reach_the_rules_as_unknown_not_as_an_error():
    vm = domain("db-1", snapshotPolicy=UNKNOWN_STRING_VALUE)
    seen = rule_resource(_engine_view(vm))
    assert seen.props["snapshotPolicy"] is UNKNOWN
    assert _run_pack([_engine_view(vm)]) == []


def test_plain_opens_nested_proxies():
    proxied = unknown_checking_proxy({"a": [{"b": UNKNOWN_STRING_VALUE, "c": 1}], "d": "x"})
    assert plain(proxied) == {"a": [{"b": UNKNOWN, "c": 1}], "d": "x"}


def test_protect_is_seen_and_retain_on_delete_is_not_guessed():
    root = {"pool": "prod-vmstore", "volume": "prod-db-1-root.qcow2", "target": "vda"}
    data = {"pool": "prod-vmstore", "volume": "prod-db-1-pgdata.qcow2", "target": "vdb"}
    vm = domain("db-1", disks=[root, data], snapshotPolicy={"name": "n"})
    disk = volume("db-1-pgdata")
    assert rule_resource(_engine_view(disk, protect=True)).protect is True
    assert rule_resource(_engine_view(disk)).retain_on_delete is None
    assert _run_pack([_engine_view(vm), _engine_view(disk)]) == []
    assert [v.rule for v in check([vm, disk])] == ["prod-data-disk-retained"]


def test_policy_folder_serves_the_pack(monkeypatch: pytest.MonkeyPatch):
    served = {}

    def fake_pack(name, policies, **_kwargs):
        served.update(name=name, policies=[p.name for p in policies])

    monkeypatch.setattr(pulumi_policy, "PolicyPack", fake_pack)
    runpy.run_path(str(REPO / "policy" / "__main__.py"), run_name="__main__")
    assert served == {"name": "kvm-estate", "policies": [r.name for r in RULES]}
    assert (REPO / "policy" / "PulumiPolicy.yaml").is_file()
    requirements = (REPO / "policy" / "requirements.txt").read_text()
    assert "pulumi-policy==1.21.0" in requirements


def test_the_pack_needs_nothing_beyond_its_requirements():
    """policy/requirements.txt has pulumi and pulumi-policy only: the rules must not pull
    in the product's heavier dependencies."""
    code = (
        "import sys; import components.policies.pack; "
        "heavy = [m for m in ('pydantic', 'lxml', 'libvirt') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
