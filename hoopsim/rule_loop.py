"""The IterAlign-style rule loop wired to the planner (language.rules holds the
detectors and the keep / reject logic; this module samples the planner).

1. Discovery: the planner samples ``candidates`` plays from TRAINING starts; each rule's
   violation rate on them is compared with real training windows of the same horizon;
   a rule is kept when the planner breaks it significantly more often (one-sided
   two-proportion z test).
2. Correction on HELD-OUT starts: among each start's candidates the planner picks as its
   unconditioned choice does (hoopsim.coaching: the planner's objective inside its
   support); with the rules, candidates that break more kept rules than the start's
   cleanest candidate are rejected first (language.rules.reject).
3. Measured: violation rates of the picked plans before / after (and of real held-out
   windows), the share of candidates rejected, expected points under the independent
   held-out outcome models before / after (paired difference with a bootstrap interval)
   and the speed KS of the picked plans against real held-out windows before / after.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from hoopsim.coaching import bootstrap_ci, plan_expected_points, sample_candidates
from language.rules import RULES, broken, discover, reject, violations
from planners.gates import ks_statistic, player_speeds
from planners.methods import training_outcomes
from planners.objective import PlanObjective
from planners.receding import RecedingConfig
from planners.windows import windows_to_positions

log = logging.getLogger(__name__)


def _flags(windows: np.ndarray, rate: float) -> dict[str, np.ndarray]:
    return violations(windows_to_positions(np.asarray(windows, np.float64)), rate)


def rule_loop(planner, train_windows: np.ndarray, test_windows: np.ndarray, eval_models, n_train: int,
              n_test: int, n_candidates: int, seed: int = 0, n_real: int = 3000) -> dict:
    """train_windows / test_windows (n, h, 46) real windows of training / held-out games
    (their first frames are the starts) -> the result dict (module docstring)."""
    from engine.outcomes.torch_eval import OutcomeTensors

    rng = np.random.default_rng(seed)
    rate = float(planner.cfg.rate_hz)
    real_train = train_windows[rng.choice(len(train_windows), min(n_real, len(train_windows)), replace=False)]
    real_test = test_windows[rng.choice(len(test_windows), min(n_real, len(test_windows)), replace=False)]
    starts_train = train_windows[rng.choice(len(train_windows), n_train, replace=False), 0]
    starts_test = test_windows[rng.choice(len(test_windows), n_test, replace=False), 0]

    log.info("discovery: %d training starts x %d candidates", n_train, n_candidates)
    gen = sample_candidates(planner, starts_train, n_candidates, seed)
    h, c = gen.shape[2:]
    found = discover(_flags(gen.reshape(-1, h, c), rate), _flags(real_train, rate))
    kept = [name for name, r in found.items() if r["kept"]]
    log.info("kept rules: %s", kept)

    log.info("correction: %d held-out starts x %d candidates", n_test, n_candidates)
    cand = sample_candidates(planner, starts_test, n_candidates, seed + 1)
    g, k = cand.shape[:2]
    flat = cand.reshape(g * k, h, c)
    rcfg = RecedingConfig()
    obj = PlanObjective(training_outcomes(planner), planner.normalizer, rate, planner.support, executor=rcfg)
    score, ok = obj(torch.as_tensor(flat, dtype=torch.float32))
    score, ok = score.numpy().reshape(g, k), ok.numpy().reshape(g, k)
    flags = _flags(flat, rate)
    allowed = ok | ~ok.any(axis=1, keepdims=True)
    counts = broken(flags, kept, (g, k))
    bad = reject(counts, allowed)
    before = np.where(allowed, score, -np.inf).argmax(axis=1)
    after = np.where(allowed & ~bad, score, -np.inf).argmax(axis=1)
    none_clean = (np.where(allowed, counts, 1) > 0).all(axis=1)
    rows = np.arange(g)
    xp = plan_expected_points(flat, OutcomeTensors.from_models(eval_models, "cpu"), rcfg).reshape(g, k)
    d_xp = xp[rows, after] - xp[rows, before]
    real_speed = player_speeds(real_test, rate)
    real_flags = _flags(real_test, rate)
    picked = {"before": before, "after": after}
    table = {}
    for name in RULES:
        f = flags[name].reshape(g, k)
        table[name] = {"kept": name in kept, **{kk: found[name][kk] for kk in ("generated", "real", "z")},
                       "held_out_real": float(real_flags[name].mean()),
                       "held_out_candidates": float(f.mean()),
                       **{f"held_out_{when}": float(f[rows, p].mean()) for when, p in picked.items()}}
    chosen = {when: cand[rows, p] for when, p in picked.items()}
    return {"starts_train": n_train, "starts_test": n_test, "candidates": n_candidates, "rate_hz": rate,
            "kept": kept, "rules": table,
            "share_candidates_rejected": float(bad.mean()),
            "share_candidates_allowed_rejected": float(bad.sum() / allowed.sum()),
            "share_starts_no_clean_candidate": float(none_clean.mean()),
            "share_picks_changed": float((after != before).mean()),
            "expected_points_before": float(xp[rows, before].mean()),
            "expected_points_after": float(xp[rows, after].mean()),
            "share_with_shot_before": float((xp[rows, before] > 0).mean()),
            "share_with_shot_after": float((xp[rows, after] > 0).mean()),
            "expected_points_change": float(d_xp.mean()), "expected_points_change_ci95": bootstrap_ci(d_xp, seed=seed),
            "speed_ks_before": ks_statistic(player_speeds(chosen["before"], rate), real_speed),
            "speed_ks_after": ks_statistic(player_speeds(chosen["after"], rate), real_speed),
            "speed_ks_candidates": ks_statistic(player_speeds(flat, rate), real_speed)}


def markdown(res: dict) -> str:
    lines = [f"discovery: {res['starts_train']} training starts x {res['candidates']} candidates; correction: "
             f"{res['starts_test']} held-out starts; kept rules: {', '.join(res['kept']) or 'none'}", "",
             "| rule | generated (train starts) | real (train) | z | kept | held-out real | held-out candidates | "
             "picked before | picked after |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in res["rules"].items():
        lines.append(f"| {name} | {r['generated']:.3f} | {r['real']:.3f} | {r['z']:+.1f} | {'yes' if r['kept'] else 'no'} | "
                     f"{r['held_out_real']:.3f} | {r['held_out_candidates']:.3f} | {r['held_out_before']:.3f} | "
                     f"{r['held_out_after']:.3f} |")
    lo, hi = res["expected_points_change_ci95"]
    lines += ["", f"candidates rejected: {res['share_candidates_rejected']:.3f}; starts where every candidate breaks a "
              f"kept rule: {res['share_starts_no_clean_candidate']:.3f}; picks changed: {res['share_picks_changed']:.3f}",
              f"expected points (held-out models): before {res['expected_points_before']:.3f}, after "
              f"{res['expected_points_after']:.3f}, change {res['expected_points_change']:+.3f} [{lo:+.3f}, {hi:+.3f}]; "
              f"plans with a shot: before {res['share_with_shot_before']:.3f}, after {res['share_with_shot_after']:.3f}",
              f"speed KS vs real held-out windows: before {res['speed_ks_before']:.3f}, after {res['speed_ks_after']:.3f}"
              f" (all candidates {res['speed_ks_candidates']:.3f})"]
    return "\n".join(lines) + "\n"
