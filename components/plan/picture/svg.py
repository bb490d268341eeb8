"""The DOT picture rendered to SVG by Graphviz's `dot` (Debian package `graphviz`)."""

from __future__ import annotations

import shutil
import subprocess

from components.plan.registrations import PlanError


def render_svg(dot_text: str) -> str:
    """SVG of `dot_text`; a clear error when Graphviz is not installed or fails."""
    program = shutil.which("dot")
    if program is None:
        raise PlanError(
            "--format svg needs Graphviz's `dot` (Debian: apt install graphviz); "
            "--format dot and --format mermaid need nothing"
        )
    result = subprocess.run(
        [program, "-Tsvg"], input=dot_text, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PlanError(f"dot -Tsvg failed: {result.stderr.strip() or 'no message'}")
    return result.stdout
