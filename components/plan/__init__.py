"""The offline plan: a stack's desired estate without libvirt or a Pulumi backend.

`python -m components.plan --stack prod` runs the program under Pulumi mocks, records what it
registers and prints it (text or JSON, optionally with libvirt XML and the policy rules'
findings); `--diff REV` compares the plan at a git revision with the working tree's.

Modules: `registrations` (run the program, record what it registers; also runs as a script
in a revision's worktree), `values` (secrets and values known after apply), `model` (the
plan), `fields` / `nic_addresses` / `render` (text and JSON), `libvirt_xml`,
`provider_info` (a resource's provider: change rules, spec), `diff` (classified per-object
changes), `sources` (in process, child process, git worktree), `cli`.
"""
