"""What every libvirt dynamic provider shares: wire form ↔ spec, check, diff, errors.

A resource's inputs are its spec's fields in wire (camelCase) form plus `connectionUri`
(the host) and `adopt`; its outputs are the same plus a few computed values (UUID, path…).
Subclasses implement the libvirt calls (`create_object`, `read_object`, `update_object`,
`delete_object`); the shared code here keeps diffs, errors and output shapes uniform, so
`pulumi preview --diff` shows per-field changes like `memoryMib: 2048 => 4096`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

import libvirt
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN
from pydantic import ValidationError

from components.providers import plugin_log
from components.providers.connection import connect
from components.providers.reachability import is_down, mark_down_from_config
from components.spec.changes import CONNECTION_KEY, Effect, FieldChange, Rule, classify
from components.spec.connection_uri import same_daemon
from components.spec.xmlbind import XmlModel

S = TypeVar("S", bound=XmlModel)

ADOPT_KEY = "adopt"
Props = dict[str, Any]


class ProviderError(RuntimeError):
    """A libvirt operation failed or was refused; the message names object and host."""


class UnreadableNowError(Exception):
    """Raised by `read_object` when the object cannot be read now but is not gone (its
    pool is stopped or undefined): the refresh keeps its state as it is and says why."""


def has_unknowns(value: Any) -> bool:
    """True while preview still waits for another resource's output inside `value`.

    The SDK's provider host hands unknowns over as `pulumi.output.Unknown` objects (or, in
    older paths, the UNKNOWN sentinel string).
    """
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN):
        return True
    if isinstance(value, Mapping):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_unknowns(v) for v in value)
    return False


def describe_validation_error(
    err: ValidationError, fields: Collection[str] = ()
) -> list[CheckFailure]:
    """One CheckFailure per pydantic error, naming the field path and the bad value.

    A rule across fields (e.g. memoryMib above maxMemoryMib) has no path of its own; its
    message starts with the field it is about, and that field (one of `fields`) is named.
    """
    failures = []
    for item in err.errors():
        loc = item.get("loc", ())
        message = str(item["msg"]).removeprefix("Value error, ")
        if not loc:
            first = message.split(" ", 1)[0]
            top = first if first in fields else "spec"
            failures.append(CheckFailure(top, message))
            continue
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        value = item.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        failures.append(CheckFailure(str(loc[0]), f"{path}: {message}{shown}"))
    return failures


def is_missing(err: libvirt.libvirtError, *codes: int) -> bool:
    """libvirt's "no such object" errors, which mean 'gone', not 'failed'."""
    return err.get_error_code() in codes


T = TypeVar("T")


def found(lookup: Callable[[], T], missing: int) -> T | None:
    """The object `lookup` returns, or None when libvirt answers `missing` (no such object);
    every other error is raised."""
    try:
        return lookup()
    except libvirt.libvirtError as err:
        if is_missing(err, missing):
            return None
        raise


R = TypeVar("R")


def each_found(items: Iterable[T], read: Callable[[T], R], missing: int) -> Iterator[tuple[T, R]]:
    """(item, read(item)) for each listed object still there when it is read.

    Other calls (up to four at once in the plugin process) delete objects between a
    list and the reads that follow it; one that vanished (libvirt's `missing` error) is
    skipped, as if it had not been listed.
    """
    for item in items:
        value = found(lambda: read(item), missing)  # noqa: B023 - called at once
        if value is not None:
            yield item, value


