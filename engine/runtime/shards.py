"""The one shard store of every job split into units (engine.runtime.executor): a finished
unit's result is kept on disk so that a rerun of a killed job recomputes only what is missing.

A unit's result is a tree of plain values: dict, list, tuple, None, bool, int, float, str,
numpy arrays and numpy scalars. :func:`encode` splits it into JSON text (the tree, arrays
replaced by references) and a list of arrays; :func:`decode` rebuilds it exactly (dtypes,
tuples and non-string dict keys kept). A shard file is ``<key>.npz`` holding the arrays and
the JSON, written atomically and read with ``allow_pickle=False``: nothing read from disk is
ever unpickled. Every result a job merges went through this codec, whether it was computed
now or found on disk, so a resumed run merges exactly what a fresh one does.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np

from engine.atomic import atomic_path

JSON_ENTRY = "__tree__"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)      # zip entries without a clock: same bytes every run


def _enc(value, arrays: list[np.ndarray]):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError("object arrays cannot be stored without pickling; use lists")
        arrays.append(value)
        return {"__a": len(arrays) - 1}
    if isinstance(value, np.generic):
        arrays.append(np.asarray(value))
        return {"__s": len(arrays) - 1}
    if isinstance(value, tuple):
        return {"__t": [_enc(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_enc(v, arrays) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            if any(k.startswith("__") for k in value):
                return {"__d": [[k, _enc(v, arrays)] for k, v in value.items()]}
            return {k: _enc(v, arrays) for k, v in value.items()}
        return {"__d": [[_enc(k, arrays), _enc(v, arrays)] for k, v in value.items()]}
    if isinstance(value, int):                   # int subclasses (IntEnum, ...)
        return int(value)
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a shard")


def _dec(value, arrays: list[np.ndarray]):
    if isinstance(value, list):
        return [_dec(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == "__a":
            return arrays[inner]
        if tag == "__s":
            return arrays[inner][()]
        if tag == "__t":
            return tuple(_dec(v, arrays) for v in inner)
        if tag == "__d":
            return {_hashable(_dec(k, arrays)): _dec(v, arrays) for k, v in inner}
    return {k: _dec(v, arrays) for k, v in value.items()}


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def encode(result) -> tuple[str, list[np.ndarray]]:
    """A unit's result -> (JSON text of the tree, the arrays it references)."""
    arrays: list[np.ndarray] = []
    text = json.dumps(_enc(result, arrays), allow_nan=True)
    return text, arrays


def decode(text: str, arrays: list[np.ndarray]):
    """Inverse of :func:`encode`."""
    return _dec(json.loads(text), arrays)


def roundtrip(result):
    """``result`` as it reads back from a shard (copies of its arrays)."""
    text, arrays = encode(result)
    return decode(text, [np.array(a, copy=True) for a in arrays])


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
    """Like np.savez (uncompressed) but byte-identical for identical arrays (no clock in
    the zip entries), written atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.asanyarray(arr), allow_pickle=False)
                zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME), buf.getvalue())
    return path


def _file_name(key: str) -> str:
    """A unit key as a file name: readable characters kept, plus a short hash (two keys
    that differ only in replaced characters still get two files)."""
    safe = re.sub(r"[^A-Za-z0-9._=-]+", "_", key)[:80]
    return f"{safe}.{hashlib.sha256(key.encode()).hexdigest()[:10]}.npz"


class ShardStore:
    """Finished units of one job in ``folder`` (one ``.npz`` per unit key)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / _file_name(key)

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def save(self, key: str, result) -> None:
        text, arrays = encode(result)
        entries = {f"a{i}": a for i, a in enumerate(arrays)}
        entries[JSON_ENTRY] = np.frombuffer(json.dumps({"key": key, "tree": text}).encode(), np.uint8)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_npz(self.path(key), entries)

    def load(self, key: str):
        """The result stored for ``key`` (ValueError when the file holds another key or is
        unreadable: the caller recomputes that unit)."""
        try:
            with np.load(self.path(key), allow_pickle=False) as z:
                head = json.loads(bytes(z[JSON_ENTRY]).decode())
                arrays = [z[f"a{i}"] for i in range(len(z.files) - 1)]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{self.path(key)}: unreadable shard ({exc})") from exc
        if head.get("key") != key:
            raise ValueError(f"{self.path(key)}: shard of unit {head.get('key')!r}, not {key!r}")
        return decode(head["tree"], arrays)

    def clear(self) -> None:
        """Remove the folder (after the job's outputs are written)."""
        shutil.rmtree(self.folder, ignore_errors=True)
