"""The offline plan: a stack's desired estate without libvirt or a Pulumi backend.

`python -m components.plan --stack prod` runs the program under Pulumi mocks, records what it
registers and prints it (text or JSON, optionally with libvirt XML and policy results);
`--diff REV` compares the plan at a git revision with the working tree's. See README.md.

Modules: `registrations` (run the program, record registrations; also runs as a script in a
worktree), `model` (the recorded plan), `render` / `fields` (text form), `libvirt_xml`,
`diff` (classified per-object changes), `revision` (plans of a git revision), `cli`.
"""
