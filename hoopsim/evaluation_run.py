"""The paired evaluation behind ``hoopsim evaluate`` and ``hoopsim demo``: every (method,
defense) cell from the same held-out real starts with the same simulator random numbers;
outcomes from models fitted on the held-out games.

Both take the task's typed config (hoopsim.task_configs.EvaluateTask). ``prepare`` loads
the data, the evaluator and the starting states and checks the user's values (methods,
playbest options, defenses, offense_team) before any run folder exists; ``run_evaluation``
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

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError
from engine.outcomes.torch_eval import OutcomeTensors
from engine.runtime import resolve_device, seed_everything
from envs.core import default_sim_config
from envs.evaluation.paired import (
    binned_rates,
    expected_points,
    ground_truth,
    paired,
    ranking_agrees,
    rescore_binned,
    summarise,
)
from envs.starts import StartStates
from hoopsim.configs import plain
from hoopsim.data import cache_root, load_data
from engine.runtime.executor import run_units
from hoopsim.evaluation import (
    MethodContext,
    check_method,
    evaluation_outcomes,
    playbest_scale,
    real_shots_after,
    schemes,
    shared_models,
    start_ids,
)
from hoopsim.evaluation_units import (
    EvalShared,
    cell_units,
    checkpoint_stamp,
    merge_cell,
    merge_cells,
    play_unit,
    unit_timing,
)
from hoopsim.jobs import executor_config, job_store, unit_threads
from hoopsim.results import markdown, outside_support, write_report
from hoopsim.runs import git_rev
from hoopsim.task_configs import EvaluateTask
from hoopsim.training import cached_planner
from planners.checkpoints import resolve as resolve_planner

log = logging.getLogger(__name__)


def planner_dir(cfg: EvaluateTask, ds) -> Path | None:
    """The configured checkpoint, or one trained with planner=<preset> and cached."""
    if not any(playbest_scale(m) is not None for m in planner_ids(cfg)):
        return None
    if cfg.planner_checkpoint:
        return resolve_planner(cfg.planner_checkpoint)
    return cached_planner(ds, cfg.planner, cache_root(cfg.cache_dir), reward=cfg.reward,
                          seed=cfg.seed, device=cfg.device)


def planner_ids(cfg: EvaluateTask) -> list[str]:
    """Every method id the run plays: ``methods`` and, when it runs, the Table 5 method."""
    return list(cfg.methods) + ([cfg.table5.method] if cfg.table5.possessions > 0 else [])


def check_methods(cfg: EvaluateTask) -> None:
    """Unknown method ids and bad ``playbest`` options fail here, before any output."""
    from planners.methods import PLANNER_METHODS

    for method in planner_ids(cfg):
        check_method(method, cfg.agents)
    if any(playbest_scale(m) is not None for m in planner_ids(cfg)):
        PLANNER_METHODS.config("playbest", plain(cfg.playbest))


def choose_starts(cfg: EvaluateTask, ds):
    """(held-out StartStates, the ``possessions`` row indices drawn by ``seed``); an
    ``offense_team`` without held-out starts is a HoopsimConfigError."""
    starts = StartStates.from_dataset(ds, split="test")
    if cfg.offense_team:
        team = cfg.offense_team
        try:
            starts = starts.for_team(team)
        except ValueError:
            teams = sorted({str(o) for o in starts.offense})
            raise HoopsimConfigError("offense_team", team, "no held-out start state has this "
                                     f"offense; teams: {', '.join(teams)}") from None
    rng = np.random.default_rng(cfg.seed)
    count = cfg.possessions
    idx = rng.choice(len(starts), size=count, replace=count > len(starts))
    return starts, idx


def evaluation_job(cfg: EvaluateTask, prep: Prepared, ctx: MethodContext):
    """(units, shared object, t5 start rows) of the whole evaluation: the main cells and the
    Table 5 cells, each split into blocks of ``batch`` starts (hoopsim.evaluation_units)."""
    names = list(schemes(cfg.defense, cfg.defenses))
    main = [(m, d, None) for m in cfg.methods for d in names]
    t5_idx, t5_spec = table5_plan(cfg, ctx, prep.starts)
    starts = {"main": prep.starts.subset(prep.idx), "t5": prep.starts.subset(t5_idx)}
    ids = {"main": start_ids(prep.starts, prep.idx), "t5": start_ids(prep.starts, t5_idx)}
    methods = {m for m, _, _ in main + t5_spec}
    shared = EvalShared(starts, ids, prep.models_eval, ctx.sim_cfg, int(cfg.seed), int(cfg.max_steps),
                        ctx.playbest, dict(cfg.defense) if cfg.defense else None, str(prep.device),
                        threads=unit_threads(cfg.threads), **shared_models(methods, ctx))
    units = (cell_units(main, len(prep.idx), cfg.batch, "main", 1)
             + cell_units(t5_spec, len(t5_idx), cfg.batch, "t5", 0))
    return units, shared, t5_idx


def job_key(cfg: EvaluateTask, prep: Prepared, ctx: MethodContext) -> list:
    """What the units' results depend on beyond their keys (the shard store's key)."""
    settings = {k: v for k, v in plain(cfg).items() if k not in RUN_ONLY_KEYS}
    return [settings, start_ids(prep.starts, prep.idx), prep.cutoff, str(prep.device),
            checkpoint_stamp(ctx.planner_dir), prep.models_eval.version, unit_threads(cfg.threads)]


# keys that change where or how a run goes, not what its units compute
RUN_ONLY_KEYS = ("out", "name", "report", "executor", "ray", "workers", "threads", "debug",
                 "methods", "defenses", "cache_dir")


def play_cells(cfg: EvaluateTask, prep: Prepared, ctx: MethodContext) -> tuple[dict, dict, dict]:
    """Every unit of the evaluation through the executor seam -> (main runs, Table 5 runs,
    unit timing); each runs dict maps (method, defense, horizon) -> (CellRun, scores)."""
    units, shared, _ = evaluation_job(cfg, prep, ctx)
    store = job_store("evaluate", ctx.cache_dir, *job_key(cfg, prep, ctx))
    results = run_units(play_unit, units, shared, executor_config(cfg), store, desc="evaluate")
    runs: dict = {"main": {}, "t5": {}}
    for (table, method, defense, horizon), parts in merge_cells(units, results).items():
        run, scores = merge_cell(parts)
        runs[table][(method, defense, horizon)] = (run, scores)
        log.info("%s vs %s%s: PPP %.3f (n=%d)", method, defense, f" h={horizon}" if horizon else "",
                 run.points.mean(), len(run.points))
    return runs["main"], runs["t5"], {"timing": unit_timing(results), "store": store}


def value_gate(planner_dir: Path | None) -> dict | None:
    """The planner's value-network report from its card (shipped planners): held-out R^2
    on clean windows and whether it passes its gate; None when the folder has no card."""
    card = None if planner_dir is None else Path(planner_dir) / "card.json"
    if card is None or not card.is_file():
        return None
    v = json.loads(card.read_text()).get("value_network") or {}
    return {"r2_clean": v.get("r2_clean"), "gate_r2": v.get("gate_r2"), "passes": v.get("passes")}


def cell_entry(method, defense, run, policy, binned_table, models_eval, gate: dict | None = None) -> dict:
    """One cell of results.json; the planner's own value score is null when its value
    network misses the R^2 gate (``gate`` from :func:`value_gate`)."""
    entry = {"method": method, "defense": defense, **summarise(run)}
    scores = np.asarray(getattr(policy, "scores", []), float)
    usable = gate is None or gate.get("passes") is not False
    entry["value_model_score"] = (float(np.nanmean(scores)) if usable and np.isfinite(scores).any()
                                  else None)
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


def prepare(cfg: EvaluateTask) -> Prepared:
    """Load the data and the evaluator and choose the starts; raises the user-facing
    errors (bad data, unknown method or defense, offense_team without starts) before any
    output."""
    t_start = time.perf_counter()
    executor = executor_config(cfg, cfg.workers)      # executor=ray without Ray fails here
    seed_everything(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = resolve_device(cfg.device)
    check_methods(cfg)
    schemes(cfg.defense, cfg.defenses)                    # unknown defenses fail here
    cache = cache_root(cfg.cache_dir)
    ds = load_data(cfg.data, cache, cfg.workers, executor)
    starts, idx = choose_starts(cfg, ds)
    cutoff = str(ds.meta.loc[ds.meta["split"] == "test", "game_id"].astype(str).min())
    models_eval = evaluation_outcomes(cfg.data, cutoff, cache, cfg.workers)
    outcomes_t = OutcomeTensors.from_models(models_eval, device)
    return Prepared(ds, cutoff, models_eval, outcomes_t, starts, idx, device, t_start)


def run_evaluation(cfg: EvaluateTask, out: Path, prep: Prepared | None = None) -> tuple[dict, dict]:
    """The whole evaluation (module docstring) -> (results dict, the cells' runs)."""
    prep = prep or prepare(cfg)
    ds, models_eval, starts, idx = prep.ds, prep.models_eval, prep.starts, prep.idx
    ctx = MethodContext(ds.split("train"), ds.split("test"), planner_dir(cfg, ds),
                        default_sim_config(), plain(cfg.playbest), prep.device,
                        cache_root(cfg.cache_dir), Path(cfg.agents).expanduser() if cfg.agents else None)
    runs, t5_runs, job = play_cells(cfg, prep, ctx)
    shots = real_shots_after(cfg.data, ctx.cache_dir, prep.cutoff)
    table = binned_rates(shots, models_eval.rates["ft_pct"])
    gate = value_gate(ctx.planner_dir)
    cells = [cell_entry(m, d, r, p, table, models_eval, gate) for (m, d, _), (r, p) in runs.items()]
    results = {"meta": {"seed": cfg.seed, "n": cfg.possessions,
                        "start_state_ids": start_ids(starts, idx),
                        "outcome_model_version": f"v{models_eval.version} fitted on games "
                                                 f"{evaluator_games(models_eval)}",
                        "git_rev": git_rev(), "wall_s": None, "device": str(prep.device),
                        "planner_checkpoint": str(ctx.planner_dir) if ctx.planner_dir else None,
                        "playbest": plain(cfg.playbest), "value_network": gate,
                        "binned_evaluator": table},
               "cells": cells, "paired": paired_rows(runs),
               "table5": table5(t5_runs, ctx.sim_cfg.dt_s),
               "ground_truth": ground_truth(ctx.test_ds, start_ids(starts, idx), models_eval)}
    results["ranking_check"] = ranking_check(cells)
    results["meta"]["wall_s"] = round(time.perf_counter() - prep.t_start, 1)
    write_text_atomic(out / "results.json", json.dumps(results, indent=1, default=float) + "\n")
    write_text_atomic(out / "results.md", markdown(results))
    if cfg.report:
        write_report(out, results, runs)
    job["store"].clear()              # the results are written: the units' shards are done
    results["timing"] = job["timing"]   # for the caller (bench); not in results.json
    return results, runs


def evaluator_games(models) -> str:
    """Which games the evaluator was fitted on, in words."""
    if models.cutoff.startswith(">="):
        return f"{models.cutoff} ({len(models.games_fit)} held-out games)"
    return f"< {models.cutoff} ({len(models.games_fit)} real games; the shipped default)"


PREFERENCE_METHODS = ("playbest", "playbest_rank", "playbest_grad", "playbest_cfg")


def is_preference(method: str) -> bool:
    """A PlayBest method that prefers plays: rank, grad (and playbest_a<x>), cfg or the
    ``playbest`` alias; not the unguided planner."""
    return method in PREFERENCE_METHODS or (playbest_scale(method) or 0) > 0


def paired_rows(runs) -> list[dict]:
    """Every preference method minus every other method, per defense: realised points
    (diff, ci95) and expected points (xdiff, xci95) on the same starts."""
    rows = []
    for (a, d, _), (ra, _) in runs.items():
        if not is_preference(a):
            continue
        for (b, d2, _), (rb, _) in runs.items():
            if d2 == d and b != a:
                rows.append({"a": a, "b": b, "defense": d,
                             **paired(ra.points, rb.points, expected_points(ra), expected_points(rb))})
    return rows


def table5_plan(cfg: EvaluateTask, ctx, starts) -> tuple[np.ndarray, list]:
    """(start rows, cells) of the Table 5 analogue: ``table5.method`` at each horizon against
    ``table5.defenses`` from starts drawn with seed + 5 (none when it is off)."""
    n = cfg.table5.possessions
    if n <= 0:
        return np.zeros(0, np.int64), []
    rng = np.random.default_rng(cfg.seed + 5)
    idx = rng.choice(len(starts), size=n, replace=n > len(starts))
    dt = ctx.sim_cfg.dt_s                  # the planner plans at the data rate, one frame per step
    spec = [(cfg.table5.method, d, max(4, int(round(h / dt))))
            for h in cfg.table5.horizons_s for d in cfg.table5.defenses]
    return idx, spec


def table5(runs: dict, dt: float) -> list[dict]:
    """The Table 5 rows of the merged Table 5 cells."""
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
