"""Possession rewards, selectable by name: ``playbest``, ``reliable``, ``points``.

PlayBest (Chen et al., CIKM 2024) scores a possession by a per-event table, from the
offense's point of view. Our reading of each entry (all weights in PlayBestTable):
    made 3 = +3, made 2 = +2, made free throw = +1   points the offense scores
    rebound = +0.25   an offensive rebound (a second chance) by the offense
    foul = -0.25      a foul committed by the offense
    turnover = -1     the offense loses the ball
    violation = -0.25 a violation called on the offense
    everything else 0.

ReLiable (as its talk states it): points + (24 - shot_clock)/24 + game_clock * NB(5, 2/3).
The talk gives no definitions, so this is our reading, each term with a config weight:
    points       +1 x points scored in the possession (the objective).
    shot clock   +1 x (24 - shot_clock)/24, the share of the shot clock the possession
                 used, in [0, 1], read at the possession's last decision point (the last
                 frame where an attacker holds the ball, or a shot release) by
                 :func:`decision_shot_clock`: at the last tracked frame the clock has
                 already reset in ~30% of real possessions (mean used share 0.12 there,
                 0.38 at the last decision point). As stated it rewards working the
                 clock (set the weight negative to penalise late-clock possessions).
    game clock   +1 x (game_clock / period_s) x NB(k; r=5, p=2/3), with k the number of
                 whole 24 s shot-clock cycles left in the period. The negative-binomial
                 pmf peaks at k = 1-2, so this term emphasises possessions near the end
                 of a period; the clock fraction keeps it bounded by 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class PlayBestTable:
    made3: float = 3.0
    made2: float = 2.0
    free_throw_made: float = 1.0
    rebound: float = 0.25
    foul: float = -0.25
    turnover: float = -1.0
    violation: float = -0.25


@dataclass
class ReliableWeights:
    points: float = 1.0
    shot_clock: float = 1.0
    game_clock: float = 1.0
    period_s: float = 720.0
    nb_r: int = 5
    nb_p: float = 2.0 / 3.0


def negative_binomial_pmf(k: int, r: int, p: float) -> float:
    """P(k failures before the r-th success), success probability p."""
    return math.comb(k + r - 1, k) * (p ** r) * ((1 - p) ** k)


def playbest_reward(rows, offense_team_id: int, table: PlayBestTable | None = None) -> float:
    """Sum of the table over a possession's play-by-play rows: a DataFrame or a dict of
    numpy arrays with engine.logs.pbp's columns msg_type, team_id, is_three, ft_made,
    is_offensive_rebound."""
    t = table or PlayBestTable()
    rows = {k: np.asarray(rows[k]) for k in
            ("msg_type", "team_id", "is_three", "ft_made", "is_offensive_rebound")}
    rows.update({k: rows[k].astype(bool) for k in ("is_three", "ft_made", "is_offensive_rebound")})
    own = rows["team_id"] == offense_team_id
    made = rows["msg_type"] == 1
    total = t.made3 * (own & made & rows["is_three"]).sum()
    total += t.made2 * (own & made & ~rows["is_three"]).sum()
    total += t.free_throw_made * (own & (rows["msg_type"] == 3) & rows["ft_made"]).sum()
    total += t.rebound * (own & (rows["msg_type"] == 4) & rows["is_offensive_rebound"]).sum()
    total += t.foul * (own & (rows["msg_type"] == 6)).sum()
    total += t.turnover * (own & (rows["msg_type"] == 5)).sum()
    total += t.violation * (own & (rows["msg_type"] == 7)).sum()
    return float(total)


def decision_shot_clock(shot_clock: np.ndarray, decision: np.ndarray) -> float:
    """Shot clock (s) ReLiable's reward reads: the last finite reading at or before the
    possession's last decision point. shot_clock (T,) seconds, NaN missing; decision (T,)
    bool, the frame is a decision point (an attacker holds the ball, or a shot release:
    :func:`engine.possessions.labels.decision_mask`). NaN when no decision point (or no
    reading before it): the shot-clock term then contributes 0."""
    idx = np.flatnonzero(np.asarray(decision, bool))
    if idx.size == 0:
        return float("nan")
    clock = np.asarray(shot_clock, np.float64)[: idx[-1] + 1]
    finite = np.flatnonzero(np.isfinite(clock))
    return float(clock[finite[-1]]) if finite.size else float("nan")


def reliable_reward(points: float, shot_clock_end: float, game_clock_end: float,
                    w: ReliableWeights | None = None) -> float:
    """ReLiable's possession reward (see module docstring). ``shot_clock_end``: the
    clock at the last decision point (:func:`decision_shot_clock`); a missing shot
    clock (NaN) contributes 0 to its term."""
    w = w or ReliableWeights()
    used = 0.0 if math.isnan(shot_clock_end) else (24.0 - min(max(shot_clock_end, 0.0), 24.0)) / 24.0
    k = int(max(game_clock_end, 0.0) // 24.0)
    late = (game_clock_end / w.period_s) * negative_binomial_pmf(k, w.nb_r, w.nb_p)
    return w.points * points + w.shot_clock * used + w.game_clock * late


# The possession table's column for each selectable reward (IngestConfig.reward).
REWARD_COLUMNS = {"playbest": "reward_playbest", "reliable": "reward_reliable", "points": "points"}
