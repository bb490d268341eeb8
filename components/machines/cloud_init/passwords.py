"""User passwords as SHA-512 crypt hashes (`$6$…`), for cloud-init's `passwd` key.

Why hash here: the seed ISO stays on the host and attached to the guest, and cloud-init keeps a
copy of user-data inside the guest; a hash there is no usable password. SHA-512 crypt is the
one scheme every guest libc verifies (glibc, musl, libxcrypt). It is computed with libpass, the
maintained fork of passlib, in pure Python (the `crypt` module is gone in Python 3.13).

The salt is derived from the VM and the user, not drawn at random: the same password renders
the same hash on every run, so an unchanged config does not re-seed the VM, while the same
password on two VMs (or two users) still hashes differently. The salt depends on nothing
secret, so it gives an attacker no shortcut to the password.
"""

from __future__ import annotations

import base64
import hashlib

from passlib.hash import sha512_crypt  # type: ignore[import-untyped]

ROUNDS = 100_000
"""SHA-512 crypt rounds: 20 times glibc's default of 5000; about 0.2 s per password on every
preview and up, since the program renders the user-data each run."""

_SALT_LENGTH = 16


def password_salt(vm_name: str, user: str) -> str:
    """A 16-character crypt salt (`[./0-9A-Za-z]`) stable for one VM and user."""
    digest = hashlib.sha256(f"kvm-pulumi/cloud-init/passwd\0{vm_name}\0{user}".encode()).digest()
    return base64.b64encode(digest).decode("ascii").replace("+", ".")[:_SALT_LENGTH]


def hash_password(password: str, vm_name: str, user: str) -> str:
    """The `$6$rounds=…$salt$hash` string for `password` of `user` on VM `vm_name`."""
    hashed: str = sha512_crypt.using(rounds=ROUNDS, salt=password_salt(vm_name, user)).hash(
        password
    )
    return hashed
