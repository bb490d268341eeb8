"""`--diff` sees cloud-init and secret changes: the field and the effect, never a value.

A repo holds this program and commits: a base with cloud-init and a console password, then
each change on its own commit. Both sides run with one fresh fingerprint key, so a changed
secret differs and an unchanged one does not; the output never holds a secret's value.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from components.plan.cli import EXIT_CHANGES, EXIT_OK, run
from tests.components.plan.projects import REPO, stack_file

PASSWORD = "Pw8chars"
NEW_PASSWORD = "N3wpass!"
USER_PASSWORD = "correct-horse-battery"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _base() -> dict:
    stack = copy.deepcopy(stack_file("dev"))
    template = stack["config"]["kvm-estate:templates"]["debian"]
    template["graphics"] = {"type": "vnc", "listen": "0.0.0.0", "password": PASSWORD}
    vm = stack["config"]["kvm-estate:vms"][0]
    vm["cloudInit"] = {
        "packages": ["nginx"],
        "users": [{"name": "ops", "password": USER_PASSWORD}],
        "onChange": "next-boot",
    }
    return stack


def _commit(repo: Path, stack: dict, message: str) -> str:
    (repo / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("secret-diff")
    shutil.copytree(
        REPO / "components", repo / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, repo / name)
    (repo / "stacks").mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "plan-test@example.invalid")
    _git(repo, "config", "user.name", "plan test")
    _commit(repo, _base(), "base")
    return repo


def _diff_against_base(repo: Path, stack: dict, *flags: str) -> tuple[int, str]:
    (repo / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    out = io.StringIO()
    code = run(["--project-dir", str(repo), "--stack", "dev", "--diff", "HEAD", *flags], out=out)
    return code, out.getvalue()


def _assert_no_secret(text: str) -> None:
    for value in (PASSWORD, NEW_PASSWORD, USER_PASSWORD, "nginx", "curl"):
        assert value not in text


def test_unchanged_secrets_are_no_change(repo):
    code, text = _diff_against_base(repo, _base())
    assert code == EXIT_OK, text
    assert "No changes." in text


def test_packages_change_with_replace_names_the_field_and_the_replace(repo):
    stack = _base()
    cloud = stack["config"]["kvm-estate:vms"][0]["cloudInit"]
    cloud.update(packages=["curl"], onChange="replace")
    code, text = _diff_against_base(repo, stack)
    assert code == EXIT_CHANGES
    _assert_no_secret(text)
    assert "user data.packages[0]: changed, a secret: value not shown" in text
    assert "re-seed: cloud-init runs again at the VM's next boot" in text
    assert "+- vm web-1 (replace)" in text
    assert "replace: cloudInit onChange is replace" in text


def test_user_password_change_reseeds_for_the_next_boot(repo):
    stack = _base()
    stack["config"]["kvm-estate:vms"][0]["cloudInit"]["users"][0]["password"] = "another-one"
    code, text = _diff_against_base(repo, stack, "--format", "json")
    assert code == EXIT_CHANGES
    assert "another-one" not in text
    _assert_no_secret(text)
    changes = json.loads(text)["changes"]
    fields = {f["field"]: f for c in changes for f in c["fields"]}
    assert fields["user data.users[0].passwd"]["secret"] is True
    assert fields["user data.users[0].passwd"]["old"] == "[secret]"
    instance = fields["cloud init.instanceId"]
    assert instance["effect"].endswith("new instance-id, cloud-init runs again at the next boot")


def test_console_password_change_is_a_restart_without_the_value(repo):
    stack = _base()
    stack["config"]["kvm-estate:templates"]["debian"]["graphics"]["password"] = NEW_PASSWORD
    code, text = _diff_against_base(repo, stack)
    assert code == EXIT_CHANGES
    _assert_no_secret(text)
    assert "graphics.password: changed, a secret: value not shown (update + restart)" in text


def test_domains_with_secrets_have_xml_with_the_secret_masked(tmp_path):
    from tests.components.plan.projects import program_project

    project = program_project(tmp_path, {"dev": _base()})
    out = io.StringIO()
    code = run(["--project-dir", str(project), "--stack", "dev", "--xml"], out=out)
    text = out.getvalue()
    assert code == EXIT_OK
    _assert_no_secret(text)
    assert "not shown: the spec holds a secret" not in text
    assert 'passwd="********"' in text or "passwd='********'" in text
    assert "<!-- secrets are shown as ******** -->" in text
