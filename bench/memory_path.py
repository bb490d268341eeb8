"""How many modules a memory change passes through, from the stack file to libvirt.

Counts the modules under `components/` whose code handles a VM's memory on the way from
`vms[i].memory` in the stack file to `setMemoryFlags`/`defineXML`: an identifier, attribute
or dict key named like the setting (`memory`, `max_memory`, `memoryMib`, `maxMemoryMib`,
`memory_mib`, `max_memory_mib`, `EffectiveSizes` fields). Tools off that path (the offline
plan, pictures, policy rules, the reference generator, pulumi-libvirt migration) are left out.
Run on any checkout: `venv/bin/python -m bench.memory_path [ROOT]`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

NAMES = {"memory", "max_memory", "memoryMib", "maxMemoryMib", "memory_mib", "max_memory_mib"}
OFF_PATH = ("plan", "reference", "policies", "migrate", "snapshots", "base")
OFF_PATH_FILES = ("policy_rules.py", "policy_pack.py", "snapshot.py", "snapshot_policy.py")


def handles_memory(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in NAMES:
            return True
        if isinstance(node, ast.Constant) and node.value in NAMES:
            return True
        if isinstance(node, ast.arg) and node.arg in NAMES:
            return True
        if isinstance(node, ast.keyword) and node.arg in NAMES:
            return True
    return False


def modules_on_the_path(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "components").rglob("*.py")):
        parts = path.relative_to(root / "components").parts
        if parts[0] in OFF_PATH or path.name in OFF_PATH_FILES:
            continue
        if parts[0] == "providers" and len(parts) > 2 and parts[1] == "snapshots":
            continue
        if handles_memory(ast.parse(path.read_text())):
            found.append(str(path.relative_to(root)))
    return found


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    found = modules_on_the_path(root)
    for name in found:
        print(name)
    print(f"{len(found)} modules handle a VM's memory between the stack file and libvirt")


if __name__ == "__main__":
    main()
