"""hoopsim simulate: one offense against one defense from real held-out starting states
(or the named scenarios); per-possession and per-shot tables, a summary with the PPP
interval, and a GIF of the first possession."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from engine.atomic import write_text_atomic
from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeTensors
from engine.runtime import resolve_device, seed_everything
from engine.sim.step import Outcome
from envs.core import default_sim_config
from envs.evaluation.paired import run_cell, summarise
from envs.starts import StartStates, scenario_starts
from hoopsim.configs import plain, to_config
from hoopsim.data import cache_root, load_data
from hoopsim.evaluation import MethodContext, check_method, make_method, schemes
from hoopsim.runs import run_dir
from hoopsim.task_configs import SimulateTask
from planners.checkpoints import resolve as resolve_planner

CONFIG = SimulateTask


def main(cfg) -> int:
    cfg = to_config(SimulateTask, cfg)   # starts: real | scenario; possessions >= 1
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    check_method(cfg.offense)            # an unknown offense fails before the data loads
    (defense, scheme), = schemes(cfg.defense).items()
    cache = cache_root(cfg.cache_dir)
    need_data = cfg.starts == "real" or cfg.offense == "bc"
    ds = load_data(cfg.data, cache, cfg.workers) if need_data else None
    starts = StartStates.from_dataset(ds, split="test") if cfg.starts == "real" else scenario_starts()
    rng = np.random.default_rng(cfg.seed)
    count = cfg.possessions
    idx = rng.choice(len(starts), size=count, replace=count > len(starts))
    sim_cfg, models = default_sim_config(), default_models()
    outcomes_t = OutcomeTensors.from_models(models, device)
    ctx = MethodContext(ds.split("train") if ds is not None else None,
                        ds.split("test") if ds is not None else None,
                        resolve_planner(cfg.planner_checkpoint) if cfg.planner_checkpoint else None,
                        sim_cfg, plain(cfg.playbest), device, cache)
    policy = make_method(cfg.offense, ctx)           # bad playbest options fail before any output
    out = run_dir("simulate", cfg)
    run = run_cell(starts.to_sim(idx, device, outcomes_t, sim_cfg), policy,
                   scheme, outcomes_t, sim_cfg, cfg.seed, cfg.batch, cfg.max_steps,
                   keep_positions=min(count, cfg.keep_plays) if cfg.keep_plays else 1)
    table = pd.DataFrame({"start": idx, "points": run.points,
                          "outcome": [Outcome(int(o)).name.lower() for o in run.outcome],
                          "length_s": run.length_s, "passes": run.n_passes})
    table.to_csv(out / "possessions.csv", index=False)
    run.shots.to_csv(out / "shots.csv", index=False)
    summary = {"offense": cfg.offense, "defense": defense, **summarise(run)}
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1, default=float) + "\n")
    if cfg.keep_plays:
        from hoopsim.plays import write_play_cache

        rows = [{"offense": cfg.offense, "defense": defense, "start": int(idx[i]), "points": float(run.points[i]),
                 "outcome": Outcome(int(run.outcome[i])).name.lower()} for i in range(len(run.positions))]
        write_play_cache(out / "possessions", run.positions, 1.0 / sim_cfg.dt_s, rows)
    from viz.report_html import play_gif
    (out / "possession.gif").write_bytes(play_gif(run.positions[0], f"{cfg.offense} vs {defense}"))
    print(f"{cfg.offense} vs {defense}: PPP {summary['ppp']:.3f} "
          f"[{summary['ci95'][0]:.3f}, {summary['ci95'][1]:.3f}] over {summary['n']} possessions")
    if cfg.keep_plays:
        print(f"plays: {out / 'possessions'}:<0..{len(run.positions) - 1}> (hoopsim judge / commentary / render)")
    print(f"outputs: {out}")
    return 0
