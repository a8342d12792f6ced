"""Closed-loop calibration of the league's shot-selection table.

The table of :mod:`offline_rl.bc.shot_select` is fitted on logged states; in closed loop
the cloned offense visits those states at other frequencies (its holders stand between
the rim and the arc more often, and reach the arc less), so the same per-frame rates
give another shot mix. The data as demonstrator says where the shots should come from:
the logged shots of the very possessions the simulator starts from. Each round simulates
possessions from TRAINING starts and compares shots per possession in the categories the
realism report reads (:data:`CATEGORIES`: two-pointers by the logged distance's ring,
threes and heaves from 28 ft; the play-by-play writes most threes at 25-26 ft whatever
the spot, so a finer split of threes would compare conventions; the simulator reports the logged release distance,
engine.outcomes.release) with the play-by-play shots of the same possessions. The table
acts on the shooter's BODY rings (:data:`offline_rl.bc.shot_select.DIST_EDGES`) and a body
ring feeds several categories (a drive ending 4 ft out is logged at 2 ft), so the ring
multipliers m are the bounded least-squares solution of ``sum_b m_b C[b, k] = T_k``: C the
simulated shots of body ring b in category k, T the logged shots per possession times the
simulated possessions (errors weighted by 1 / sqrt(T_k + 1), a pull of ``ridge`` towards
m = 1, bounds [1 / max_ratio, max_ratio] per round). The last shot-clock bin (< 4 s:
forced shots, heaves) is not a choice of where to shoot: it is scaled instead, only ever
up, until the simulated shot-clock violations per possession meet the logged rate of the
training games (the cloned offense otherwise lets the clock run out ten times as often as
the league); its heaves (28 ft and more) keep their logged rate (scaled with the rest,
they tripled the heaves of the training starts: 0.026 -> 0.078 per possession against
0.008 logged). Rates are capped at ``cap``. Held-out games are never used.

The simulation itself is the caller's (offline_rl consumes engine only): see
hoopsim.league.calibrated_offense.
"""

from __future__ import annotations

import json

import numpy as np
import torch

from offline_rl.bc.shot_select import DIST_EDGES, TABLE_SHAPE

N_RINGS = TABLE_SHAPE[1]
TWO_RINGS = 5    # two-pointers: <3, 3-6, 6-10, 10-16, 16+ ft (logged)
CATEGORIES = ("two_0_3", "two_3_6", "two_6_10", "two_10_16", "two_16_arc",
              "three", "three_28_plus")   # threes by depth only: the log writes most at 25-26 ft


def ring_of(distance_ft) -> np.ndarray:
    """Ring index (0..N_RINGS - 1) of distances to the rim (ft)."""
    return np.searchsorted(np.asarray(DIST_EDGES), np.asarray(distance_ft, float), side="right")


def category_of(distance_ft, is_three) -> np.ndarray:
    """Index into :data:`CATEGORIES` of shots by logged distance (ft) and value."""
    d, three = np.asarray(distance_ft, float), np.asarray(is_three, bool)
    two = np.minimum(ring_of(d), TWO_RINGS - 1)
    return np.where(three, TWO_RINGS + (d >= 28.0), two)


def category_counts(distance_ft, is_three) -> np.ndarray:
    """(len(CATEGORIES),) shot counts."""
    return np.bincount(category_of(distance_ft, is_three), minlength=len(CATEGORIES)).astype(float)


def logged_counts(shots_cells) -> np.ndarray:
    """(len(CATEGORIES),) play-by-play field-goal attempts of possessions whose
    ``meta['shots']`` cells are given."""
    rows = [s for cell in shots_cells for s in (json.loads(cell) if isinstance(cell, str) else list(cell))]
    return category_counts([float(s["distance_ft"]) for s in rows], [bool(s["is_three"]) for s in rows])


def body_by_category(body_ft, distance_ft, is_three) -> np.ndarray:
    """(N_RINGS, len(CATEGORIES)) simulated shots by the shooter's body ring and category."""
    c = np.zeros((N_RINGS, len(CATEGORIES)))
    np.add.at(c, (ring_of(body_ft), category_of(distance_ft, is_three)), 1.0)
    return c


