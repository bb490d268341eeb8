"""Stack files an operator can write by mistake, through the offline plan: each ends with
exit 1 and one `error:` naming where (the key, the config path or the line), no traceback."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from components.plan.cli import EXIT_ERROR, EXIT_OK, run
from tests.components.plan.projects import program_project

HOSTS = "  kvm-estate:hosts:\n    hv1:\n      uri: qemu:///system\n"
POOLS = "  kvm-estate:pools:\n    vmstore:\n      path: /srv/vm\n"
TEMPLATES = (
    "  kvm-estate:templates:\n    debian:\n      pool: vmstore\n"
    "      image:\n        url: https://example.org/d.qcow2\n"
)
VALID = "config:\n" + HOSTS + POOLS + TEMPLATES

BAD_FILES = [
    ("config: [a, b]\n", "config: expected a mapping"),
    ("config: 5\n", "config: expected a mapping"),
    ("config: just text\n", "config: expected a mapping"),
    ("- config\n", "expected a mapping with a config: key"),
    ("config:\n" + HOSTS + HOSTS, "key 'kvm-estate:hosts' is given twice"),
    (
        "config:\n  kvm-estate:hosts:\n    hv1:\n      uri: qemu:///system\n      uri: test:///default\n",
        "key 'uri' is given twice",
    ),
    (
        VALID + "  kvm-estate:vms:\n    - name: !!binary aGVsbG8=\n      template: debian\n",
        "!!binary",
    ),
    (
        VALID.replace(HOSTS, "  kvm-estate:hosts: {}\n")
        + "  kvm-estate:vms:\n    - {name: a, template: debian}\n",
        "hosts: at least one host",
    ),
    (
        VALID + "  kvm-estate:default:\n    retainDataDisks: true\n",
        "kvm-estate:default: not a section",
    ),
    (VALID + "  kvm-estate:snapshotPolicy: {}\n", "did you mean kvm-estate:snapshotPolicies"),
    (
        VALID.replace(HOSTS, "  kvm-estate:hosts: hv1\n"),
        "hosts: Input should be a valid dictionary",
    ),
    (
        VALID.replace(HOSTS, "  kvm-estate:hosts: [hv1]\n"),
        "hosts: Input should be a valid dictionary",
    ),
    (VALID + "  kvm-estate:vms: 12\n", "vms: Input should be a valid list"),
    (VALID + "  kvm-estate:vms:\n    - name: a\n\ttemplate: debian\n", "line 15"),
    (VALID + "  kvm-estate:vms:\n    - {name: 'web-1\n', template: debian}\n", "vms[0].name"),
    (
        VALID + "  kvm-estate:vms:\n    - {name: 17, template: debian}\n",
        "vms[0].name: 17 is not a name",
    ),
    (
        VALID + "  kvm-estate:vms:\n    - {name: a, template: debian, memory: 2024-01-01}\n",
        "vms[0].memory: '2024-01-01'",
    ),
    (
        VALID
        + "  kvm-estate:vms:\n    - {name: a, template: debian,"
        + " dataDisks: [{name: d, size: .inf}]}\n",
        "vms[0].dataDisks[0].size",
    ),
    ("config:\n  kvm-estate:hosts:\n    ? [a, b]\n    : x\n", "mapping key must be text"),
]


def _plan(tmp_path: Path, text: str) -> tuple[int, str, str]:
    project = program_project(tmp_path, {})
    (project / "stacks" / "Pulumi.dev.yaml").write_text(text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run(["--project-dir", str(project), "--stack", "dev"], out=out)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_bad_stack_file_is_one_error_naming_where(tmp_path, text, expected):
    code, out, err = _plan(tmp_path, text)
    assert code == EXIT_ERROR, out
    assert err.startswith("error: ") and "Traceback" not in err
    assert expected in err, err


def test_a_date_written_as_a_name_stays_the_text_written(tmp_path):
    text = VALID + "  kvm-estate:vms:\n    - {name: 2024-01-01, template: debian}\n"
    code, out, err = _plan(tmp_path, text)
    assert code == EXIT_OK, err
    assert "vm 2024-01-01" in out
