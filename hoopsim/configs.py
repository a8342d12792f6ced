"""A task's hydra config -> its typed dataclass, once, at the edge.

Each task's ``main(cfg)`` calls :func:`to_config` first and passes the dataclass (never the
DictConfig) to everything below it. The conversion checks every user value against the
dataclass's field types and the ranges / checks declared in the field metadata
(:func:`at_least`, :func:`above`, :func:`checked`); the first bad value is one
:class:`engine.errors.HoopsimConfigError` naming the dotted key and the value (a missing
required value is a :class:`hoopsim.errors.UsageError`), which the CLI prints as one line
with exit code 2 before any run folder exists.

Supported field types: ``int``, ``float``, ``bool``, ``str``, ``Literal[...]`` (choices),
``X | None``, unions of these (tried in order), ``tuple[X, ...]`` (a scalar becomes a
one-element tuple), ``dict`` (a plain mapping, passed as is), ``Any`` and nested dataclasses
(the library's own configs included). A key the dataclass does not have is an error
(hydra's ``+key=value`` adds keys that no task reads).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from omegaconf import DictConfig, OmegaConf

from engine.errors import HoopsimConfigError
from hoopsim.errors import UsageError

__all__ = ["above", "at_least", "checked", "plain", "to_config"]

T = TypeVar("T")
REQUIRED = "???"          # omegaconf's mark of a value the user must give


class _Mismatch(Exception):
    """A value that does not fit a type (message: what was expected)."""


def at_least(low: float, default: Any = dataclasses.MISSING) -> Any:
    """A field whose value (or each element of a tuple) must be >= ``low``."""
    return dataclasses.field(default=default, metadata={"min": low})


def above(low: float, default: Any = dataclasses.MISSING) -> Any:
    """A field whose value (or each element of a tuple) must be > ``low``."""
    return dataclasses.field(default=default, metadata={"above": low})


def checked(check: Callable[[Any], str | None], default: Any = dataclasses.MISSING) -> Any:
    """A field validated by ``check(value)``: None when fine, else the problem in words."""
    return dataclasses.field(default=default, metadata={"check": check})


def to_config(cls: type[T], cfg) -> T:
    """hydra's composed config (DictConfig or plain mapping; an instance of ``cls`` is
    returned as is) -> ``cls``, every value checked (module docstring)."""
    if isinstance(cfg, cls):
        return cfg
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    return _build(cls, cfg, "")


def plain(cfg) -> Any:
    """A config dataclass -> nested dicts and lists (for config.yaml and JSON outputs)."""
    if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        return {f.name: plain(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, Mapping):
        return {k: plain(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return [plain(v) for v in cfg]
    return cfg


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _build(cls: type[T], data, prefix: str) -> T:
    """Mapping ``data`` -> dataclass ``cls`` (``prefix``: the dotted key of ``data``)."""
    if not isinstance(data, Mapping):
        raise HoopsimConfigError(prefix or cls.__name__, data, "expected a group of key=value settings")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in fields]
    if unknown:
        where = f"{prefix} takes" if prefix else "the keys are"
        raise HoopsimConfigError(_key(prefix, str(unknown[0])), data[unknown[0]],
                                 f"unknown key; {where} {', '.join(fields)}")
    kwargs = {}
    for name, f in fields.items():
        key = _key(prefix, name)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if name not in data and not required:
            continue
        value = data.get(name, REQUIRED)
        if isinstance(value, str) and value == REQUIRED:
            raise UsageError(f"{key} is required: give {key}=<value>")
        kwargs[name] = _checked(_convert(hints[name], value, key), f.metadata, key)
    try:
        return cls(**kwargs)
    except HoopsimConfigError:
        raise
    except (TypeError, ValueError) as exc:        # the dataclass's own __post_init__ checks
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HoopsimConfigError(prefix or cls.__name__, plain(kwargs), problem) from None


def _convert(tp, value, key: str):
    """``value`` as type ``tp`` (HoopsimConfigError naming ``key`` when it does not fit)."""
    try:
        return _as(tp, value, key)
    except _Mismatch as exc:
        raise HoopsimConfigError(key, value, f"expected {exc}") from None


def _as(tp, value, key: str):
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any or tp is object:
        return value
    if origin in (typing.Union, types.UnionType):
        return _as_union(args, value, key)
    if origin is Literal:
        if any(value == a and type(value) is type(a) for a in args):   # 1 is not True
            return value
        raise _Mismatch("one of " + ", ".join(map(str, args)))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key)
    if tp is dict or origin is dict:
        if not isinstance(value, Mapping):
            raise _Mismatch("a group of key: value settings")
        return dict(value)
    if tp is tuple or origin is tuple:
        return _as_tuple(args, value, key)
    return _as_scalar(tp, value)


def _as_union(args, value, key: str):
    if value is None:
        if type(None) in args:
            return None
        raise _Mismatch(_describe_union(args))
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:                  # X | None: X's own message (a nested key, ...)
        return _as(options[0], value, key)
    for arg in options:
        try:
            return _as(arg, value, key)
        except (_Mismatch, HoopsimConfigError):
            continue
    raise _Mismatch(_describe_union(args))


def _as_tuple(args, value, key: str) -> tuple:
    item = args[0] if args else Any
    if len(args) > 1 and args[1] is not Ellipsis:
        raise TypeError(f"{key}: fixed-length tuples are not supported in task configs")
    if isinstance(value, Mapping):
        raise _Mismatch(f"a list ({_describe(item)} each)")
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    return tuple(_convert(item, v, f"{key}[{i}]") for i, v in enumerate(values))


def _as_scalar(tp, value):
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    else:
        raise TypeError(f"unsupported type in a task config: {tp!r}")
    raise _Mismatch(_describe(tp))


def _describe(tp) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _describe_union(args)
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if tp is tuple or origin is tuple:
        return f"a list ({_describe(args[0] if args else Any)} each)"
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
             dict: "a group of key: value settings"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _describe_union(args) -> str:
    words = [_describe(a) for a in args if a is not type(None)]
    return " or ".join(words) + (" or null" if type(None) in args else "")


def _checked(value, metadata: Mapping, key: str):
    """Apply the field's range and check (to each element of a tuple)."""
    if not metadata or value is None:
        return value
    items = enumerate(value) if isinstance(value, tuple) else [(None, value)]
    for i, item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        where = key if i is None else f"{key}[{i}]"
        if "min" in metadata and item < metadata["min"]:
            raise HoopsimConfigError(where, item, f"must be at least {metadata['min']}")
        if "above" in metadata and item <= metadata["above"]:
            raise HoopsimConfigError(where, item, f"must be greater than {metadata['above']}")
    if "check" in metadata and (problem := metadata["check"](value)):
        raise HoopsimConfigError(key, plain(value), problem)
    return value
