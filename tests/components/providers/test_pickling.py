"""The providers survive the trip Pulumi makes them take: dill pickle → another process.

The SDK pickles a dynamic provider with dill (`serialize_provider`) into the resource's
`__provider` input; the engine later starts `python -m pulumi.dynamic` (the dynamic provider
plugin) in another process and directory, which unpickles it and calls check/create/….
Our providers must pickle *by reference* (module + class name): a by-value pickle would copy
the code into every resource's state and break (or silently run stale code) once it changes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN

from components.providers.base import LibvirtProvider
from components.providers.cloud_init_seed import CloudInitSeedProvider
from components.providers.domain import DomainProvider
from components.providers.host_facts_resource import HostFactsProvider
from components.providers.network import NetworkProvider
from components.providers.pool import StoragePoolProvider
from components.providers.volume import VolumeProvider
from tests.components.providers.wire import (
    domain_inputs,
    network_inputs,
    pool_inputs,
    volume_inputs,
)

REPO = Path(__file__).resolve().parents[3]
PROVIDERS: list[type[LibvirtProvider[Any]]] = [
    DomainProvider,
    NetworkProvider,
    StoragePoolProvider,
    VolumeProvider,
    CloudInitSeedProvider,
    HostFactsProvider,
]
URN = "urn:pulumi:test::kvmp::pulumi-python:dynamic:Resource::{}"
START_TIMEOUT = 60.0
CALL_TIMEOUT = 30.0


def sample_inputs(cls: type[LibvirtProvider[Any]], uri: str) -> dict[str, Any]:
    return {
        DomainProvider: lambda: domain_inputs(uri, "pk-dom"),
        NetworkProvider: lambda: network_inputs(uri, "pk-net"),
        StoragePoolProvider: lambda: pool_inputs(uri, "pk-pool", "/virtual/pk"),
        VolumeProvider: lambda: volume_inputs(uri, "pk-pool", "pk-vol", capacityBytes=1 << 20),
        CloudInitSeedProvider: lambda: {
            "connectionUri": uri,
            "pool": "pk-pool",
            "name": "pk-cidata.iso",
            "userData": "#cloud-config\n",
            "metaData": "instance-id: iid-pk\n",
        },
        HostFactsProvider: lambda: {"connectionUri": uri},
    }[cls]()


def clean_env() -> dict[str, str]:
    """The environment of a process the engine starts: nothing pointing at the repo."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "PYTEST")) and k not in ("PWD", "OLDPWD")
    }
    mentions = [k for k, v in env.items() if str(REPO) in v]
    assert not mentions, f"environment variables {mentions} point at the repo"
    return env


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_serialized_provider_is_a_small_reference(cls: type[LibvirtProvider[Any]]) -> None:
    raw = base64.b64decode(serialize_provider(cls()))
    assert len(raw) < 2048, f"{cls.__name__} pickles to {len(raw)} bytes: a copy, not a reference"
    assert cls.__module__.encode() in raw
    assert cls.__name__.encode() in raw
    for by_value in (b"_create_code", b"_create_function", b"_create_type", b"def ", b"libvirt"):
        assert by_value not in raw, f"{cls.__name__} pickle holds {by_value!r}: pickled by value"


def test_fresh_interpreter_outside_the_repo_imports_the_installed_package() -> None:
    script = (
        "import json, sys, components.providers.domain as m;"
        "print(json.dumps({'path': sys.path, 'file': m.__file__}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd="/",
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert str(REPO) not in found["path"], "the repo is on sys.path: the test proves nothing"
    assert "" not in found["path"][1:]
    # The editable install (`pip install -e .`) resolves the package to the working tree.
    assert found["file"] == str(REPO / "components" / "providers" / "domain.py")


# ---- the real dynamic provider plugin, in a fresh process at / ----------------------------


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    # A loop of our own: asyncio.run() would leave the thread without a current event loop,
    # which breaks later tests that use Pulumi mocks (they call asyncio.get_event_loop()).
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _props(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct, True))