def ring_multipliers(c: np.ndarray, n_sim: int, real: np.ndarray, n_real: int,
                     max_ratio: float = 4.0, ridge: float = 0.1) -> np.ndarray:
    """(N_RINGS,) body-ring multipliers m >= 0 with ``sum_b m_b c[b, k]`` close to the
    logged shots per possession ``real / n_real`` times ``n_sim`` (module docstring)."""
    from scipy.optimize import lsq_linear

    target = real / max(n_real, 1) * n_sim
    w = 1.0 / np.sqrt(target + 1.0)
    a = (c.T * w[:, None])                                      # (K, R)
    scale = np.sqrt(ridge) * np.sqrt(c.sum(1) + 1.0) * w.mean()
    a = np.vstack([a, np.diag(scale)])
    b = np.concatenate([target * w, scale])
    return lsq_linear(a, b, bounds=(1.0 / max_ratio, max_ratio)).x


def clock_multiplier(violations: float, n_sim: int, real_rate: float, max_ratio: float = 4.0,
                     floor: float = 0.002) -> float:
    """Factor (1 to ``max_ratio``) on the last shot-clock bin's rates: simulated shot-clock
    violations per possession over the logged rate (each plus ``floor``); never below 1 (a
    simulator with fewer violations than the log is left alone)."""
    ratio = (violations / max(n_sim, 1) + floor) / (real_rate + floor)
    return float(np.clip(ratio, 1.0, max_ratio))


def scale_table(table: torch.Tensor, ratio: np.ndarray, clock: float = 1.0,
                cap: float = 0.95) -> torch.Tensor:
    """The P(shoot) table with ring r scaled by ratio[r] except in the last shot-clock bin
    (< 4 s), which is scaled by ``clock`` instead, heaves from the last ring (28 ft and
    more) left at their logged late-clock rates; capped at ``cap``."""
    m = torch.as_tensor(ratio, dtype=table.dtype)[None, :, None, None]
    out = (table * m).clamp(max=cap)
    out[..., 0] = (table[..., 0] * clock).clamp(max=cap)
    out[:, -1, :, 0] = table[:, -1, :, 0]
    return out


def calibrate(table: torch.Tensor, real: np.ndarray, n_real: int, real_violation_rate: float,
              simulate, rounds: int, n_starts: int, n_available: int, seed: int
              ) -> tuple[torch.Tensor, list[dict]]:
    """``rounds`` rounds of :func:`ring_multipliers`, :func:`clock_multiplier` and
    :func:`scale_table`. ``simulate(table, idx, seed) -> ((N_RINGS, len(CATEGORIES))
    simulated shots (:func:`body_by_category`), shot-clock violations)`` of the start
    indices ``idx`` (drawn without replacement from ``n_available`` training starts,
    ``n_starts`` per round); ``real``: logged shots per category of the ``n_real`` start
    possessions; ``real_violation_rate``: logged shot-clock violations per possession
    (training games). Returns the calibrated table and one record per round."""
    rng = np.random.default_rng(seed)
    log = []
    for r in range(rounds):
        idx = rng.choice(n_available, size=min(n_starts, n_available), replace=False)
        c, violations = simulate(table, idx, seed + r)
        c = np.asarray(c, float)
        m = ring_multipliers(c, len(idx), real, n_real)
        k = clock_multiplier(violations, len(idx), real_violation_rate)
        log.append({"categories": list(CATEGORIES),
                    "sim_shots_per_poss": (c.sum(0) / len(idx)).round(4).tolist(),
                    "real_shots_per_poss": (real / max(n_real, 1)).round(4).tolist(),
                    "ring_multiplier": m.round(4).tolist(),
                    "sim_shot_clock_violations_per_poss": round(violations / len(idx), 4),
                    "real_shot_clock_violations_per_poss": round(real_violation_rate, 4),
                    "clock_multiplier": round(k, 4)})
        table = scale_table(table, m, k)
    return table, log
