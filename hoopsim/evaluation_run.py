"""The paired evaluation behind ``hoopsim evaluate`` and ``hoopsim demo``: every (method,
defense) cell from the same held-out real starts with the same simulator random numbers;
outcomes from models fitted on the held-out games.

``prepare`` loads the data, the evaluator and the starting states and checks the user's
values (methods, defenses, offense_team) before any run folder exists; ``run_evaluation``
plays the cells and writes ``<out>/results.json`` (schema in README), ``<out>/results.md``
and, with ``report=true``, ``<out>/report.html``.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError
from engine.outcomes.torch_eval import OutcomeTensors
from engine.runtime import resolve_device, seed_everything
from envs.core import default_sim_config
from envs.evaluation.paired import (
    binned_rates,
    ground_truth,
    paired,
    ranking_agrees,
    rescore_binned,
    run_cell,
    summarise,
)
from envs.starts import StartStates
from hoopsim.runs import git_rev
from hoopsim.data import cache_root, load_data
from hoopsim.evaluation import (
    MethodContext,
    evaluation_outcomes,
    make_method,
    playbest_scale,
    real_shots_after,
    schemes,
    start_ids,
)
from hoopsim.results import markdown, outside_support, write_report
from hoopsim.training import cached_planner

log = logging.getLogger(__name__)


def planner_dir(cfg, ds) -> Path | None:
    """The configured checkpoint, or one trained with planner=<preset> and cached."""
    if not any(playbest_scale(m) is not None for m in list(cfg.methods) + [cfg.table5.method]):
        return None
    if cfg.planner_checkpoint:
        return Path(str(cfg.planner_checkpoint)).expanduser()
    return cached_planner(ds, cfg, cache_root(cfg))


def choose_starts(cfg, ds):
    """(held-out StartStates, the ``possessions`` row indices drawn by ``seed``); an
    ``offense_team`` without held-out starts is a HoopsimConfigError."""
    starts = StartStates.from_dataset(ds, split="test")
    if cfg.offense_team:
        team = str(cfg.offense_team)
        try:
            starts = starts.for_team(team)
        except ValueError:
            teams = sorted({str(o) for o in starts.offense})
            raise HoopsimConfigError("offense_team", team, "no held-out start state has this "
                                     f"offense; teams: {', '.join(teams)}") from None
    rng = np.random.default_rng(int(cfg.seed))
    count = int(cfg.possessions)
    idx = rng.choice(len(starts), size=count, replace=count > len(starts))
    return starts, idx


def schemes_default(name: str):
    from envs.defense import DEFENSES

    return DEFENSES.make(name)


def run_cells(cfg, ctx, starts, idx, outcomes_t, models_eval, cells_spec, n_keep=1):
    """[(method, defense, horizon)] -> {(method, defense, horizon): (CellRun, policy)}."""
    runs, by_name = {}, schemes(cfg)
    for method, defense, horizon in cells_spec:
        t0 = time.perf_counter()
        policy = make_method(method, ctx, horizon)
        start = starts.to_sim(idx, ctx.device, outcomes_t, ctx.sim_cfg)
        scheme = by_name.get(defense) or schemes_default(defense)
        run = run_cell(start, policy, scheme, outcomes_t, ctx.sim_cfg, int(cfg.seed),
                       int(cfg.batch), int(cfg.max_steps), keep_positions=n_keep)
        log.info("%s vs %s%s: PPP %.3f (n=%d) in %.1f s", method, defense,
                 f" h={horizon}" if horizon else "", run.points.mean(), len(run.points),
                 time.perf_counter() - t0)
        runs[(method, defense, horizon)] = (run, policy)
    return runs


def cell_entry(method, defense, run, policy, binned_table, models_eval) -> dict:
    entry = {"method": method, "defense": defense, **summarise(run)}
    scores = np.asarray(getattr(policy, "scores", []), float)
    entry["value_model_score"] = (float(np.nanmean(scores)) if np.isfinite(scores).any() else None)
    entry["ppp_binned_evaluator"] = float(rescore_binned(run, binned_table).mean())
    entry["outside_support"] = outside_support(models_eval, run.shots)
    return entry


@dataclass
class Prepared:
    """What an evaluation needs before it plays a cell: the possessions, the held-out
    cutoff, the evaluator's models (and as tensors), the chosen starting states."""

    ds: object
    cutoff: str
    models_eval: object
    outcomes_t: OutcomeTensors
    starts: StartStates
    idx: np.ndarray
    device: torch.device
    t_start: float


