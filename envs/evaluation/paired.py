"""Paired evaluation of offenses against defenses in the simulator.

Every (method, defense) cell plays the same listed starting states with the same
simulator random numbers: the sim's uniforms come from a generator seeded by the
evaluation seed alone, a policy's own draws from a second generator, so two methods
differ only by what they do (common random numbers; a paired design). Outcomes are
drawn by the outcome models the caller passes (fitted on games the planner never
saw); nothing here asks a planner's value model.

A second evaluator re-scores the same simulated shots with binned real rates (FG% per
distance bin of held-out play-by-play), so a ranking that rests on a quirk of the
fitted shot model would show up as a disagreement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from engine.outcomes.evaluation import merge_tracking, tracking_shot_features
from engine.report import mean_ci95
from engine.sim.step import Outcome, SimConfig, SimState
from envs.simulate import simulate

# distance bins (feet) of the second evaluator and of the realism report
SHOT_BINS = (("0_3ft", 0.0, 3.0), ("3_10ft", 3.0, 10.0), ("10_16ft", 10.0, 16.0),
             ("16ft_arc", 16.0, 1e9))


DEEP_THREE_FT = 26.0   # beyond: heaves and late-clock bombs, far below the league's 35%


def shot_bin(distance_ft: np.ndarray, is_three: np.ndarray) -> np.ndarray:
    """Bin name per shot: the four two-point distance bins, 'three' (up to 26 ft) or
    'three_deep'."""
    d, three = np.asarray(distance_ft, float), np.asarray(is_three, bool)
    out = np.where(d > DEEP_THREE_FT, "three_deep", "three").astype(object)
    for name, lo, hi in SHOT_BINS:
        out[~three & (d >= lo) & (d < hi)] = name
    return out


@dataclass
class CellRun:
    """Per-possession arrays of one cell (n rows) and its shots."""

    points: np.ndarray
    outcome: np.ndarray
    length_s: np.ndarray
    n_passes: np.ndarray
    shots: pd.DataFrame              # row, distance_ft, is_three, made, fouled, p_make, defender_ft, x, y
    positions: list[np.ndarray]      # per row (T_i, 11, 3) feet, canonical


def run_cell(start: SimState, offense, defense, outcomes, cfg: SimConfig, seed: int,
             batch: int = 256, max_steps: int = 120, keep_positions: int = 0) -> CellRun:
    """Play every row of ``start`` once. The sim's noise generator is seeded with
    ``seed`` and a policy's generator with ``seed + 1``, identically for every method;
    chunks of ``batch`` rows (the same chunking for every cell keeps them paired)."""
    dev = start.device
    noise_gen = torch.Generator(device=dev).manual_seed(seed)
    policy_gen = torch.Generator(device=dev).manual_seed(seed + 1)
    parts, shots, keep = [], [], []
    n = start.batch_size
    for lo in range(0, n, batch):
        hi = min(lo + batch, n)
        res = simulate(start.index(slice(lo, hi)), offense, defense, outcomes, cfg, noise_gen,
                       max_steps, policy_generator=policy_gen)
        parts.append({k: res[k].detach().cpu().numpy() for k in
                      ("points", "outcome", "length_s", "n_passes")})
        shots.append(pd.DataFrame({
            "row": res["shot_row"].cpu().numpy() + lo,
            "distance_ft": res["shot_distance_ft"].cpu().numpy(),
            "is_three": res["shot_is_three"].cpu().numpy().astype(bool),
            "made": res["shot_made"].cpu().numpy().astype(bool),
            "fouled": res["shot_fouled"].cpu().numpy().astype(bool),
            "p_make": res["shot_p_make"].cpu().numpy(),
            "defender_ft": res["shot_defender_ft"].cpu().numpy(),
            "x": res["shot_xy"].reshape(-1, 2)[:, 0].cpu().numpy(),
            "y": res["shot_xy"].reshape(-1, 2)[:, 1].cpu().numpy()}))
        keep += _trajectories(res, max(0, keep_positions - len(keep)))
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return CellRun(cat["points"].astype(float), cat["outcome"], cat["length_s"], cat["n_passes"],
                   pd.concat(shots, ignore_index=True), keep)


def _trajectories(res: dict, n: int) -> list[np.ndarray]:
    """The first ``n`` rows' frames up to the one where each ended."""
    out = []
    pos, done = res["positions"].cpu().numpy(), res["done"].cpu().numpy()
    for i in range(min(n, pos.shape[0])):
        ended = np.flatnonzero(done[i])
        out.append(pos[i, : (ended[0] + 1 if ended.size else pos.shape[1])])
    return out


