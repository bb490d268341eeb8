"""cloud-init (NoCloud) for VMs: a seed ISO with user-data, meta-data and network-config.

- `config`: the `cloudInit` settings of a VM (pydantic, camelCase, validated before any change);
- `render`: those settings as the seed's files (`#cloud-config` user-data, meta-data with the
  instance-id, network-config), pure and deterministic;
- `passwords`: SHA-512 crypt hashes of user passwords, with a salt stable per VM and user;
- `seed`: `make_seed`, which registers the seed volume of one VM (its content as secrets).

The ISO image itself (pure, both directions) is `components.spec.seed_iso`, which the seed
provider uses too.
"""
