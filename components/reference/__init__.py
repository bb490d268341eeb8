"""The README's Python reference, generated from the code (`python -m components.reference`).

For each component: its constructor (read with `inspect`), one row per argument — keyword
arguments are the fields of its settings model (pydantic: the field name is the Python
keyword, the alias the YAML key, the annotation the type, the default) — and the outputs it
registers; nested settings (image, cpu, dataDisks, …) get a table each. `catalog` says which
components and what a change of each argument does (read from the providers' change rules
where the argument reaches a provider as one input), `type_names` how a type reads,
`markdown` writes the section and finds it in the README.

    python -m components.reference                     # print the reference (Markdown)
    python -m components.reference --check README.md   # exit 1 when the README differs
    python -m components.reference --write README.md   # rewrite the README's section
"""
