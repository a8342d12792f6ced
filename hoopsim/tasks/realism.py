"""hoopsim realism: BC offense vs BC defense from held-out starting states, compared with
the held-out games' play-by-play and tracking; writes realism.json, realism.md, realism.png.
``executor=ray`` runs the rollouts (a unit per block of ``batch`` drawn starts,
hoopsim.realism_units) on Ray with the same results as the local run; finished blocks are
kept as shards in the cache folder until the report is written."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from engine.atomic import write_text_atomic
from engine.errors import HoopsimDataError
from engine.logs.io import expand_paths
from engine.logs.pbp import read_pbp
from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from engine.runtime import resolve_device
from engine.runtime.executor import run_units
from envs.evaluation.realism import (
    RealismConfig,
    box_score_ppp,
    compare,
    markdown_table,
    real_pbp_measures,
    real_tracking_measures,
    real_trajectories,
    rollout_indices,
    team_table,
    trajectory_measures,
)
from envs.starts import StartStates
from hoopsim.configs import plain, to_config
from hoopsim.data import PBP_SUFFIXES, cache_root, path_spec
from hoopsim.evaluation import start_ids
from hoopsim.jobs import executor_config, job_store, unit_threads, weights_digest
from hoopsim.league import league_models
from hoopsim.realism_units import (
    RealismShared,
    merge_measures,
    realism_units,
    rollout_unit,
)
from hoopsim.runs import git_rev, run_dir
from hoopsim.task_configs import RealismTask

log = logging.getLogger(__name__)
CONFIG = RealismTask
RUN_ONLY = ("out", "name", "debug", "executor", "ray", "workers", "cache_dir")   # not what a unit computes


def _finite(x):
    """JSON-safe copy: NaN / inf floats become null."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    return x


def simulate_starts(cfg: RealismTask, starts, offense, defense, rcfg: RealismConfig, device, executor):
    """The rollouts of ``rcfg.n_starts`` drawn held-out starts through the executor seam
    (hoopsim.realism_units: a unit per block of ``batch`` rows) -> (sim measures, drawn rows)."""
    idx = rollout_indices(len(starts), rcfg.n_starts, np.random.default_rng(rcfg.seed))
    ids = start_ids(starts, idx)
    shared = RealismShared(starts.subset(idx), ids, offense, defense, int(rcfg.seed),
                           int(rcfg.max_steps), str(device), unit_threads(cfg.threads))
    settings = {k: v for k, v in plain(cfg).items() if k not in RUN_ONLY}
    store = job_store("realism", cache_root(cfg.cache_dir), settings, ids, str(device),
                      weights_digest(offense, defense), shared.threads)
    units = realism_units(len(idx), rcfg.batch)
    parts = run_units(rollout_unit, units, shared, executor, store, desc="realism rollouts")
    return merge_measures(parts), idx, store


def main(cfg) -> int:
    cfg = to_config(RealismTask, cfg)
    executor = executor_config(cfg)             # executor=ray without Ray fails here
    t_start = time.time()
    rcfg = RealismConfig(cutoff=cfg.cutoff, n_starts=cfg.n_starts, seed=cfg.seed,
                         batch=cfg.batch, max_steps=cfg.max_steps)
    icfg = IngestConfig(rate_hz=None, split_cutoff=rcfg.cutoff, workers=cfg.workers)
    ds, _ = load_possessions(path_spec(cfg.tracking), path_spec(cfg.pbp), icfg, cache_dir=cfg.cache_dir,
                             progress=True)
    late = ds.meta["game_id"].astype(str).to_numpy() >= rcfg.cutoff
    train, test = ds.subset(~late), ds.subset(late)
    if not len(train) or not len(test):
        raise HoopsimDataError(str(cfg.pbp), f"cutoff={rcfg.cutoff}",
                               f"need games before and at/after the cutoff: {len(train)} train, "
                               f"{len(test)} held-out possessions")
    out = run_dir("realism", cfg)         # after the data checks: a bad cutoff leaves no folder
    offense, defense, info = league_models(train, test, cfg.offense, cfg.defense, cfg.seed,
                                           cfg.cache_dir, resolve_device(cfg.device))
    starts = StartStates.from_dataset(test, split="test", cutoff=rcfg.cutoff)
    sim, _, store = simulate_starts(cfg, starts, offense, defense, rcfg, resolve_device(cfg.device),
                                    executor)
    games = sorted(set(test.meta["game_id"].astype(str)))
    pbp_files = [p for p in expand_paths(path_spec(cfg.pbp), PBP_SUFFIXES)
                 if any(g in Path(p).name for g in games)]
    periods = sorted({int(p) for p in starts.period})   # like with like: the starts' periods
    real = real_pbp_measures([read_pbp(p) for p in tqdm(pbp_files, desc="held-out pbp")], periods)
    real.update(real_tracking_measures(test, starts, rcfg.glitch_ftps))
    trajectories, left_out = real_trajectories(test, starts)      # one event detector, both sides
    real.update(trajectory_measures(trajectories, test.rate_hz))
    sim["shots"]["team"] = sim["team"][sim["shots"]["row"].to_numpy()]
    teams = team_table(sim, real, dict(zip(starts.offense_team_id.tolist(), starts.offense.tolist())))
    report = {"meta": {"games": games, "n_games": len(games), "n_starts": int(rcfg.n_starts),
                       "n_distinct_starts": len(starts), "cutoff": rcfg.cutoff,
                       "seed": rcfg.seed, "git_rev": git_rev(),
                       "n_train_games": int(train.meta["game_id"].nunique()),
                       "n_real_possessions_pbp": int(len(real["points"])),
                       "n_real_shots_pbp": int(len(real["shots"])), "real_periods": periods,
                       "n_real_shots_pbp_all_periods": int(len(real["shots_all"])),
                       "real_ppp_box_score": box_score_ppp(real["box"]),
                       "n_sim_shots": int(len(sim["shots"])), "sim_truncated": sim["truncated"],
                       "offense_bc_heldout": info.get("heldout"),
                       "n_real_trajectories": len(trajectories),
                       "n_real_trajectories_left_out": left_out,
                       "shot_calibration": info.get("shot_calibration"), "wall_s": None},
              "metrics": _finite(compare(sim, real, rcfg.targets)), "teams": teams}
    report["meta"]["wall_s"] = round(time.time() - t_start, 1)
    report = _finite(report)
    write_text_atomic(out / "realism.json", json.dumps(report, indent=1, default=float))
    write_text_atomic(out / "realism.md", markdown_table(report))
    from viz.realism_plot import plot_realism
    plot_realism(report, sim, real, out / "realism.png")
    store.clear()                   # the report is written: the rollout shards are done
    passed = [k for k, e in report["metrics"].items() if e["pass"]]
    print(f"realism: {len(passed)}/{len(report['metrics'])} metrics within target; wrote {out}")
    return 0
