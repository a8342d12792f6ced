"""hoopsim ingest: tracking + play-by-play -> possession cache, summary.json, datasheet.md.

Each skipped game is named on the console with its reason, and so is each period whose
tracking covers less than half of its play-by-play clock (also listed in datasheet.md);
when no game could be ingested the command fails (exit code 2) and writes nothing.
``executor=ray`` runs one unit per game on Ray; finished games are kept as shards in the
cache folder until the merged outputs are written, so a rerun of a killed ingest reads them."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from engine.atomic import write_text_atomic
from engine.errors import HoopsimDataError
from engine.logs.io import TRACKING_SUFFIXES, expand_paths
from engine.possessions.api import cache_key as possession_key
from engine.possessions.dataset import save_cache
from engine.possessions.datasheet import write_datasheet
from engine.possessions.ingest import IngestConfig, ingest
from hoopsim.configs import to_config
from hoopsim.data import PBP_SUFFIXES, path_spec
from engine.runtime.cache import default_cache_dir
from engine.runtime.executor import ExecutorConfig
from hoopsim.jobs import executor_config, job_store
from hoopsim.runs import run_dir
from hoopsim.task_configs import IngestTask

log = logging.getLogger(__name__)
CONFIG = IngestTask


def ingest_config(cfg: IngestTask) -> IngestConfig:
    """The task's settings as an IngestConfig (``periods``: tracked | all | a list of ints)."""
    periods = cfg.periods if isinstance(cfg.periods, str) else list(cfg.periods)
    return IngestConfig(periods=periods, rate_hz=cfg.rate_hz, max_seconds=cfg.max_seconds,
                        split_cutoff=cfg.split_cutoff, workers=cfg.workers, reward=cfg.reward)


def ingest_files(tracking, pbp, icfg: IngestConfig, executor: ExecutorConfig | None = None,
                 store=None):
    """(tracking files, pbp files, dataset, summary); nothing ingested is a HoopsimDataError
    naming the first skipped file and its reason. ``executor``: where the games run
    (default: ``icfg.workers`` local processes); ``store``: the per-game shards."""
    tracking_files = expand_paths(tracking, TRACKING_SUFFIXES)
    pbp_files = expand_paths(pbp, PBP_SUFFIXES)
    start = time.perf_counter()
    ds, summary = ingest(tracking_files, pbp_files, icfg, executor=executor, store=store)
    summary["wall_s"] = round(time.perf_counter() - start, 2)
    if not summary["games"]:
        first = summary["skipped"][0] if summary["skipped"] else {
            "file": str(tracking), "record": "files", "reason": "no game to ingest"}
        raise HoopsimDataError(first["file"], first["record"],
                               f"{first['reason']} (no game ingested; {len(summary['skipped'])} skipped)")
    return tracking_files, pbp_files, ds, summary


def write_outputs(out: Path, tracking_files, pbp_files, ds, summary: dict) -> None:
    """possessions/ cache, summary.json and datasheet.md into ``out``."""
    save_cache(ds, out / "possessions", {"config": summary["config"],
                                         "sources": {"tracking": tracking_files, "pbp": pbp_files}})
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=str))
    write_datasheet(out / "datasheet.md", summary, ds)


def run_ingest(tracking, pbp, out: Path, icfg: IngestConfig) -> dict:
    """Ingest files into ``out`` (possessions/ cache, summary.json, datasheet.md)."""
    tracking_files, pbp_files, ds, summary = ingest_files(tracking, pbp, icfg)
    write_outputs(out, tracking_files, pbp_files, ds, summary)
    return summary


def main(cfg) -> int:
    cfg = to_config(IngestTask, cfg)
    icfg = ingest_config(cfg)
    executor = executor_config(cfg, workers=cfg.workers)
    tracking, pbp = path_spec(cfg.tracking), path_spec(cfg.pbp)
    files = expand_paths(tracking, TRACKING_SUFFIXES) + expand_paths(pbp, PBP_SUFFIXES)
    store = job_store("ingest", default_cache_dir(), possession_key(files, icfg))
    tracking_files, pbp_files, ds, summary = ingest_files(tracking, pbp, icfg, executor, store)
    out = run_dir("ingest", cfg)
    write_outputs(out, tracking_files, pbp_files, ds, summary)
    store.clear()                   # the merged outputs are written: the shards are done
    for s in summary["skipped"]:
        print(f"skipped {s['file']} ({s['record']}): {s['reason']}")
    for low in summary["totals"]["low_coverage"]:
        print(f"warning: game {low['game_id']} period {low['period']}: tracking covers "
              f"{100 * low['covered_share']:.0f}% of the play-by-play clock")
    totals = summary["totals"]
    print(f"ingested {totals['games']} games, {totals['possessions']} possessions, "
          f"{totals['points']} points in {summary['wall_s']} s; skipped {len(summary['skipped'])}; "
          f"wrote {out}")
    return 0