def expected_points(run: CellRun) -> np.ndarray:
    """Expected points per possession (n,) of one cell under the simulator's own outcome
    models: every field goal attempt scores its make probability x its value, free
    throws score what they scored (the possession's points minus its made field goals),
    turnovers 0. The same recipe as :func:`ground_truth` applies to real possessions,
    so the two are comparable; it removes the make/miss coin flips from the comparison
    of methods (the rest of the path is the same common random numbers)."""
    s = run.shots
    n = len(run.points)
    rows = s["row"].to_numpy(int)
    value = np.where(s["is_three"].to_numpy(bool), 3.0, 2.0)
    fg_expected = np.bincount(rows, weights=s["p_make"].to_numpy(float) * value, minlength=n)
    fg_made = np.bincount(rows, weights=s["made"].to_numpy(float) * value, minlength=n)
    return fg_expected + np.maximum(run.points - fg_made, 0.0)


def summarise(run: CellRun) -> dict:
    """PPP with its 95% interval, expected points (``xppp``, :func:`expected_points`)
    with its interval ``xci95``, and the outcome mix of one cell."""
    m, lo, hi = mean_ci95(run.points)
    xm, xlo, xhi = mean_ci95(expected_points(run))
    n = len(run.points)
    s = run.shots
    tov = np.isin(run.outcome, (Outcome.TURNOVER, Outcome.SHOT_CLOCK))
    outcomes = {
        "fga_per_poss": len(s) / n, "fg_pct": float(s["made"].mean()) if len(s) else float("nan"),
        "three_rate": float(s["is_three"].mean()) if len(s) else float("nan"),
        "turnover_rate": float(tov.mean()), "shot_clock_violations": float(
            (run.outcome == Outcome.SHOT_CLOCK).mean()),
        "unfinished": float((run.outcome == Outcome.ONGOING).mean()),
        "passes_per_poss": float(run.n_passes.mean()), "length_s": float(run.length_s.mean()),
        "mean_p_make": float(s["p_make"].mean()) if len(s) else float("nan")}
    return {"n": n, "ppp": m, "ci95": [lo, hi], "xppp": xm, "xci95": [xlo, xhi], "outcomes": outcomes}


def paired(a: np.ndarray, b: np.ndarray, xa: np.ndarray | None = None,
           xb: np.ndarray | None = None) -> dict:
    """Mean of the per-possession differences a - b and its 95% interval; with expected
    points xa, xb of the same rows also ``xdiff`` and ``xci95``."""
    if len(a) != len(b):
        raise ValueError(f"paired cells need the same starts: {len(a)} vs {len(b)} rows")
    m, lo, hi = mean_ci95(np.asarray(a, float) - np.asarray(b, float))
    out = {"diff": m, "ci95": [lo, hi]}
    if xa is not None and xb is not None:
        xm, xlo, xhi = mean_ci95(np.asarray(xa, float) - np.asarray(xb, float))
        out.update(xdiff=xm, xci95=[xlo, xhi])
    return out


def binned_rates(real_shots: pd.DataFrame, ft_pct: float, min_shots: int = 20) -> dict[str, float]:
    """FG% per distance bin of real shots (columns distance_ft, is_three, made) plus
    the free-throw rate: the second evaluator's table. A bin with fewer than
    ``min_shots`` real attempts takes the pooled two-point (or three-point) rate."""
    bins = shot_bin(real_shots["distance_ft"], real_shots["is_three"])
    made = real_shots["made"].to_numpy(bool)
    three = real_shots["is_three"].to_numpy(bool)
    pooled = {"two": float(made[~three].mean()) if (~three).any() else float("nan"),
              "three": float(made[three].mean()) if three.any() else float("nan")}
    table = {}
    for name in [b[0] for b in SHOT_BINS] + ["three", "three_deep"]:
        hit = bins == name
        table[name] = (float(made[hit].mean()) if hit.sum() >= min_shots
                       else pooled["three" if name.startswith("three") else "two"])
    table["ft_pct"] = float(ft_pct)
    return table


