"""Pictures of plans and plan diffs: golden DOT/Mermaid files, what the boxes and edges say,
the SVG through Graphviz, and `--diff --format mermaid` on a real git history.

Regenerate the golden files deliberately with
`UPDATE_GOLDEN=1 pytest tests/components/plan/picture`, then look at the pictures.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from lxml import etree

from components.plan.cli import EXIT_CHANGES, EXIT_ERROR, run
from components.plan.picture import svg
from components.plan.picture.dot import render_dot
from components.plan.picture.estate import Estate, estate_of_diff
from components.plan.picture.mermaid import render_mermaid
from components.plan.registrations import PlanError
from tests.components.plan.picture.cases import dev_move, prod_change
from tests.components.plan.projects import REPO, stack_file
from tests.components.spec.golden import check_golden

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "pictures"


def _cli(*args: str) -> str:
    out = io.StringIO()
    assert run(["--project-dir", str(REPO), *args], out=out) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def change(tmp_path_factory):
    return prod_change(tmp_path_factory.mktemp("prod-change"))


@pytest.fixture(scope="module")
def diff_estate(change) -> Estate:
    old, new, diff = change
    return estate_of_diff(old, new, diff)


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("form", ["dot", "mermaid"])
def test_stack_picture_matches_its_golden_file(stack, form):
    suffix = "dot" if form == "dot" else "mmd"
    check_golden(GOLDEN / f"{stack}.{suffix}", _cli("--stack", stack, "--format", form))


def test_diff_pictures_match_their_golden_files(diff_estate):
    check_golden(GOLDEN / "prod-diff.dot", render_dot(diff_estate))
    check_golden(GOLDEN / "prod-diff.mmd", render_mermaid(diff_estate))


def _nodes(estate: Estate) -> dict[str, tuple[str, object]]:
    """Node title → (host name, node) over every host box."""
    return {node.title: (box.name, node) for box in estate.hosts for node in box.nodes}


def test_dev_picture_puts_everything_in_its_host_with_nic_addresses():
    dot = _cli("--stack", "dev", "--format", "dot")
    assert 'subgraph "cluster_host_local"' in dot
    assert '"vm_web_1" -> "network_local_backend" [label="10.71.0.11"]' in dot
    assert '"vm_web_1" -> "network_local_lan" [label="DHCP"]' in dot
    assert "vda 10 GiB dev-web-1-root.qcow2" in dot
    assert "network lan (nat)" in dot and "pool vmstore" in dot


def test_prod_picture_shows_snapshot_policy_disks_and_each_host():
    text = _cli("--stack", "prod", "--format", "mermaid")
    assert 'subgraph host_hv1["host hv1<br/>qemu+ssh://admin@hv1.example.internal/system"]' in text
    assert "snapshots: nightly, daily at 02:00" in text
    assert "vdb 500 GiB prod-db-1-pgdata.qcow2" in text
    assert 'vm_web_2 -- "10.80.0.22" --> network_hv2_backend' in text


def test_diff_colours_each_object_by_what_up_will_do(diff_estate):
    nodes = _nodes(diff_estate)
    assert nodes["vm web-1"][0] == "hv2" and nodes["vm web-1"][1].action == "migrate"
    assert nodes["vm db-1"][1].action == "update + restart"
    assert nodes["vm web-2"][1].action == "update live"
    assert nodes["vm web-3"][1].action == "create"
    assert nodes["network mgmt (isolated)"][1].action == "delete"
    backends = [n for b in diff_estate.hosts for n in b.nodes if n.title.startswith("network back")]
    assert [n.action for n in backends] == ["replace", "replace"]
    assert nodes["pool vmstore"][1].action is None
    assert diff_estate.actions == (
        "create",
        "update live",
        "update + restart",
        "migrate",
        "replace",
        "delete",
    )


def test_a_move_leaves_a_ghost_in_the_old_host_with_an_arrow_to_the_new(diff_estate):
    host, ghost = _nodes(diff_estate)["vm web-1 (leaves)"]
    assert host == "hv1" and ghost.kind == "ghost"
    moves = [e for e in diff_estate.edges if e.kind == "move"]
    assert [(m.source, m.target, m.label) for m in moves] == [
        (ghost.id, "vm_web_1", "migrate (live, shared storage)")
    ]
    assert (
        "vda 40 GiB prod-web-1-root.qcow2 [update live]" in _nodes(diff_estate)["vm web-1"][1].lines
    )


def test_svg_renders_through_graphviz(diff_estate):
    document = etree.fromstring(svg.render_svg(render_dot(diff_estate)).encode())
    text = "".join(document.itertext())
    assert document.tag == "{http://www.w3.org/2000/svg}svg"
    assert "vm web-1 — migrate" in text and "what pulumi up will do" in text


def test_svg_without_graphviz_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(PlanError, match="apt install graphviz"):
        svg.render_svg("digraph {}")
    assert run(["--project-dir", str(REPO), "--stack", "dev", "--format", "svg"]) == EXIT_ERROR
    assert "apt install graphviz" in capsys.readouterr().err


def test_mermaid_labels_cannot_break_the_chart():
    from components.plan.picture.mermaid import _escape

    assert _escape('a "b" <c> #d') == "a #quot;b#quot; #lt;c#gt; #35;d"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_diff_picture_from_the_cli_on_a_git_history(tmp_path):
    """The program's own files in a fresh repo (its `components` is this one, installed)."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "stacks").mkdir()
    stack = stack_file("dev")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A")
    _git(tmp_path, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "a")
    stack["config"]["kvm-estate:vms"][0]["memory"] = "1GiB"
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    out = io.StringIO()
    args = ["--project-dir", str(tmp_path), "--stack", "dev", "--diff", "HEAD"]
    assert run([*args, "--format", "mermaid"], out=out) == EXIT_CHANGES
    assert 'vm_web_1["vm web-1 — update live<br/>' in out.getvalue()
    assert "class vm_web_1,legend_a_update_live a_update_live" in out.getvalue()


def test_a_move_without_shared_storage_shows_copied_disks_and_the_base_images(tmp_path):
    old, new, diff = dev_move(tmp_path)
    estate = estate_of_diff(old, new, diff)
    nodes = _nodes(estate)
    assert nodes["vm web-1"][0] == "hv2"
    assert "vda 10 GiB dev-web-1-root.qcow2 [replace]" in nodes["vm web-1"][1].lines
    images = {(box.name, n.action) for box in estate.hosts for n in box.nodes if n.kind == "image"}
    assert images == {("hv2", "create"), ("local", "delete")}
    assert "replace" in (estate.actions or ())  # the disks' action is in the legend
    moves = {e.label for e in estate.edges if e.kind == "move"}
    assert moves == {"migrate (live, copy storage)"}
