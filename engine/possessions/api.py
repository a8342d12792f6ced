"""Python API for analysts: ``load_possessions(tracking, pbp, ...)``.

Ingests the given files (or reuses a cache keyed by the files' names, sizes and
modification times and by the config) and returns the possession arrays and a
pandas DataFrame with one row per possession.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from engine.logs.io import TRACKING_SUFFIXES, expand_paths
from engine.possessions.dataset import PossessionSet, load_cache, save_cache
from engine.possessions.ingest import IngestConfig, ingest


def default_cache_dir() -> Path:
    """Caches live outside the repository: $HOOPSIM_CACHE or ~/.cache/hoopsim."""
    return Path(os.environ.get("HOOPSIM_CACHE", Path.home() / ".cache" / "hoopsim"))


def cache_key(files: list[str], cfg: IngestConfig) -> str:
    h = hashlib.sha256()
    for f in files:
        st = os.stat(f)
        h.update(f"{os.path.abspath(f)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    cfg_d = asdict(cfg)
    cfg_d.pop("workers", None)
    h.update(json.dumps(cfg_d, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def load_possessions(tracking, pbp, cfg: IngestConfig | None = None,
                     cache_dir: str | Path | None = None, split: str | None = None,
                     progress: bool = False) -> tuple[PossessionSet, pd.DataFrame]:
    """Possessions of the given tracking and play-by-play files (file, dir, glob or list).

    split: None for all, or 'train' / 'test' under cfg.split_cutoff.
    Returns (PossessionSet with .arrays, DataFrame of per-possession metadata).
    """
    cfg = cfg or IngestConfig()
    t_files = expand_paths(tracking, TRACKING_SUFFIXES)
    p_files = expand_paths(pbp, (".csv", ".csv.gz"))
    directory = Path(cache_dir or default_cache_dir()) / f"possessions-{cache_key(t_files + p_files, cfg)}"
    if (directory / "manifest.json").exists():
        ds, _ = load_cache(directory)
    else:
        ds, summary = ingest(t_files, p_files, cfg, progress=progress)
        save_cache(ds, directory, {"config": summary["config"], "totals": summary["totals"],
                                   "skipped": summary["skipped"]})
    if split is not None:
        ds = ds.split(split)
    return ds, ds.meta
