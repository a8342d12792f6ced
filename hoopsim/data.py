"""Where a task's possessions come from: the real logs named in ``data=real`` (or
``data.tracking=... data.pbp=...``), else the embedded synthetic corpus, generated once
into the cache folder. Both go through the same readers and the possession cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from engine.possessions.api import default_cache_dir, load_possessions
from engine.possessions.dataset import PossessionSet
from engine.possessions.ingest import IngestConfig


def cache_root(cfg) -> Path:
    return Path(cfg.cache_dir).expanduser() if cfg.get("cache_dir") else default_cache_dir()


def corpus_dir(cfg) -> Path:
    """The cached synthetic corpus for this config (written on first use)."""
    from envs.synthetic import CORPUS_VERSION
    from envs.synthetic.corpus import write_corpus
    from hoopsim.tasks.synthesize import synthetic_config

    scfg = synthetic_config(cfg.data)
    keyed = {**scfg.__dict__, "corpus_version": CORPUS_VERSION}
    key = hashlib.sha256(json.dumps(keyed, sort_keys=True, default=str).encode()).hexdigest()[:12]
    path = cache_root(cfg) / f"corpus-{key}"
    if not (path / "done").exists():
        write_corpus(path, scfg)
        (path / "done").write_text("ok\n")
    return path


def sources(cfg) -> tuple[str, str]:
    """(tracking, pbp) paths of the configured data."""
    if cfg.data.tracking is None:
        src = corpus_dir(cfg)
        return str(src / "tracking"), str(src / "pbp")
    return str(cfg.data.tracking), str(cfg.data.pbp)


def split_cutoff(cfg, pbp: str) -> str:
    """``data.cutoff``; "auto" puts the first 3/4 of the games (by id) in training."""
    cutoff = str(cfg.data.get("cutoff") or "auto")
    if cutoff != "auto":
        return cutoff
    ids = sorted(p.name.split(".")[0] for p in Path(pbp).iterdir()
                 if p.name.endswith((".csv", ".csv.gz")))
    if len(ids) < 2:
        raise ValueError(f"{pbp}: need at least 2 games to split train / held out")
    return ids[max(1, (3 * len(ids)) // 4)]


def load_data(cfg) -> PossessionSet:
    """Possessions of the configured data (ingested once, then read from the cache),
    split train / test at the data's cutoff."""
    tracking, pbp = sources(cfg)
    icfg = IngestConfig(workers=int(cfg.get("workers", 2)),
                        split_cutoff=split_cutoff(cfg, pbp) if Path(pbp).is_dir()
                        else str(cfg.data.get("cutoff") or "0021500500"))
    ds, _ = load_possessions(tracking, pbp, icfg, cache_dir=cache_root(cfg), progress=True)
    return ds