def prepare(cfg) -> Prepared:
    """Load the data and the evaluator and choose the starts; raises the user-facing
    errors (bad data, unknown defense, offense_team without starts) before any output."""
    t_start = time.perf_counter()
    seed_everything(int(cfg.seed))
    if cfg.get("threads"):
        torch.set_num_threads(int(cfg.threads))
    device = resolve_device(str(cfg.device))
    schemes(cfg)                                          # unknown defenses fail here
    ds = load_data(cfg)
    starts, idx = choose_starts(cfg, ds)
    cutoff = str(ds.meta.loc[ds.meta["split"] == "test", "game_id"].astype(str).min())
    models_eval = evaluation_outcomes(cfg, cutoff)
    outcomes_t = OutcomeTensors.from_models(models_eval, device)
    return Prepared(ds, cutoff, models_eval, outcomes_t, starts, idx, device, t_start)


def run_evaluation(cfg, out: Path, prep: Prepared | None = None) -> tuple[dict, dict]:
    """The whole evaluation (module docstring) -> (results dict, the cells' runs)."""
    prep = prep or prepare(cfg)
    ds, models_eval, outcomes_t, starts, idx = prep.ds, prep.models_eval, prep.outcomes_t, prep.starts, prep.idx
    ctx = MethodContext(ds.split("train"), ds.split("test"), planner_dir(cfg, ds),
                        default_sim_config(), OmegaConf.to_container(cfg.playbest), prep.device,
                        cache_root(cfg))
    spec = [(m, d, None) for m in cfg.methods for d in schemes(cfg)]
    runs = run_cells(cfg, ctx, starts, idx, outcomes_t, models_eval, spec)
    table = binned_rates(real_shots_after(cfg, prep.cutoff), models_eval.rates["ft_pct"])
    cells = [cell_entry(m, d, r, p, table, models_eval) for (m, d, _), (r, p) in runs.items()]
    results = {"meta": {"seed": int(cfg.seed), "n": int(cfg.possessions),
                        "start_state_ids": start_ids(starts, idx),
                        "outcome_model_version": f"v{models_eval.version} fitted on games "
                                                 f"{evaluator_games(models_eval)}",
                        "git_rev": git_rev(), "wall_s": None, "device": str(prep.device),
                        "planner_checkpoint": str(ctx.planner_dir) if ctx.planner_dir else None,
                        "playbest": OmegaConf.to_container(cfg.playbest),
                        "binned_evaluator": table},
               "cells": cells, "paired": paired_rows(cfg, runs),
               "table5": table5(cfg, ctx, starts, outcomes_t, models_eval),
               "ground_truth": ground_truth(ctx.test_ds, start_ids(starts, idx), models_eval)}
    results["ranking_check"] = ranking_check(cells)
    results["meta"]["wall_s"] = round(time.perf_counter() - prep.t_start, 1)
    write_text_atomic(out / "results.json", json.dumps(results, indent=1, default=float) + "\n")
    write_text_atomic(out / "results.md", markdown(results))
    if cfg.get("report"):
        write_report(out, results, runs)
    return results, runs


def evaluator_games(models) -> str:
    """Which games the evaluator was fitted on, in words."""
    if models.cutoff.startswith(">="):
        return f"{models.cutoff} ({len(models.games_fit)} held-out games)"
    return f"< {models.cutoff} ({len(models.games_fit)} real games; the shipped default)"


def paired_rows(cfg, runs) -> list[dict]:
    """Every guided PlayBest minus every other method, per defense."""
    rows = []
    for (a, d, _), (ra, _) in runs.items():
        if not (playbest_scale(a) or 0) > 0:
            continue
        for (b, d2, _), (rb, _) in runs.items():
            if d2 == d and b != a:
                rows.append({"a": a, "b": b, "defense": d, **paired(ra.points, rb.points)})
    return rows


def table5(cfg, ctx, starts, outcomes_t, models_eval) -> list[dict]:
    n = int(cfg.table5.possessions)
    if n <= 0:
        return []
    rng = np.random.default_rng(int(cfg.seed) + 5)
    idx = rng.choice(len(starts), size=n, replace=n > len(starts))
    dt = ctx.sim_cfg.dt_s                  # the planner plans at the data rate, one frame per step
    spec = [(str(cfg.table5.method), d, max(4, int(round(h / dt))))
            for h in cfg.table5.horizons_s for d in cfg.table5.defenses]
    runs = run_cells(cfg, ctx, starts, idx, outcomes_t, models_eval, spec, n_keep=0)
    rows = []
    for (_, d, h), (run, _) in runs.items():
        s = summarise(run)
        rows.append({"horizon_s": round(h * dt, 1), "horizon_frames": h, "defense": d,
                     "ppp": s["ppp"], "ci95": s["ci95"], "n": s["n"]})
    return rows


def ranking_check(cells: list[dict]) -> list[dict]:
    """Per defense: does the binned evaluator rank the methods like the fitted one?"""
    rows = []
    for d in sorted({c["defense"] for c in cells}):
        cs = [c for c in cells if c["defense"] == d]
        rows.append({"defense": d, **ranking_agrees({c["method"]: c["ppp"] for c in cs},
                                                   {c["method"]: c["ppp_binned_evaluator"] for c in cs})})
    return rows
