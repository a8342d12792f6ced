"""The one cache helper: every derived artefact (possession caches, fitted behaviour
models, trained planners, the synthetic corpus, outcome fits) lives in
``<root>/<kind>-<key>/`` where ``key`` hashes everything the artefact depends on.

``cache_key(*parts)`` hashes JSON-ready parts (dataclasses become dicts, paths their
resolved strings) together with the cache format, so a change of format gives new keys:
an old cache is then rebuilt, and :func:`cache_folder` says so in one log line when it
finds folders of the same kind under other keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_FORMAT = 2   # 2: one key recipe for every cache (engine.runtime.cache)


def default_cache_dir() -> Path:
    """Caches live outside the repository: $HOOPSIM_CACHE or ~/.cache/hoopsim."""
    return Path(os.environ.get("HOOPSIM_CACHE", Path.home() / ".cache" / "hoopsim"))


def _plain(obj):
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, Path):
        return str(obj.expanduser().resolve())
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    return str(obj)


def cache_key(*parts, digits: int = 16) -> str:
    """Hex digest (``digits`` long) of the canonical JSON of ``parts`` and CACHE_FORMAT."""
    text = json.dumps([CACHE_FORMAT, *parts], sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


_DIGESTS: dict[tuple, str] = {}


def file_stamp(path: str | Path) -> str:
    """'<absolute path>|<size>|<content digest>': a file's identity for a cache key.

    The digest is of the content, not the modification time: a data folder copied anew
    (same bytes, new times) keeps its caches. Digests are remembered per process by
    (path, size, mtime, inode), so a file is read once per process (~0.3 s per 100 MB).
    """
    st = os.stat(path)
    full = os.path.abspath(path)
    memo = (full, st.st_size, st.st_mtime_ns, st.st_ino)
    if memo not in _DIGESTS:
        h = hashlib.blake2b(digest_size=16)
        with open(full, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _DIGESTS[memo] = h.hexdigest()
    return f"{full}|{st.st_size}|{_DIGESTS[memo]}"


def cache_folder(kind: str, key: str, root: str | Path | None = None) -> Path:
    """``<root>/<kind>-<key>`` (root: default_cache_dir()). When it does not exist yet
    but folders of the same kind do, one line says that this cache will be rebuilt."""
    base = Path(root).expanduser() if root else default_cache_dir()
    folder = base / f"{kind}-{key}"
    if not folder.exists() and base.is_dir():
        others = [p.name for p in base.glob(f"{kind}-*") if p.is_dir() and p.name.count("-") == kind.count("-") + 1]
        if others:
            log.info("%s cache: no entry for key %s (inputs, config or cache format %d changed): "
                     "building %s", kind, key, CACHE_FORMAT, folder)
    return folder