class LibvirtProvider(ResourceProvider, Generic[S]):
    """CRUD for one kind of libvirt object described by a spec model `S`."""

    spec_type: ClassVar[type[XmlModel]]
    rules: ClassVar[Mapping[str, Rule]]
    kind: ClassVar[str]
    computed_keys: ClassVar[tuple[str, ...]] = ()

    # ---- wire form -------------------------------------------------------------------
    def inputs_of(self, props: Mapping[str, Any]) -> Props:
        """The user-facing inputs in `props` (outputs minus computed and Pulumi keys)."""
        return {
            k: v for k, v in props.items() if not k.startswith("__") and k not in self.computed_keys
        }

    def spec_of(self, props: Mapping[str, Any]) -> S:
        """Validate the spec part of `props` into the typed spec."""
        fields = {
            k: v for k, v in self.inputs_of(props).items() if k not in (CONNECTION_KEY, ADOPT_KEY)
        }
        return self.spec_type.model_validate(fields)  # type: ignore[return-value]

    @staticmethod
    def wire(spec: XmlModel) -> Props:
        """The spec as Pulumi properties: camelCase keys, unset fields left out."""
        return spec.model_dump(by_alias=True, exclude_none=True, mode="json")

    def outputs(self, props: Mapping[str, Any], spec: XmlModel, computed: Props) -> Props:
        """Outputs = the (normalised) inputs plus what libvirt computed."""
        return {
            **self.wire(spec),
            CONNECTION_KEY: props[CONNECTION_KEY],
            ADOPT_KEY: bool(props.get(ADOPT_KEY, False)),
            **computed,
        }

    def label(self, props: Mapping[str, Any]) -> str:
        """How errors name the object: `domain 'dev-web-1' on qemu:///system`."""
        return f"{self.kind} {props.get('name')!r} on {props.get(CONNECTION_KEY)}"

    # ---- Pulumi provider protocol ----------------------------------------------------
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate inputs before any change; normalise them (defaults filled in)."""
        if has_unknowns(news):
            return CheckResult(news, [])
        failures: list[CheckFailure] = []
        uri = news.get(CONNECTION_KEY)
        if not isinstance(uri, str) or not uri:
            failures.append(CheckFailure(CONNECTION_KEY, "a libvirt connection URI is required"))
        try:
            spec = self.spec_of(news)
        except ValidationError as err:
            aliases = {f.alias or n for n, f in self.spec_type.model_fields.items()}
            return CheckResult(news, failures + describe_validation_error(err, aliases))
        failures += [CheckFailure(k, r) for k, r in self.check_change(_olds, spec)]
        inputs = {**self.wire(spec), CONNECTION_KEY: uri, ADOPT_KEY: bool(news.get(ADOPT_KEY))}
        return CheckResult(inputs, failures)

    def check_change(self, olds: Mapping[str, Any], spec: S) -> list[tuple[str, str]]:
        """Refuse changes that would lose data (e.g. shrinking a disk). Default: none."""
        return []

    def normalized(self, props: Mapping[str, Any]) -> Props:
        """Inputs as the current spec spells them (defaults filled in, numbers typed), so
        state written by an older version, or without a field added since, compares equal
        when it means the same thing."""
        inputs = self.inputs_of(props)
        if has_unknowns(inputs):
            return inputs
        try:
            spec = self.spec_of(inputs)
        except ValidationError:
            return inputs
        return {
            **self.wire(spec),
            CONNECTION_KEY: inputs.get(CONNECTION_KEY),
            ADOPT_KEY: bool(inputs.get(ADOPT_KEY)),
        }

    def changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[FieldChange]:
        """The classified differences between saved outputs and new inputs."""
        return classify(self.normalized(olds), self.normalized(news), self.rules)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace only for fields libvirt cannot change; same-name replaces delete first."""
        changes = self.changes(olds, news)
        replaces = [c.key for c in changes if c.effect is Effect.REPLACE]
        same_identity = olds.get("name") == news.get("name") and same_daemon(
            str(olds.get(CONNECTION_KEY)), str(news.get(CONNECTION_KEY))
        )
        return DiffResult(
            changes=bool(changes),
            replaces=replaces,
            stables=[],
            delete_before_replace=bool(replaces) and same_identity,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self.spec_of(props)
        conn = connect(props[CONNECTION_KEY])
        try:
            object_id, computed = self.create_object(conn, spec, props)
        except libvirt.libvirtError as err:
            raise ProviderError(f"creating {self.label(props)} failed: {err}") from err
        return CreateResult(object_id, self.outputs(props, spec, computed))

    def configure(self, req: ConfigureRequest) -> None:
        """Learn which hosts the stack marks down (a refresh runs no program to say so)."""
        mark_down_from_config(req.config.get("hosts"))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if is_down(props.get(CONNECTION_KEY)):
            plugin_log.info(
                f"{self.label(props)}: host {props[CONNECTION_KEY]} is marked down; "
                "its state is kept as it is, unread"
            )
            return ReadResult(id_, dict(props))
        conn = connect(props[CONNECTION_KEY])
        desired = self.spec_of(props)
        try:
            found = self.read_object(conn, id_, desired, props)
        except libvirt.libvirtError as err:
            raise ProviderError(f"reading {self.label(props)} failed: {err}") from err
        except UnreadableNowError as kept:
            plugin_log.info(f"{self.label(props)}: {kept}; its state is kept as it is, unread")
            return ReadResult(id_, dict(props))
        if found is None:
            return ReadResult(None, {})
        live, computed = found
        return ReadResult(id_, self.outputs(props, live, computed))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        conn = connect(news[CONNECTION_KEY])
        changes = self.changes(olds, news)
        news = self.keep_unclassified(olds, news, changes)
        new_spec = self.spec_of(news)
        try:
            computed = self.update_object(conn, id_, new_spec, changes, olds)
        except libvirt.libvirtError as err:
            raise ProviderError(f"updating {self.label(news)} failed: {err}") from err
        return UpdateResult(self.outputs(news, new_spec, computed))

    def keep_unclassified(
        self, olds: Mapping[str, Any], news: dict[str, Any], changes: list[FieldChange]
    ) -> dict[str, Any]:
        """Inputs whose difference the rules say is not a change keep their old value (as
        with Pulumi's ignoreChanges), so outputs keep describing the live object."""
        changed = {c.key for c in changes}
        old_inputs, new_inputs = self.inputs_of(olds), self.inputs_of(news)
        kept = {
            k: old_inputs[k]
            for k in old_inputs
            if k not in changed and k in new_inputs and old_inputs[k] != new_inputs[k]
        }
        return {**news, **kept}

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        conn = connect(props[CONNECTION_KEY])
        try:
            self.delete_object(conn, id_, props)
        except libvirt.libvirtError as err:
            raise ProviderError(f"deleting {self.label(props)} failed: {err}") from err

    # ---- what subclasses implement ---------------------------------------------------
    def create_object(
        self, conn: libvirt.virConnect, spec: S, props: Mapping[str, Any]
    ) -> tuple[str, Props]:
        """Make the object (or adopt it when `adopt` is set); return its id and computed."""
        raise NotImplementedError

    def read_object(
        self, conn: libvirt.virConnect, id_: str, desired: S, props: Mapping[str, Any]
    ) -> tuple[S, Props] | None:
        """The live object as a spec comparable with `desired`, or None when it is gone."""
        raise NotImplementedError

    def update_object(
        self,
        conn: libvirt.virConnect,
        id_: str,
        spec: S,
        changes: list[FieldChange],
        olds: Mapping[str, Any],
    ) -> Props:
        """Apply `changes` in place (none of them is a replace); return computed values."""
        raise NotImplementedError

    def delete_object(self, conn: libvirt.virConnect, id_: str, props: Mapping[str, Any]) -> None:
        """Remove the object if we own it; refuse (raise) otherwise."""
        raise NotImplementedError
