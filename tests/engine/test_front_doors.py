"""Each engine subpackage's front door resolves every name it lists. The front doors of
logs/, outcomes/ and runtime/ are lazy: importing one module does not import the rest of
its package (the ingest benchmark's peak RSS depends on it). sim/ and possessions/ stay
eager: their modules share their heavy imports, and ``step`` / ``ingest`` name both a
function and its module."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LAZY = ["engine.logs", "engine.outcomes", "engine.runtime"]


@pytest.mark.parametrize("package", ["engine.possessions", "engine.sim"])
def test_eager_front_doors_export_the_functions_not_their_modules(package):
    pkg = importlib.import_module(package)
    importlib.import_module(f"{package}.{'ingest' if package.endswith('possessions') else 'step'}")
    for name in pkg.__all__:
        assert not isinstance(getattr(pkg, name), type(pkg)), name


@pytest.mark.parametrize("package", LAZY)
def test_every_front_door_name_resolves_to_its_module(package):
    pkg = importlib.import_module(package)
    assert pkg.__all__
    for name in pkg.__all__:
        obj = getattr(pkg, name)
        module = importlib.import_module(f"{package}.{pkg._EXPORTS[name]}")
        assert obj is getattr(module, name)
    with pytest.raises(AttributeError):
        pkg.no_such_name  # noqa: B018


def test_reading_sportvu_does_not_import_pandas_or_torch():
    code = ("import sys, engine.logs.sportvu; "
            "print(sorted(m for m in ('pandas', 'torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
