"""One registry form for everything a user names: offenses, defensive schemes, rewards,
planner methods, offline agents.

An entry is ``name -> config dataclass -> factory``: :meth:`Registry.config` builds the
config from user options (unknown options and bad names are a
:class:`engine.errors.HoopsimConfigError` naming the choices), :meth:`Registry.make`
calls the factory with it. Each package fills its own registry where its classes live;
``hoopsim/`` only looks names up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from engine.errors import HoopsimConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    config_cls: type
    factory: Callable[..., T]
    help: str = ""


class Registry(Generic[T]):
    """Names of one kind of thing (``what``: 'offense', 'defense', ...)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str, config_cls: type, help: str = ""
                 ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: ``@REG.register("zone_2_3", ZoneConfig)`` over ``factory(cfg, **ctx)``."""
        if not dataclasses.is_dataclass(config_cls):
            raise TypeError(f"{self.what} {name}: config must be a dataclass, got {config_cls}")

        def add(factory: Callable[..., T]) -> Callable[..., T]:
            if name in self._entries:
                raise ValueError(f"{self.what} {name!r} registered twice")
            self._entries[name] = Entry(name, config_cls, factory, help)
            return factory
        return add

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def entry(self, name: str) -> Entry[T]:
        if name not in self._entries:
            raise HoopsimConfigError(self.what, name, f"unknown {self.what}; choose one of "
                                     f"{', '.join(self.names())}")
        return self._entries[name]

    def config(self, name: str, options: dict[str, Any] | None = None):
        """The entry's config dataclass from ``options`` (unknown keys are an error)."""
        cls = self.entry(name).config_cls
        options = dict(options or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise HoopsimConfigError(f"{self.what}.{name}", unknown,
                                     f"unknown option(s); {name} takes {', '.join(sorted(known)) or 'none'}")
        try:
            return cls(**options)
        except (TypeError, ValueError) as exc:
            raise HoopsimConfigError(f"{self.what}.{name}", options, str(exc)) from exc

    def make(self, name: str, options: dict[str, Any] | None = None, **context) -> T:
        """``factory(config(name, options), **context)``: context carries what is not a
        user option (device, outcome models, a fitted model)."""
        return self.entry(name).factory(self.config(name, options), **context)
