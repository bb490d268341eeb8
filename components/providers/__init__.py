"""Pulumi dynamic providers over libvirt-python (create/read/diff/update/delete)."""
