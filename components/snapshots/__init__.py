"""Snapshots as the user composes and schedules them.

- `policy` / `snapshot`: the SnapshotPolicy and Snapshot components;
- `runner`: the scheduled job (take what is due, then prune), with an injectable clock;
- `cli` / `python -m components.snapshots`: run, list, revert and delete from a shell.

The libvirt side (snapshot kinds, take/list/delete/revert, snapshots carried across a
migration, what the domain provider does about snapshots) is `components.providers.snapshots`;
the pure rules (XML, schedule, retention) are in `components.spec`. Arrows point down only:
this package uses the providers' snapshot code, never the other way round.
"""
