"""Pictures of the estate: hosts as boxes holding their pools, images, networks and VMs.

`estate` reads a plan (or a plan diff) into boxes and edges; `dot` and `mermaid` write them
as Graphviz DOT and Mermaid text (no tool needed), `svg` renders the DOT through Graphviz's
`dot`; `palette` holds the colour of each action, shared by both formats.
"""
