"""Old module paths (before the layout by concept) still import, as the same modules."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from components.base.moved_modules import MOVED, new_home


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_is_the_module_at_its_new_home(old: str) -> None:
    with pytest.warns(DeprecationWarning, match=MOVED[old].replace(".", r"\.")):
        module = importlib.import_module(old) if old not in sys.modules else _fresh(old)
    assert module is importlib.import_module(MOVED[old])


def _fresh(old: str) -> object:
    del sys.modules[old]
    return importlib.import_module(old)


def test_a_submodule_of_a_moved_package_is_not_loaded_twice() -> None:
    """Under its old name a second copy would hold classes unequal to the real ones."""
    code = (
        "import warnings; warnings.simplefilter('ignore');"
        "import components.cloud_init.render as old;"
        "import components.machines.cloud_init.render as new;"
        "from components.virtual_machine import VirtualMachine;"
        "from components import VirtualMachine as V;"
        "assert old is new and V is VirtualMachine, (old, new)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_paths_that_never_moved_are_left_to_the_normal_import() -> None:
    assert new_home("components.providers.domain") is None
    assert new_home("components.cloud_init.render") == "components.machines.cloud_init.render"


def test_the_package_names_every_component_and_its_args() -> None:
    import components

    for name in components.__all__:
        assert getattr(components, name).__name__ == name
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = components.NoSuchThing  # type: ignore[attr-defined]
