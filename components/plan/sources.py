"""Where plans come from: this process, a child process, or a temporary git worktree.

The working tree's program is evaluated in this process when it uses this very
`components` package. Another directory, and every side of a `--diff`, is evaluated in a
child Python running `registrations.py` with that directory first on its path, so the
program imports *its own* `components` (a revision's, not ours) and no Pulumi runtime
state carries over from one evaluation to the next.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from components.plan import registrations
from components.plan.model import Plan
from components.plan.registrations import PlanError

_OWN_COMPONENTS = Path(__file__).resolve().parents[1]


def plan_in_process(project_dir: Path, stack: str) -> Plan:
    """Evaluate here (fast); only for programs that use this process's `components`."""
    return Plan.from_registrations(registrations.evaluate(project_dir, stack))


def uses_own_components(project_dir: Path) -> bool:
    """True when the project has no `components` of its own, or it is this one."""
    candidate = project_dir / "components"
    return not candidate.exists() or candidate.resolve() == _OWN_COMPONENTS


def plan_of_directory(project_dir: Path, stack: str) -> Plan:
    """The plan of the program in `project_dir` (in process when that is safe)."""
    if uses_own_components(project_dir):
        return plan_in_process(project_dir, stack)
    return _finish(_start(project_dir, stack), str(project_dir))


def _start(project_dir: Path, stack: str, secret_key: str = "") -> subprocess.Popen[str]:
    script = Path(registrations.__file__).resolve()
    code = (
        "import runpy, sys; "
        f"sys.argv = ['registrations', '--project-dir', {str(project_dir)!r}, "
        f"'--stack', {stack!r}]; "
        f"runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(project_dir), env.get("PYTHONPATH", "")) if p
    )
    env.pop(registrations.FINGERPRINT_KEY_ENV, None)
    if secret_key:
        env[registrations.FINGERPRINT_KEY_ENV] = secret_key
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=project_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(child: subprocess.Popen[str], where: str) -> Plan:
    out, err = child.communicate()
    if child.returncode != 0:
        message = err.strip().splitlines()[-1] if err.strip() else "no output"
        raise PlanError(f"evaluating the program at {where} failed: {message}")
    return Plan.from_registrations(json.loads(out))


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PlanError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout.strip()


@contextmanager
def worktree(repo: Path, revision: str) -> Iterator[Path]:
    """A temporary detached worktree of `revision`, removed afterwards."""
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    parent = Path(tempfile.mkdtemp(prefix="kvm-plan-"))
    path = parent / "tree"
    _git(repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(parent, ignore_errors=True)
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "prune"], capture_output=True, check=False
        )


def plans_for_diff(project_dir: Path, stack: str, revision: str) -> tuple[Plan, Plan, str]:
    """(plan at `revision`, plan of the working tree, a label for the revision).

    Both are evaluated in child processes, side by side, with one fresh key for their
    secrets' fingerprints (so a changed secret shows as changed, and only for this diff).
    """
    secret_key = secrets.token_hex(32)
    project_dir = project_dir.resolve()
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel")).resolve()
    relative = project_dir.relative_to(top)
    short = _git(top, "rev-parse", "--short", f"{revision}^{{commit}}")
    label = short if revision.startswith(short) else f"{revision} ({short})"
    with worktree(top, revision) as tree:
        old_dir = tree / relative
        if not (old_dir / "Pulumi.yaml").is_file():
            raise PlanError(f"{relative or '.'} has no Pulumi.yaml at {label}")
        old_project = registrations.Project.load(old_dir)
        new_child = _start(project_dir, stack, secret_key)
        old_child = (
            _start(old_dir, stack, secret_key) if old_project.stack_file(stack).is_file() else None
        )
        try:
            new = _finish(new_child, "the working tree")
            if old_child is None:  # the stack is new: everything in it is a create
                old = Plan(old_project.name, stack, ())
                label += " (no such stack)"
            else:
                old = _finish(old_child, label)
        finally:
            for child in (old_child, new_child):
                if child is not None and child.poll() is None:
                    child.kill()
                    child.wait()
    return old, new, label