@pytest.fixture(scope="module")
def plugin() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """`python -m pulumi.dynamic` as the engine runs it (it prints its gRPC port)."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        cwd="/",
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
        line = proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            proc.kill()
            pytest.fail(f"dynamic provider did not start: {line!r} {proc.stderr.read()!r}")
        channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}")
        try:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
        finally:
            channel.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_plugin_process_unpickles_and_checks(
    plugin: provider_pb2_grpc.ResourceProviderStub, cls: type[LibvirtProvider[Any]]
) -> None:
    serialized = serialize_provider(cls())
    good = {**sample_inputs(cls, "test:///default"), "__provider": serialized}
    response = plugin.Check(
        proto.CheckRequest(urn=URN.format("good"), olds=_struct({}), news=_struct(good)),
        timeout=CALL_TIMEOUT,
    )
    assert list(response.failures) == []
    checked = _props(response.inputs)
    assert checked["adopt"] is False  # added by our check(): it really ran over there
    assert checked["__provider"] == serialized

    bad = {k: v for k, v in good.items() if k != "connectionUri"}
    response = plugin.Check(
        proto.CheckRequest(urn=URN.format("bad"), olds=_struct({}), news=_struct(bad)),
        timeout=CALL_TIMEOUT,
    )
    assert [(f.property, f.reason) for f in response.failures] == [
        ("connectionUri", "a libvirt connection URI is required")
    ]


def test_plugin_process_passes_unknowns_through_check_during_preview(
    plugin: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    """In preview an input may wait on another resource's output: check must not fail it."""
    serialized = serialize_provider(DomainProvider())
    news = {
        **domain_inputs("test:///default", "pk-dom", memoryMib=UNKNOWN),
        "__provider": serialized,
    }
    response = plugin.Check(
        proto.CheckRequest(urn=URN.format("unknown"), olds=_struct({}), news=_struct(news)),
        timeout=CALL_TIMEOUT,
    )
    assert [(f.property, f.reason) for f in response.failures] == []
    assert response.inputs.fields["memoryMib"].string_value == UNKNOWN


def test_plugin_process_creates_reads_and_deletes(
    plugin: provider_pb2_grpc.ResourceProviderStub, tmp_path: Path
) -> None:
    node = tmp_path / "node.xml"
    node.write_text("<node/>\n")
    uri = f"test://{node}"
    serialized = serialize_provider(NetworkProvider())
    urn = URN.format("net")
    news = {**network_inputs(uri, "pk-net"), "__provider": serialized}
    checked = plugin.Check(
        proto.CheckRequest(urn=urn, olds=_struct({}), news=_struct(news)), timeout=CALL_TIMEOUT
    )
    assert list(checked.failures) == []

    created = plugin.Create(
        proto.CreateRequest(urn=urn, properties=checked.inputs), timeout=CALL_TIMEOUT
    )
    outs = _props(created.properties)
    assert created.id and outs["uuid"] == created.id
    assert outs["name"] == "pk-net" and outs["__provider"] == serialized

    read = plugin.Read(
        proto.ReadRequest(id=created.id, urn=urn, properties=created.properties),
        timeout=CALL_TIMEOUT,
    )
    assert read.id == created.id
    assert _props(read.properties)["ips"] == outs["ips"]

    diff = plugin.Diff(
        proto.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=checked.inputs),
        timeout=CALL_TIMEOUT,
    )
    assert diff.changes == proto.DiffResponse.DIFF_NONE

    plugin.Delete(
        proto.DeleteRequest(id=created.id, urn=urn, properties=created.properties),
        timeout=CALL_TIMEOUT,
    )
    gone = plugin.Read(
        proto.ReadRequest(id=created.id, urn=urn, properties=created.properties),
        timeout=CALL_TIMEOUT,
    )
    assert gone.id == ""  # vanished: the engine drops it from the state


def test_plugin_process_reports_provider_errors(
    plugin: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    serialized = serialize_provider(VolumeProvider())
    props = {**volume_inputs("test:///default", "no-such-pool", "v", capacityBytes=1 << 20)}
    checked = plugin.Check(
        proto.CheckRequest(
            urn=URN.format("v"),
            olds=_struct({}),
            news=_struct({**props, "__provider": serialized}),
        ),
        timeout=CALL_TIMEOUT,
    )
    with pytest.raises(grpc.RpcError) as failed:
        plugin.Create(
            proto.CreateRequest(urn=URN.format("v"), properties=checked.inputs),
            timeout=CALL_TIMEOUT,
        )
    assert "storage pool 'no-such-pool' does not exist" in str(failed.value.details())
