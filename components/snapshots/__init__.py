"""Snapshot policies at work: taking, listing, pruning and reverting libvirt snapshots.

- `kinds`: which kind of snapshot a VM gets (internal / external disk-only), from its live XML;
- `operations`: take, list, delete and revert snapshots of one domain through libvirt-python;
- `retention`: the keep-last/hourly/daily/weekly/monthly prune rule (pure);
- `hosts`: governed VMs of a libvirt host (found by their policy metadata) and their snapshots;
- `runner`: the scheduled job (take what is due, then prune), with an injectable clock;
- `domain_guard`: what the domain provider does about snapshots (pre-change snapshots,
  deletes and replaces of VMs that have snapshots, external overlays);
- `cli` / `python -m components.snapshots`: run, list, revert and delete from a shell.
"""
