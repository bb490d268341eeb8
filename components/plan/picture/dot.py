"""The estate as Graphviz DOT: a cluster per host, its objects inside, NICs and moves as edges.

Plain text, no Graphviz needed to write it; `svg.py` renders it. Labels are Graphviz HTML-like
labels (bold title, one left-aligned line per detail), escaped, so any name is safe.
"""

from __future__ import annotations

from html import escape

from components.plan.picture import palette
from components.plan.picture.estate import Edge, Estate, HostBox, Node

_FONT = "DejaVu Sans,Arial,sans-serif"
_SHAPES = {
    "pool": "cylinder",
    "image": "note",
    "network": "box",
    "uplink": "box",
    "vm": "box",
    "ghost": "box",
}
_STYLES = {"network": "rounded,filled,bold", "vm": "filled", "ghost": "dashed"}


def render_dot(estate: Estate) -> str:
    """The DOT text of `estate` (same estate, same bytes)."""
    lines = [
        f"digraph {_quote(estate.title)} {{",
        f"  graph [rankdir=LR, newrank=true, compound=true, nodesep=0.25, ranksep=0.9,"
        f' fontname="{_FONT}", fontsize=14, labelloc=t, labeljust=l,'
        f" label={_html_title(estate.title)}];",
        f'  node [fontname="{_FONT}", fontsize=10, margin="0.12,0.06"];',
        f'  edge [fontname="{_FONT}", fontsize=9, color="#7a8794", fontcolor="#33414f"];',
    ]
    for host in reversed(estate.hosts):  # dot tends to put the last cluster on top
        lines += _host(host)
    for edge in estate.edges:
        lines.append(_edge(edge))
    if estate.actions:
        lines += _legend(estate.actions)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _host(host: HostBox) -> list[str]:
    colours = palette.colours(host.action) if host.action else palette.HOST
    title = f"host {host.name}" + (f" — {host.action}" if host.action else "")
    style = "rounded,filled" + (",dashed" if colours.dashed else "")
    lines = [
        f"  subgraph {_quote('cluster_' + host.id)} {{",
        f"    label={_label(title, (host.uri,))};",
        f'    style="{style}"; fillcolor="{_cluster_fill(host)}"; color="{colours.border}";'
        " penwidth=1.5;",
    ]
    lines += [f"    {_node(node)}" for node in host.nodes]
    lines.append("  }")
    return lines


def _cluster_fill(host: HostBox) -> str:
    return palette.colours(host.action).fill if host.action else palette.HOST.fill


def _node(node: Node) -> str:
    colours = palette.colours(node.action, node.kind)
    title = node.title + (f" — {node.action}" if node.action else "")
    style = _STYLES.get(node.kind, "rounded,filled")
    if colours.dashed and "dashed" not in style:
        style += ",dashed"
    fill = "#ffffff" if node.kind == "ghost" else colours.fill
    border = palette.BY_ACTION["migrate"].border if node.kind == "ghost" else colours.border
    return (
        f"{_quote(node.id)} [shape={_SHAPES[node.kind]}, style={_quote(style)},"
        f' fillcolor="{fill}", color="{border}", label={_label(title, node.lines)}];'
    )


def _edge(edge: Edge) -> str:
    attributes = [f"label={_quote(edge.label)}"]
    if edge.kind == "move":
        border = palette.BY_ACTION["migrate"].border
        attributes += [f'color="{border}"', f'fontcolor="{border}"', "style=bold", "penwidth=2"]
    elif edge.action == "delete":
        attributes += ["style=dashed"]
    return f"  {_quote(edge.source)} -> {_quote(edge.target)} [{', '.join(attributes)}];"


def _legend(actions: tuple[str, ...]) -> list[str]:
    """One table node: a coloured cell per action the diff has, in order of disruption."""
    rows = ['<tr><td border="0"><b>what pulumi up will do</b></td></tr>']
    for action in actions:
        colours = palette.BY_ACTION[action]
        dashed = ' style="dashed"' if colours.dashed else ""
        rows.append(
            f'<tr><td bgcolor="{colours.fill}" color="{colours.border}"{dashed}>'
            f"{escape(action)}</td></tr>"
        )
    table = (
        f'<table border="0" cellborder="1" cellspacing="3" cellpadding="4">{"".join(rows)}</table>'
    )
    return [f'  "legend" [shape=plain, label=<{table}>];']


def _label(title: str, lines: tuple[str, ...]) -> str:
    body = "".join(f'{escape(line)}<br align="left"/>' for line in lines)
    return f'<<b>{escape(title)}</b><br align="left"/>{body}>'


def _html_title(title: str) -> str:
    return f"<<b>{escape(title)}</b>>"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
