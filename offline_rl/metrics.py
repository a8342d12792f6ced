"""Action-copy metrics with game-bootstrap intervals.

- ``three_point_f1``: over all decision points; positive = the tracked release of a
  play-by-play three. An agent predicts "three now" when it chooses to shoot from beyond
  the arc (its decider's spot, :func:`offline_rl.bc.features.three_spot`); the score for
  the PR-AUC is P(shoot) on a three-point spot, 0 inside it.
- ``three_point_f1_shots``: the same prediction over the shot decisions only.
- ``micro_f1`` / ``macro_f1`` over {dribble = hold + drive, pass, shoot}.
Intervals: percentile bootstrap over games (whole games resampled with replacement).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score

from offline_rl.mdp import SHOOT, coarse_of


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = float((y & p).sum())
    denom = float(y.sum() + p.sum())
    return 2 * tp / denom if denom else 0.0


def scores_of(y_action, pred_action, three, spot, p_shoot, rows=None) -> dict:
    """Point metrics on ``rows`` (all when None)."""
    sl = slice(None) if rows is None else rows
    ya, pa, th, sp, ps = y_action[sl], pred_action[sl], three[sl], spot[sl], p_shoot[sl]
    pred_three = (pa == SHOOT) & sp
    shots = ya == SHOOT
    yc, pc = coarse_of(ya), coarse_of(pa)
    return {"three_point_f1": _f1(th, pred_three),
            "three_point_f1_shots": _f1(th[shots], pred_three[shots]) if shots.any() else 0.0,
            "three_point_pr_auc": (float(average_precision_score(th, ps * sp)) if rows is None and th.any()
                                   else float("nan")),
            **coarse_f1(yc, pc)}


def coarse_f1(y: np.ndarray, p: np.ndarray) -> dict:
    """Micro (= accuracy for one label per point) and macro F1 over the 3 coarse classes;
    a class never true nor predicted scores 0 (as sklearn's zero_division=0)."""
    per = [_f1(y == k, p == k) for k in range(3)]
    return {"micro_f1": float((y == p).mean()) if len(y) else 0.0, "macro_f1": float(np.mean(per))}


def action_copy(method: str, y_action, pred_action, three, spot, p_shoot, game_id,
                n_boot: int = 200, seed: int = 0) -> dict:
    """One row of results.json's ``action_copy`` (module docstring)."""
    point = scores_of(y_action, pred_action, three, spot, p_shoot)
    games, inv = np.unique(game_id, return_inverse=True)
    by_game = [np.flatnonzero(inv == g) for g in range(len(games))]
    rng = np.random.default_rng(seed)
    boot = {k: [] for k in ("three_point_f1", "micro_f1", "macro_f1")}
    for _ in range(n_boot):
        rows = np.concatenate([by_game[g] for g in rng.integers(0, len(games), len(games))])
        s = scores_of(y_action, pred_action, three, spot, p_shoot, rows)
        for k, values in boot.items():
            values.append(s[k])
    ci = {f"{k}_ci95": [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] for k, v in boot.items()}
    return {"method": method, "n": len(y_action), **point, **ci}
