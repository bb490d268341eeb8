"""The seed provider's check and diff (no libvirt): secrets stay out of messages; re-seeds are
in place, pool and name changes replace."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from components.providers.cloud_init_seed import CloudInitSeedProvider
from tests.components.providers.wire import failures_of

SECRET = "hunter2-is-my-password"
URI = "test:///default"


def inputs(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "connectionUri": URI,
        "pool": "dev-vmstore",
        "name": "dev-web-1-cidata.iso",
        "userData": f"#cloud-config\nchpasswd: {{list: 'ops:{SECRET}'}}\n",
        "metaData": "instance-id: iid-1\nlocal-hostname: web-1\n",
    }
    props.update(overrides)
    return props


def test_good_inputs_pass_check_unchanged() -> None:
    result = CloudInitSeedProvider().check({}, inputs())
    assert result.failures == []
    assert result.inputs == {**inputs(), "format": "raw", "adopt": False}


def test_bad_user_data_is_named_without_its_value() -> None:
    bad = f"chpasswd: {{list: 'ops:{SECRET}'}}\n"
    failures = failures_of(CloudInitSeedProvider(), {}, inputs(userData=bad))
    assert failures == {"userData": "userData: must start with the line '#cloud-config'"}


def test_a_secret_of_the_wrong_type_is_not_echoed() -> None:
    failures = failures_of(CloudInitSeedProvider(), {}, inputs(metaData=[SECRET]))
    assert list(failures) == ["metaData"]
    assert SECRET not in failures["metaData"]
    assert failures["metaData"].startswith("metaData: Input should be a valid string")


def test_meta_data_needs_an_instance_id() -> None:
    failures = failures_of(CloudInitSeedProvider(), {}, inputs(metaData="local-hostname: x\n"))
    assert failures == {
        "metaData": "metaData: must set instance-id (cloud-init needs it to tell instances apart)"
    }


def test_capacity_is_not_an_input_and_names_are_checked() -> None:
    failures = failures_of(
        CloudInitSeedProvider(), {}, inputs(capacityBytes=4096, name="web/1.iso")
    )
    assert failures["capacityBytes"] == (
        "capacityBytes is set from the seed ISO's size; leave it out"
    )
    assert "is not a valid libvirt name" in failures["name"]


def test_declared_computed_outputs_are_not_inputs() -> None:
    """The resource declares computed outputs as None inputs; check must accept that."""
    declared = {k: None for k in CloudInitSeedProvider.computed_keys}
    assert CloudInitSeedProvider().check({}, {**inputs(), **declared}).failures == []


def outputs(**overrides: Any) -> dict[str, Any]:
    return {
        **inputs(**overrides),
        "format": "raw",
        "adopt": False,
        "key": "/pool/dev-web-1-cidata.iso",
        "path": "/pool/dev-web-1-cidata.iso",
        "capacityBytes": 69632,
        "contentSha256": "ab" * 32,
    }


def test_content_changes_reseed_in_place() -> None:
    provider = CloudInitSeedProvider()
    news = {
        **inputs(userData="#cloud-config\npackages: [curl]\n", networkConfig="version: 2\n"),
        "format": "raw",
        "adopt": False,
    }
    diff = provider.diff("id", outputs(), news)
    assert diff.changes is True
    assert diff.replaces == []
    effects = {c.key: c.effect.value for c in provider.changes(outputs(), news)}
    assert effects == {"userData": "update live", "networkConfig": "update live"}


def test_unchanged_inputs_are_no_change() -> None:
    diff = CloudInitSeedProvider().diff(
        "id", outputs(), {**inputs(), "format": "raw", "adopt": False}
    )
    assert diff.changes is False


def test_pool_or_name_changes_replace() -> None:
    provider = CloudInitSeedProvider()
    moved = provider.diff("id", outputs(), {**outputs(), "pool": "other"})
    assert moved.replaces == ["pool"]
    assert moved.delete_before_replace is True  # same name on the same host
    renamed = provider.diff("id", outputs(), {**outputs(), "name": "dev-web-2-cidata.iso"})
    assert renamed.replaces == ["name"]
    assert renamed.delete_before_replace is False


def test_a_secret_input_quoted_in_any_failure_hides_the_whole_reason() -> None:
    provider = CloudInitSeedProvider()
    quoted = CheckFailure("name", f"name: clashes with {inputs()['userData']!r}")
    scrubbed = provider._without_secrets(quoted, inputs())
    assert scrubbed.reason == "name: invalid (the value is secret, so it is not shown)"
    one_line = CheckFailure("pool", f"pool: see chpasswd: {{list: 'ops:{SECRET}'}} above")
    assert SECRET not in provider._without_secrets(one_line, inputs()).reason
    kept = provider._without_secrets(CheckFailure("name", "name: too long"), inputs())
    assert kept.reason == "name: too long"
