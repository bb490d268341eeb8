"""cloud-init (NoCloud) for VMs: a seed ISO with user-data, meta-data and network-config.

- `config`: the `cloudInit` settings of a VM (pydantic, camelCase, validated before any change);
- `render`: those settings as the seed's files (`#cloud-config` user-data, meta-data with the
  instance-id, network-config), pure and deterministic;
- `passwords`: SHA-512 crypt hashes of user passwords, with a salt stable per VM and user;
- `seed_iso`: the files as an ISO 9660 image labelled `cidata` (Joliet + Rock Ridge), built
  in-process with pycdlib, byte-for-byte the same for the same files;
- `seed`: `make_seed`, which registers the seed volume of one VM (its content as secrets).

This module imports nothing on purpose: the seed provider (`components.providers`) imports
`seed_iso` from here, and `seed` imports the providers.
"""
