"""The layers' arrows point down only: what each layer may import from `components`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

COMPONENTS = Path(__file__).resolve().parents[2] / "components"

MAY_IMPORT = {
    "spec": {"spec"},
    # the providers read the stack config the engine hands them (hosts marked down)
    "providers": {"providers", "spec", "config"},
}


def _imports(path: Path) -> set[str]:
    """The `components.<package>` names a module imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "components" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    wrong = {
        str(path.relative_to(COMPONENTS)): sorted(_imports(path) - MAY_IMPORT[layer])
        for path in sorted((COMPONENTS / layer).rglob("*.py"))
        if _imports(path) - MAY_IMPORT[layer]
    }
    assert wrong == {}


def test_nothing_is_left_at_the_top_but_the_package_and_the_estate() -> None:
    assert sorted(p.name for p in COMPONENTS.glob("*.py")) == ["__init__.py", "estate.py"]
