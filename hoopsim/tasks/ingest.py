"""hoopsim ingest: tracking + play-by-play -> possession cache, summary.json, datasheet.md."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from omegaconf import OmegaConf

from engine.atomic import write_text_atomic
from engine.logs.io import TRACKING_SUFFIXES, expand_paths
from engine.possessions.dataset import save_cache
from engine.possessions.datasheet import write_datasheet
from engine.possessions.ingest import IngestConfig, ingest
from hoopsim.cli import run_dir

log = logging.getLogger(__name__)


def ingest_config(cfg) -> IngestConfig:
    periods = cfg.periods
    if OmegaConf.is_list(periods):
        periods = [int(p) for p in periods]
    return IngestConfig(periods=periods, rate_hz=cfg.rate_hz, max_seconds=cfg.max_seconds,
                        split_cutoff=str(cfg.split_cutoff), workers=int(cfg.workers),
                        reward=str(cfg.reward))


def run_ingest(tracking, pbp, out: Path, icfg: IngestConfig) -> dict:
    """Ingest files into ``out`` (possessions/ cache, summary.json, datasheet.md)."""
    t_files = expand_paths(tracking, TRACKING_SUFFIXES)
    p_files = expand_paths(pbp, (".csv", ".csv.gz"))
    start = time.perf_counter()
    ds, summary = ingest(t_files, p_files, icfg)
    summary["wall_s"] = round(time.perf_counter() - start, 2)
    save_cache(ds, out / "possessions", {"config": summary["config"],
                                         "sources": {"tracking": t_files, "pbp": p_files}})
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=str))
    write_datasheet(out / "datasheet.md", summary, ds)
    return summary


def main(cfg) -> int:
    out = run_dir("ingest", cfg)
    tracking = list(cfg.tracking) if OmegaConf.is_list(cfg.tracking) else str(cfg.tracking)
    pbp = list(cfg.pbp) if OmegaConf.is_list(cfg.pbp) else str(cfg.pbp)
    summary = run_ingest(tracking, pbp, out, ingest_config(cfg))
    t = summary["totals"]
    print(f"ingested {t['games']} games, {t['possessions']} possessions, {t['points']} points "
          f"in {summary['wall_s']} s; skipped {len(summary['skipped'])}; wrote {out}")
    return 0
