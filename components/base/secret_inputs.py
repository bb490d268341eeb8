"""Inputs registered as Pulumi secrets when the user set their config as a secret.

`pulumi config set --secret` marks a whole key (`kvm-estate:vms`), and the program reads it
as plain JSON, so the marking would stop at the config. A component made from a secret
section registers its children's inputs as secrets (as Pulumi does for anything derived from
a secret), and every resource on a host from a secret `hosts` section gets its connection URI
as a secret: state, previews and outputs show `[secret]`, the providers get the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.spec.changes import CONNECTION_KEY


def secret_inputs(
    props: Mapping[str, Any], *, secret: bool, host_secret: bool = False
) -> dict[str, Any]:
    """`props` with every value a secret (`secret`), or only the connection URI
    (`host_secret`)."""
    if secret:
        return {key: pulumi.Output.secret(value) for key, value in props.items()}
    if host_secret and CONNECTION_KEY in props:
        return {**props, CONNECTION_KEY: pulumi.Output.secret(props[CONNECTION_KEY])}
    return dict(props)
