"""Property values as the engine holds them: the wire form of `google.protobuf.Struct`.

The harness keeps every input and output in the form the SDK puts on the wire (plain JSON plus
the engine's signature objects for secrets, resource references and the unknown sentinel), so
it can hand them to the provider host exactly as the engine would, compare them as the engine
does, and write them to the state file as JSON.

Engine behaviours mirrored here (pulumi/pulumi `sdk/go/common/resource/plugin/provider_plugin.go`):
- a provider that does not accept secrets (the Python dynamic provider host answers Configure
  with `acceptSecrets: false`) gets secret values as plain values (`strip_secrets`);
- a provider that does not accept resource references gets the referenced resource's id
  (custom) or URN (component) instead (`downgrade_resource_references`);
- the outputs of such a provider get their "secretness" back from the inputs by property name,
  recursing into objects (`annotate_secrets`, a port of the engine's `annotateSecrets`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc

SIG_KEY: str = rpc._special_sig_key
SECRET_SIG: str = rpc._special_secret_sig
RESOURCE_REFERENCE_SIG: str = rpc._special_resource_sig
UNKNOWN: str = rpc.UNKNOWN
"""The engine's sentinel for a value not known until apply (previews only)."""

PROVIDER_KEY = "__provider"
"""The input holding the dill-pickled dynamic provider (base64)."""

SECRET_MASK = "[secret]"
"""How reports show secret values, as the Pulumi CLI does."""

PropertyMap = dict[str, Any]

_LARGEST_EXACT_FLOAT_INT = 2**53


def struct_to_wire(struct: struct_pb2.Struct) -> PropertyMap:
    """A Struct as JSON-able Python; integral numbers come back as int for readable JSON."""
    return dict(_normalise_numbers(json_format.MessageToDict(struct)))


def wire_to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """The Struct the engine would send for `props`."""
    struct = struct_pb2.Struct()
    struct.update(dict(props))
    return struct


def is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def make_secret(value: Any) -> dict[str, Any]:
    if is_secret(value):
        return dict(value)
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_object(value: Any) -> bool:
    """A plain object: a mapping that is not a secret, asset or resource reference."""
    return isinstance(value, Mapping) and SIG_KEY not in value


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


def strip_secrets(value: Any) -> Any:
    """`value` with every secret replaced by its plain value (engine → provider)."""
    if is_secret(value):
        return strip_secrets(value.get("value"))
    if isinstance(value, Mapping):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def downgrade_resource_references(value: Any) -> Any:
    """Resource references replaced by the id (custom) or URN (component) of the resource."""
    if isinstance(value, Mapping) and value.get(SIG_KEY) == RESOURCE_REFERENCE_SIG:
        return value.get("id") or value.get("urn")
    if isinstance(value, Mapping):
        return {k: downgrade_resource_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [downgrade_resource_references(v) for v in value]
    return value


def annotate_secrets(outs: Mapping[str, Any], ins: Mapping[str, Any]) -> PropertyMap:
    """`outs` with each property marked secret whose same-named input contains a secret.

    Objects on both sides are compared key by key, so one secret field does not turn a whole
    structure into a secret; anything else (arrays included) becomes secret as a whole.
    """
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        if is_object(out_value) and is_object(in_value):
            result[key] = annotate_secrets(out_value, in_value)
        elif not is_secret(out_value) and contains_secrets(in_value):
            result[key] = make_secret(out_value)
    return result


def mark_secret_outputs(outs: Mapping[str, Any], names: tuple[str, ...]) -> PropertyMap:
    """The `additionalSecretOutputs` resource option: these outputs become secret."""
    return {k: make_secret(v) if k in names else v for k, v in outs.items()}


def reveal(value: Any) -> Any:
    """`value` with secrets unwrapped at every depth: plain Python for test assertions."""
    return strip_secrets(value)


def masked(value: Any) -> Any:
    """`value` with every secret shown as `[secret]`, as the CLI displays diffs."""
    if is_secret(value):
        return SECRET_MASK
    if isinstance(value, Mapping):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def without_provider(props: Mapping[str, Any]) -> PropertyMap:
    """`props` minus the pickled provider, which no report or assertion wants to see."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def _normalise_numbers(value: Any) -> Any:
    if (
        isinstance(value, float)
        and value.is_integer()
        and math.fabs(value) < _LARGEST_EXACT_FLOAT_INT
    ):
        return int(value)
    if isinstance(value, dict):
        return {k: _normalise_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_numbers(v) for v in value]
    return value
