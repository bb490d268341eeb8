"""Fixtures of the provider tests: a private test-driver host per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from components.providers.connection import close_all


@pytest.fixture
def node_uri(tmp_path: Path) -> Iterator[str]:
    """`test:///<tmp>/node.xml`: libvirt's in-process test driver with an empty node.

    Each URI is its own host with fresh state while its connection is open; the providers
    cache one connection per URI, so the state lives for the whole test and is dropped after.
    """
    node = tmp_path / "node.xml"
    node.write_text("<node/>\n")
    yield f"test://{node}"
    close_all()
