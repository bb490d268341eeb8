"""A toy dynamic provider whose objects are JSON files in a directory: real, checkable effects.

Used only by the harness's own tests. Each object is `<store>/<id>.json`; every provider call is
appended to `<store>/calls.jsonl`, written by the provider itself, so tests can check that the
harness really called it. Inputs steer the behaviour a test needs:
- `name` identifies the object: changing it needs a replacement, other inputs update in place;
- `exclusive: true` means two objects may not share a name, so a replacement must delete first
  (the provider's DiffResult then asks for delete_before_replace);
- `diff_mode: "legacy"` makes diff return `DiffResult()` (changes unknown) so the engine compares
  inputs itself;
- `fail_on: "create" | "update"` makes that method raise; `"delete"` is kept in the object, which
  then refuses deletion until a test edits it out (a fault outside Pulumi's view);
- `value: "invalid"` fails check;
- `delay: seconds` makes create, update and delete take that long (logged again as
  `<method>-done` when finished), so tests can see which steps overlap;
- `say: text` makes create say `text` with `pulumi.log.info` and `pulumi.log.warn`, which in
  the plugin process (no engine connection) go to stderr, and with `print` (stdout).
Every logged call carries the time (`t`) and the plugin's process id (`pid`).
Numbers arrive as floats, as from the real engine (protobuf has only doubles).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

CALL_LOG = "calls.jsonl"
INPUT_KEYS = ("name", "value", "secret", "exclusive", "diff_mode", "fail_on", "delay", "say")
REPLACE_KEYS = ("name",)
PROBE_KEY = "toyproj:probe"
OUTPUT_KEY = "object_id"
"""Only outputs carry it, so its presence tells saved outputs from inputs."""


class ToyProviderError(RuntimeError):
    """What the toy provider raises when a test asks it to fail."""


class ToyProvider(ResourceProvider):
    def __init__(self, store_dir: str) -> None:
        super().__init__()
        self.store_dir = store_dir

    def configure(self, req: ConfigureRequest) -> None:
        """Logs the `toyproj:probe` config value, to show the stack config arrives here."""
        self._log("configure", req.config.get(PROBE_KEY))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        unknown = sorted(k for k, v in news.items() if isinstance(v, Unknown))
        self._log("check", news.get("name"), unknown=unknown)
        failures = []
        if news.get("value") == "invalid":
            failures.append(CheckFailure("value", "'invalid' is not an acceptable value"))
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._log("diff", news.get("name"), id_, got_outputs=OUTPUT_KEY in olds)
        if news.get("diff_mode") == "legacy":
            return DiffResult()
        changed = [k for k in INPUT_KEYS if olds.get(k) != news.get(k)]
        replaces = [k for k in changed if k in REPLACE_KEYS]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and bool(news.get("exclusive")),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._log("create", props.get("name"))
        self._fail_if_asked("create", props)
        if props.get("say"):
            pulumi.log.info(str(props["say"]))
            pulumi.log.warn(str(props["say"]))
            print(f"printed: {props['say']}", flush=True)
        if props.get("exclusive") and self._ids_named(props["name"]):
            raise ToyProviderError(f"an object named {props['name']!r} already exists")
        object_id = f"{props['name']}-{uuid.uuid4().hex[:8]}"
        self._take_time("create", props)
        return CreateResult(object_id, self._write(object_id, props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self._log("read", props.get("name"), id_, got_outputs=OUTPUT_KEY in props)
        path = self._path(id_)
        if not path.exists():
            return ReadResult(None, {})
        stored = json.loads(path.read_text(encoding="utf-8"))
        return ReadResult(id_, {**stored, "object_id": id_, "path": str(path)})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._log("update", news.get("name"), id_, got_outputs=OUTPUT_KEY in olds)
        self._fail_if_asked("update", news)
        self._take_time("update", news)
        return UpdateResult(self._write(id_, news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._log("delete", props.get("name"), id_, got_outputs=OUTPUT_KEY in props)
        path = self._path(id_)
        if path.exists():
            self._fail_if_asked("delete", json.loads(path.read_text(encoding="utf-8")))
        self._take_time("delete", props)
        path.unlink(missing_ok=True)

    def _write(self, object_id: str, props: dict[str, Any]) -> dict[str, Any]:
        stored = {k: props[k] for k in INPUT_KEYS if k in props}
        path = self._path(object_id)
        path.write_text(json.dumps(stored), encoding="utf-8")
        return {**stored, "object_id": object_id, "path": str(path)}

    def _ids_named(self, name: str) -> list[str]:
        store = Path(self.store_dir)
        return [
            p.stem
            for p in store.glob("*.json")
            if json.loads(p.read_text(encoding="utf-8")).get("name") == name
        ]

    def _path(self, object_id: str) -> Path:
        return Path(self.store_dir) / f"{object_id}.json"

    def _fail_if_asked(self, method: str, props: dict[str, Any]) -> None:
        if props.get("fail_on") == method:
            raise ToyProviderError(f"{method} of {props.get('name')!r} failed as the test asked")

    def _take_time(self, method: str, props: dict[str, Any]) -> None:
        if props.get("delay"):
            time.sleep(float(props["delay"]))
            self._log(f"{method}-done", props.get("name"))

    def _log(self, method: str, name: Any, object_id: str = "", **details: Any) -> None:
        """`got_outputs`: were the old properties the saved outputs? `unknown`: which inputs
        were not known yet (previews)."""
        entry = {
            "method": method,
            "name": name,
            "id": object_id,
            **details,
            "t": time.time(),
            "pid": os.getpid(),
        }
        with (Path(self.store_dir) / CALL_LOG).open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry, default=_unknown_as_text) + "\n")


class ToyThing(Resource, module="toy", name="Thing"):
    """A toy object; `object_id` and `path` are computed by the provider."""

    object_id: pulumi.Output[str]
    path: pulumi.Output[str]
    value: pulumi.Output[Any]

    def __init__(
        self,
        resource_name: str,
        store_dir: str,
        *,
        name: pulumi.Input[str],
        value: pulumi.Input[Any],
        secret: pulumi.Input[str] | None = None,
        exclusive: bool = False,
        diff_mode: str | None = None,
        fail_on: str | None = None,
        delay: float | None = None,
        say: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {"name": name, "value": value, "object_id": None, "path": None}
        optional = {
            "secret": secret,
            "diff_mode": diff_mode,
            "fail_on": fail_on,
            "delay": delay,
            "say": say,
        }
        props.update({k: v for k, v in optional.items() if v is not None})
        if exclusive:
            props["exclusive"] = True
        super().__init__(ToyProvider(store_dir), resource_name, props, opts)


def read_call_log(store_dir: str | Path) -> list[dict[str, Any]]:
    """The calls the provider itself logged, in order."""
    path = Path(store_dir) / CALL_LOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def stored_objects(store_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The objects that exist now, by id."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(Path(store_dir).glob("*.json"))
    }


def _unknown_as_text(value: Any) -> str:
    """How the call log writes an input not known yet (a preview, a dependent's Diff)."""
    if isinstance(value, Unknown):
        return "<unknown>"
    raise TypeError(f"cannot log {type(value).__name__}")
