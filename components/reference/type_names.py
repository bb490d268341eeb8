"""How the reference spells a type: `memory size`, `list[DataDiskConfig]`, `'gen1' | 'gen2'`."""

from __future__ import annotations

import inspect
import ipaddress
import types
import typing
from typing import Any

from pydantic import SecretStr

_FRIENDLY = {
    "_memory_mib": "memory size",
    "_disk_bytes": "disk size",
    "_ipv4": "IPv4 address",
    "_ipv4_network": "IPv4 subnet",
    "check_host_uri": "libvirt URI",
}


def type_name(annotation: Any) -> str:
    """A reader's name for a type: `memory size`, `list[DataDiskConfig]`, `'gen1' | 'gen2'`."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Annotated:
        for meta in annotation.__metadata__:
            func = getattr(meta, "func", None)
            name = getattr(func, "__name__", "")
            if name in _FRIENDLY:
                return _FRIENDLY[name]
        return type_name(arguments[0])
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in arguments)
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in arguments if a is not type(None)]
        return " | ".join(names) + (" | None" if type(None) in arguments else "")
    if origin is not None:
        inner = ", ".join(type_name(a) for a in arguments)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    if annotation is ipaddress.IPv4Network:
        return "IPv4 subnet"
    if annotation is ipaddress.IPv4Address:
        return "IPv4 address"
    if annotation is ipaddress.IPv6Address:
        return "IPv6 address"
    if annotation is SecretStr:
        return "secret str"
    if isinstance(annotation, typing.ForwardRef):  # a name pydantic has not resolved
        return annotation.__forward_arg__
    if isinstance(annotation, str):  # as written in the signature (postponed annotations)
        return annotation.replace("pulumi.", "")
    if annotation is inspect.Parameter.empty:
        return ""
    return getattr(annotation, "__name__", str(annotation).replace("typing.", ""))
