"""Every pydantic model in `components` is fully built when its module is imported.

A model whose annotations name a class defined later is left incomplete, and pydantic
builds it on first use with `model_rebuild()`, which is not thread-safe: the plugin
process answers four calls at once, and a call that validated while another thread was
rebuilding met a model with no fields ("Extra inputs are not permitted" for every input,
seen on six concurrent domain Checks). Imports run under Python's import lock, so a model
complete at import is safe to use from any thread.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import importlib, pkgutil, pydantic, components
for module in pkgutil.walk_packages(components.__path__, "components."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

models = {c for c in subclasses(pydantic.BaseModel) if c.__module__.startswith("components.")}
assert len(models) > 50, sorted(c.__qualname__ for c in models)
for cls in sorted(models, key=lambda c: (c.__module__, c.__qualname__)):
    if not cls.__pydantic_complete__:
        print(f"{cls.__module__}.{cls.__qualname__}")
"""


def test_no_model_is_left_for_pydantic_to_build_on_first_use() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=120
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == []
