"""libvirt snapshot work shared by the domain, migration and snapshot providers and the
scheduled runner.

- `kinds`: which kind of snapshot a VM gets (internal / external disk-only), from its live XML;
- `operations`: take, list, delete and revert snapshots of one domain;
- `pruning`: pre-change names, the local clock, which policy-made snapshots retention removes;
- `hosts`: governed VMs of a libvirt host (found by their policy metadata) and their snapshots;
- `carried`: snapshots stashed and redefined across a migration;
- `external_revert`: reverting to an external (disk-only) snapshot by hand-made overlays;
- `domain_guard`: pre-change snapshots, and deletes/replaces of VMs that have snapshots.
"""
