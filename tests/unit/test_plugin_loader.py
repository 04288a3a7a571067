"""ledger's stand-in for pydantic's plugin loader gives what pydantic's own gives.

``ledger.cli.skip_plugin_loader`` puts a module in the place of
``pydantic.plugin._loader`` when every plugin is disabled, so that a desk command does not
import ``importlib.metadata``. These tests hold it to the pydantic installed: every name
pydantic imports from its loader is there, and answers as the real one does.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

from ledger.cli import NO_PYDANTIC_PLUGINS, PLUGIN_LOADER, PLUGINS_OFF, _no_plugins


def _names_imported_from_the_loader() -> set[str]:
    """Every name any module of pydantic imports from ``pydantic.plugin._loader``."""
    names: set[str] = set()
    root = Path(pydantic.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("_loader"):
                names.update(alias.name for alias in node.names)
    return names


def test_pydantic_imports_only_get_plugins_from_its_loader() -> None:
    """The stand-in defines ``get_plugins`` only: pydantic must need nothing else."""
    assert _names_imported_from_the_loader() == {"get_plugins"}


@pytest.mark.parametrize("value", PLUGINS_OFF)
def test_the_real_loader_finds_no_plugin_when_they_are_disabled(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the variable at each value the stand-in is used for, pydantic's answer is ours."""
    from pydantic.plugin import _loader

    monkeypatch.setenv(NO_PYDANTIC_PLUGINS[0], value)
    assert tuple(_loader.get_plugins()) == _no_plugins() == ()


PROBE = """
import sys
from ledger.cli import skip_plugin_loader
skip_plugin_loader()
from pydantic import BaseModel
class M(BaseModel):
    x: int
assert M(x=1).x == 1
print((sys.modules[{loader!r}].__doc__ or "").startswith("ledger"), "importlib.metadata" in sys.modules)
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("__all__", "True False"), ("true", "True False"), ("", "False True"), ("x", "False True")],
)
def test_the_stand_in_is_used_only_when_every_plugin_is_disabled(value: str, expected: str) -> None:
    """A model builds and validates with the stand-in; another value keeps pydantic's loader."""
    env = {**os.environ, NO_PYDANTIC_PLUGINS[0]: value}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(loader=PLUGIN_LOADER)],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.split() == expected.split()