def rescore_binned(run: CellRun, table: dict[str, float]) -> np.ndarray:
    """Expected points per possession (n,) of the simulated shots under binned real
    FG% (a fouled shot adds its free throws at the table's FT%); turnovers score 0."""
    s = run.shots
    value = np.where(s["is_three"], 3.0, 2.0)
    p = np.array([table.get(b, np.nan) for b in shot_bin(s["distance_ft"], s["is_three"])])
    n_ft = np.where(s["fouled"], p * 1.0 + (1 - p) * value, 0.0)
    per_shot = p * value + n_ft * table["ft_pct"]
    return np.bincount(s["row"].to_numpy(int), weights=per_shot, minlength=len(run.points))


def ranking_agrees(primary: dict[str, float], secondary: dict[str, float]) -> dict:
    """Kendall's tau between two method -> score maps and whether the order is equal."""
    from scipy.stats import kendalltau

    names = sorted(primary)
    a, b = [primary[k] for k in names], [secondary[k] for k in names]
    tau = kendalltau(a, b).statistic if len(names) > 1 else 1.0
    same = [n for n in sorted(names, key=primary.get)] == [n for n in sorted(names, key=secondary.get)]
    return {"kendall_tau": float(tau), "same_order": bool(same)}


def ground_truth(test_ds, ids: list[str], models) -> dict:
    """Real points of the possessions ``ids`` ('game_id/period/poss_index', the starts'
    own possessions) and the evaluator's expected points on the real trajectories (sum
    over their shots of p_make x value, plus the free-throw points actually scored): a
    bias check of the evaluator. Duplicated ids count once per appearance."""
    meta = test_ds.meta.reset_index(drop=True)
    key = meta["game_id"].astype(str) + "/" + meta["period"].astype(str) + "/" + meta["poss_index"].astype(str)
    row_of = dict(zip(key, range(len(meta))))
    rows = [row_of[k] for k in ids]
    sub = test_ds.subset(np.isin(np.arange(len(meta)), rows))
    shots = [dict(s, game_id=str(g), row=r) for r, (g, cell) in
             enumerate(zip(sub.meta["game_id"], sub.meta["shots"]))
             for s in (json.loads(cell) if isinstance(cell, str) else cell)]
    table = merge_tracking(pd.DataFrame(shots), tracking_shot_features(sub)) if shots else pd.DataFrame()
    fg = np.zeros(len(sub.meta))
    if len(table):
        p = models.p_make(table)
        np.add.at(fg, table["row"].to_numpy(int), p * np.where(table["is_three"], 3.0, 2.0))
    made_fg = np.zeros(len(sub.meta))
    if len(table):
        np.add.at(made_fg, table["row"].to_numpy(int),
                  table["made"].to_numpy(float) * np.where(table["is_three"], 3.0, 2.0))
    ft = np.maximum(sub.meta["points"].to_numpy(float) - made_fg, 0.0)
    per_row = dict(zip(sub.meta["game_id"].astype(str) + "/" + sub.meta["period"].astype(str) + "/"
                       + sub.meta["poss_index"].astype(str), range(len(sub.meta))))
    order = [per_row[k] for k in ids]
    real = sub.meta["points"].to_numpy(float)[order]
    x = (fg + ft)[order]
    m, lo, hi = mean_ci95(real)
    xm, xlo, xhi = mean_ci95(x)
    return {"real_ppp": m, "real_ci95": [lo, hi], "outcome_model_xppp": xm,
            "outcome_model_xppp_ci95": [xlo, xhi], "n": int(len(real))}
