"""A seed registered with `make_seed`, run through the engine-free harness on a lab host: its
password, user-data and everything derived from them stay secret in the state and outputs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.machines.cloud_init.config import CloudInitConfig
from components.machines.cloud_init.passwords import hash_password
from components.machines.cloud_init.seed import make_seed
from components.providers.resources import LibvirtStoragePool
from components.spec.changes import CONNECTION_KEY
from components.spec.seed_iso import read_seed_iso
from tests.components.providers.lab_support import cleaned, connection
from tests.harness import Harness
from tests.lab import LabHost

PASSWORD = "Tr0ub4dor&3-horse"
NEW_PASSWORD = "correct-horse-battery-staple"
TOKEN = "tok-5f2b8e1d9c"


def seed_program(host: LabHost, prefix: str, pool_path: Path, password: str) -> Callable[[], None]:
    pool_name = f"{prefix}pool"

    def program() -> None:
        pool = LibvirtStoragePool(
            "pool", {CONNECTION_KEY: host.uri, "name": pool_name, "path": str(pool_path)}
        )
        vm = pulumi.ComponentResource("kvm:index:VirtualMachine", "web")
        config = CloudInitConfig.model_validate(
            {
                "users": [{"name": "ops", "password": password}],
                "userData": f"#cloud-config\nbootcmd:\n- echo {TOKEN} > /root/token\n",
            }
        )
        seed = make_seed(
            "web-seed",
            f"{prefix}web",
            hostname="web",
            host_uri=host.uri,
            pool_name=pool_name,
            config=config,
            parent=vm,
            depends_on=[pool],
        )
        pulumi.export("userData", seed.resource.userData)  # type: ignore[attr-defined]
        pulumi.export("instanceId", seed.instance_id)
        pulumi.export("contentSha256", seed.resource.content_sha256)
        pulumi.export("seedPath", seed.resource.path)

    return program


@pytest.fixture
def harness(lab_host: LabHost, name_prefix: str, lab_scratch: Path) -> Iterator[Harness]:
    harness = Harness(
        seed_program(lab_host, name_prefix, lab_scratch / "pool", PASSWORD),
        "kvm-estate",
        f"{name_prefix}dev",
        lab_scratch / "state.json",
    )
    with cleaned(lab_host, name_prefix):
        try:
            yield harness
        finally:
            if harness.state.resources():
                harness.destroy()


def download(host: LabHost, path: str) -> bytes:
    chunks: list[bytes] = []
    with connection(host) as conn:
        vol = conn.storageVolLookupByPath(path)
        stream = conn.newStream(0)
        vol.download(stream, 0, 0, 0)
        stream.recvAll(lambda _s, data, _o: chunks.append(data) or len(data), None)
        stream.finish()
    return b"".join(chunks)


def saved_seed(state_path: Path) -> dict[str, Any]:
    saved = json.loads(state_path.read_text(encoding="utf-8"))
    [seed] = [r for r in saved["resources"] if r["urn"].endswith("::web-seed")]
    return dict(seed)


def test_passwords_and_user_data_never_reach_the_state_in_plaintext(
    harness: Harness, lab_host: LabHost, name_prefix: str
) -> None:
    first = harness.up()
    assert first.step("web-seed") == "create"

    inputs = harness.state.inputs("web-seed")
    outputs = harness.state.outputs("web-seed")
    hashed = hash_password(PASSWORD, f"{name_prefix}web", "ops")
    assert hashed in inputs["userData"] and TOKEN in inputs["userData"]
    instance_id = yaml.safe_load(outputs["metaData"])["instance-id"]
    on_disk = read_seed_iso(download(lab_host, outputs["path"]))
    assert on_disk.user_data == inputs["userData"]

    text = harness.state_path.read_text(encoding="utf-8")
    for plaintext in (PASSWORD, hashed, TOKEN, instance_id, outputs["contentSha256"]):
        assert plaintext not in text
    raw = saved_seed(harness.state_path)
    for key in ("userData", "metaData"):
        assert "ciphertext" in raw["inputs"][key] and "ciphertext" in raw["outputs"][key]
    assert "ciphertext" in raw["outputs"]["contentSha256"]
    assert raw["outputs"]["path"] == outputs["path"]  # not everything is sealed

    assert first.secret_outputs == {"userData", "instanceId", "contentSha256"}
    assert first.outputs["instanceId"] == instance_id
    assert first.outputs["seedPath"] == outputs["path"]

    assert harness.up().changed() == {}


def test_a_password_change_previews_as_a_secret_reseed_in_place(
    harness: Harness, lab_host: LabHost, name_prefix: str, lab_scratch: Path
) -> None:
    harness.up()
    before = harness.state.outputs("web-seed")
    harness.program = seed_program(lab_host, name_prefix, lab_scratch / "pool", NEW_PASSWORD)

    preview = harness.preview()
    assert preview.changed() == {preview_urn(preview.steps, "web-seed"): "update"}
    assert {"userData", "instanceId"} <= preview.secret_outputs
    assert preview.calls("create") == [] and preview.calls("update") == []

    applied = harness.up()
    assert applied.step("web-seed") == "update"
    after = harness.state.outputs("web-seed")
    assert after["key"] == before["key"]
    assert after["metaData"] != before["metaData"]  # a new instance-id: cloud-init runs again
    assert (
        hash_password(NEW_PASSWORD, f"{name_prefix}web", "ops")
        in read_seed_iso(download(lab_host, after["path"])).user_data
    )
    text = harness.state_path.read_text(encoding="utf-8")
    assert NEW_PASSWORD not in text and PASSWORD not in text


def preview_urn(steps: Any, name: str) -> str:
    [urn] = [u for u in steps if u.endswith(f"::{name}")]
    return str(urn)
