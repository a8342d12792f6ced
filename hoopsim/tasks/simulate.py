"""hoopsim simulate: one offense against one defense from real held-out starting states
(or the named scenarios); per-possession and per-shot tables, a summary with the PPP
interval, and a GIF of the first possession."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError
from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeTensors
from engine.runtime import resolve_device, seed_everything
from engine.sim.step import Outcome
from envs.core import default_sim_config
from envs.evaluation.paired import run_cell, summarise
from envs.starts import StartStates, scenario_starts
from hoopsim.runs import run_dir
from hoopsim.data import cache_root, load_data
from hoopsim.evaluation import MethodContext, make_method, schemes


def main(cfg) -> int:
    seed_everything(int(cfg.seed))
    device = resolve_device(str(cfg.device))
    if str(cfg.starts) not in ("real", "scenario"):
        raise HoopsimConfigError("starts", str(cfg.starts), "choose real or scenario")
    count = int(cfg.possessions)
    if count < 1:
        raise HoopsimConfigError("possessions", count, "must be at least 1")
    ds = load_data(cfg) if cfg.starts == "real" or str(cfg.offense) == "bc" else None
    starts = StartStates.from_dataset(ds, split="test") if cfg.starts == "real" else scenario_starts()
    rng = np.random.default_rng(int(cfg.seed))
    idx = rng.choice(len(starts), size=count, replace=count > len(starts))
    sim_cfg, models = default_sim_config(), default_models()
    outcomes_t = OutcomeTensors.from_models(models, device)
    ctx = MethodContext(ds.split("train") if ds is not None else None,
                        ds.split("test") if ds is not None else None,
                        Path(str(cfg.planner_checkpoint)) if cfg.planner_checkpoint else None,
                        sim_cfg, OmegaConf.to_container(cfg.playbest), device, cache_root(cfg))
    (defense, scheme), = schemes(cfg).items()
    policy = make_method(str(cfg.offense), ctx)      # an unknown offense fails before any output
    out = run_dir("simulate", cfg)
    run = run_cell(starts.to_sim(idx, device, outcomes_t, sim_cfg), policy,
                   scheme, outcomes_t, sim_cfg, int(cfg.seed), int(cfg.batch),
                   int(cfg.max_steps), keep_positions=1)
    table = pd.DataFrame({"start": idx, "points": run.points,
                          "outcome": [Outcome(int(o)).name.lower() for o in run.outcome],
                          "length_s": run.length_s, "passes": run.n_passes})
    table.to_csv(out / "possessions.csv", index=False)
    run.shots.to_csv(out / "shots.csv", index=False)
    summary = {"offense": str(cfg.offense), "defense": defense, **summarise(run)}
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1, default=float) + "\n")
    from viz.report_html import play_gif
    (out / "possession.gif").write_bytes(play_gif(run.positions[0], f"{cfg.offense} vs {defense}"))
    print(f"{cfg.offense} vs {defense}: PPP {summary['ppp']:.3f} "
          f"[{summary['ci95'][0]:.3f}, {summary['ci95'][1]:.3f}] over {summary['n']} possessions")
    print(f"outputs: {out}")
    return 0
