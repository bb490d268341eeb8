"""Pictures of the estate: hosts as boxes holding their pools, images, networks and VMs.

`collect` reads a plan into hosts and nodes; `estate` makes boxes and edges of one plan or of
a plan diff (coloured by action); `dot` and `mermaid` write them as Graphviz DOT and Mermaid
text (no tool needed), `svg` renders the DOT through Graphviz's `dot`; `palette` holds the
colour of each action, shared by both formats; `draw` is what `--format` calls.
"""
