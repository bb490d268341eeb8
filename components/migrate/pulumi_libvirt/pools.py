"""pulumi-libvirt pools → `pools` entries (dir pools; others are listed and left alone)."""

from __future__ import annotations

import posixpath

from components.migrate.export import Resource
from components.migrate.findings import KEPT_AS_IS
from components.migrate.pulumi_libvirt.context import (
    POOL,
    TF_DEFAULT_POOL_PATH,
    Context,
    config_key,
    note_xslt,
    subject_of,
)


def convert_pool(ctx: Context, pool: Resource) -> None:
    host = ctx.hosts.of(pool)
    kind = pool.get("type") or "dir"
    name = str(pool.get("name"))
    if kind != "dir":
        ctx.out.note(
            subject_of(pool),
            f"a {kind!r} pool (kvm-pulumi makes dir pools only)",
            f"{KEPT_AS_IS}; VMs with disks in it are left to the old tool (listed below)",
        )
        return
    target = pool.get("target") or {}
    path = pool.get("path") or (target.get("path") if isinstance(target, dict) else None)
    key = config_key(pool.name, ctx.section("pools"))
    ctx.section("pools")[key] = {
        "path": str(path),
        "hosts": [host],
        "libvirtName": name,
        "adopt": True,
    }
    ctx.pools[(host, name)] = key
    ctx.out.count("pool")
    if pool.get("xml"):
        note_xslt(ctx, pool)


def pool_key(ctx: Context, host: str, name: str, volume_path: str) -> str | None:
    """The config key of pool `name` on `host`; a pool the old stack did not make (e.g.
    libvirt's `default`) is adopted too, at the directory its volumes live in."""
    key = ctx.pools.get((host, name))
    if key is not None:
        return key
    if (host, name) in {(ctx.hosts.of(p), str(p.get("name"))) for p in ctx.export.of_type(POOL)}:
        return None  # a non-dir pool, reported already
    key = config_key(name, ctx.section("pools"))
    ctx.section("pools")[key] = {
        "path": posixpath.dirname(volume_path) or TF_DEFAULT_POOL_PATH,
        "hosts": [host],
        "libvirtName": name,
        "adopt": True,
    }
    ctx.pools[(host, name)] = key
    ctx.out.count("pool")
    ctx.out.note(
        f"pool {name!r}",
        "was not made by the old stack, but its volumes were",
        "the new stack adopts it so templates can use it; protect it or keep it out of "
        "`pulumi destroy`",
    )
    return key
