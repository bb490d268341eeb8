"""The estate as a Mermaid flowchart: GitHub and GitLab draw it in a pull-request comment.

A subgraph per host, its objects inside, NIC edges labelled with the address, a dotted arrow
for a move; one `classDef` per action present. Text in labels is escaped with Mermaid's
entity codes, so names with quotes or brackets cannot break the chart.
"""

from __future__ import annotations

import json

from components.plan.picture import palette
from components.plan.picture.estate import Edge, Estate, Node

_SHAPES = {
    "pool": ('[("', '")]'),
    "image": ('["', '"]'),
    "network": ('(["', '"])'),
    "uplink": ('["', '"]'),
    "vm": ('["', '"]'),
    "ghost": ('["', '"]'),
}
_CLASSES = {
    action: "a_" + action.replace(" + ", "_").replace(" ", "_") for action in palette.BY_ACTION
}


def render_mermaid(estate: Estate) -> str:
    """The Mermaid text of `estate` (same estate, same bytes)."""
    lines = [
        "---",
        f"title: {json.dumps(estate.title, ensure_ascii=False)}",
        "---",
        "flowchart LR",
    ]
    classes: dict[str, list[str]] = {}
    for host in estate.hosts:
        title = f"host {host.name}" + (f" — {host.action}" if host.action else "")
        lines.append(f'  subgraph {host.id}["{_escape(title)}<br/>{_escape(host.uri)}"]')
        lines.append("    direction LR")
        for node in host.nodes:
            lines.append(f"    {_node(node)}")
            name = "ghost" if node.kind == "ghost" else _CLASSES.get(node.action or "")
            if node.kind == "uplink" and node.action is None:
                name = "uplink"
            if name:
                classes.setdefault(name, []).append(node.id)
        lines.append("  end")
        fill = palette.colours(host.action).fill if host.action else palette.HOST.fill
        border = palette.colours(host.action).border if host.action else palette.HOST.border
        lines.append(f"  style {host.id} fill:{fill},stroke:{border}")
    if estate.actions:
        lines.append('  subgraph legend["what pulumi up will do"]')
        for action in estate.actions:
            node_id = "legend_" + _CLASSES[action]
            lines.append(f'    {node_id}["{_escape(action)}"]')
            classes.setdefault(_CLASSES[action], []).append(node_id)
        lines.append("  end")
    for edge in estate.edges:
        lines.append(f"  {_edge(edge)}")
    for action, name in _CLASSES.items():
        if name in classes:
            lines.append(f"  classDef {name} {_style(palette.BY_ACTION[action])}")
    if "ghost" in classes:
        border = palette.BY_ACTION["migrate"].border
        lines.append(f"  classDef ghost fill:#ffffff,stroke:{border},stroke-dasharray:5 5")
    if "uplink" in classes:
        lines.append(f"  classDef uplink {_style(palette.UPLINK)}")
    for name in sorted(classes):
        lines.append(f"  class {','.join(classes[name])} {name}")
    return "\n".join(lines) + "\n"


def _node(node: Node) -> str:
    opening, closing = _SHAPES[node.kind]
    title = node.title + (f" — {node.action}" if node.action else "")
    text = "<br/>".join(_escape(part) for part in (title, *node.lines))
    return f"{node.id}{opening}{text}{closing}"


def _edge(edge: Edge) -> str:
    label = _escape(edge.label)
    if edge.kind == "move":
        return f'{edge.source} -. "{label}" .-> {edge.target}'
    return f'{edge.source} -- "{label}" --> {edge.target}'


def _style(colours: palette.Colours) -> str:
    dashes = ",stroke-dasharray:5 5" if colours.dashed else ""
    return f"fill:{colours.fill},stroke:{colours.border}{dashes}"


def _escape(text: str) -> str:
    """Mermaid entity codes for what would end a label or be read as markup."""
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}
    return "".join(replacements.get(char, char) for char in text)
