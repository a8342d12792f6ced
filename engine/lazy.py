"""Lazy front doors for packages (PEP 562).

A subpackage's ``__init__`` names its front-door objects and the module each lives in;
they are imported on first use. Importing one module of a package (say
``engine.logs.sportvu``) then costs only that module's imports, not the whole package's
(eager front doors made every SportVU read pull in pandas: +74 MB peak RSS in the
ingest benchmark)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for ``package`` whose front-door name ``n`` lives in
    ``package + "." + exports[n]``; a resolved name is cached in the package."""

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(exports) | set(vars(sys.modules[package])))

    return __getattr__, __dir__
