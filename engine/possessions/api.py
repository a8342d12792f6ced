"""Python API for analysts: ``load_possessions(tracking, pbp, ...)``.

Ingests the given files (or reuses a cache keyed by the files' names, sizes and
contents and by the config, through engine.runtime.cache) and returns the
possession arrays and a pandas DataFrame with one row per possession. A cache written
with another schema version is rebuilt, with one log line.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from engine.logs.io import TRACKING_SUFFIXES, expand_paths
from engine.possessions.dataset import PossessionSet, cache_schema, load_cache, save_cache
from engine.possessions.ingest import IngestConfig, ingest
from engine.runtime.cache import cache_folder, default_cache_dir, file_stamp
from engine.runtime.cache import cache_key as _cache_key
from engine.runtime.executor import ExecutorConfig
from engine.runtime.shards import ShardStore
from engine.schema import SCHEMA_VERSION

__all__ = ["cache_key", "default_cache_dir", "load_possessions"]

log = logging.getLogger(__name__)


# What the cached arrays and columns mean; a change of meaning bumps it so old caches
# rebuild. 2: reward_reliable reads the shot clock at the last decision point.
POSSESSION_FORMAT = 2


def cache_key(files: list[str], cfg: IngestConfig) -> str:
    """Key of the possession cache: every file's stamp, the config (workers aside) and
    POSSESSION_FORMAT."""
    settings = asdict(cfg)
    settings.pop("workers", None)
    return _cache_key([file_stamp(f) for f in files], settings, {"possession_format": POSSESSION_FORMAT})


def load_possessions(tracking, pbp, cfg: IngestConfig | None = None,
                     cache_dir: str | Path | None = None, split: str | None = None,
                     progress: bool = False, executor: ExecutorConfig | None = None
                     ) -> tuple[PossessionSet, pd.DataFrame]:
    """Possessions of the given tracking and play-by-play files (file, dir, glob or list).

    split: None for all, or 'train' / 'test' under cfg.split_cutoff. executor: where the
    games of a new cache are ingested (default: cfg.workers local processes); finished
    games are kept as shards next to the cache until it is written (a rerun resumes).
    Returns (PossessionSet with .arrays, DataFrame of per-possession metadata).
    """
    cfg = cfg or IngestConfig()
    tracking_files = expand_paths(tracking, TRACKING_SUFFIXES)
    pbp_files = expand_paths(pbp, (".csv", ".csv.gz"))
    key = cache_key(tracking_files + pbp_files, cfg)
    directory = cache_folder("possessions", key, cache_dir)
    found = cache_schema(directory) if (directory / "manifest.json").exists() else None
    if found is not None and found != SCHEMA_VERSION:
        log.info("possession cache %s has schema %s, the code writes %s: rebuilding it",
                 directory, found, SCHEMA_VERSION)
    if found == SCHEMA_VERSION:
        ds, _ = load_cache(directory)
    else:
        store = ShardStore(directory.parent / f"shards-possessions-{key}")
        ds, summary = ingest(tracking_files, pbp_files, cfg, progress=progress, executor=executor,
                             store=store)
        save_cache(ds, directory, {"config": summary["config"], "totals": summary["totals"],
                                   "skipped": summary["skipped"]})
        store.clear()
    if split is not None:
        ds = ds.split(split)
    return ds, ds.meta
