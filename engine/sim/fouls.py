"""Foul rules of the batched simulator (:mod:`engine.sim.step`), and the one helper that
ends possessions.

* Shooting fouls: drawn at release on the FOUL uniform, at ``and_one_rate`` for a made
  shot (one free throw) and ``shooting_foul_miss_rate`` for a missed one (two or three);
  outcome objects without the split rates use ``shooting_foul_rate`` for both.
* Non-shooting defensive fouls (:func:`nonshooting_foul`): on a holding step where the
  holder neither passes, shoots nor loses the ball, at ``nonshooting_foul_per_s`` (1/s of
  holding), drawn on the STEAL uniform above the steal's share (competing hazards on one
  uniform: a row with no foul rate plays exactly as before). In the bonus (INTERCEPT
  uniform < ``bonus_share``) the fouled holder shoots two free throws (FT_1, FT_2) and the
  possession ends (FREE_THROWS); otherwise a side-out: the offense keeps the ball and
  :func:`engine.sim.step._clocks` raises a shot clock below 14 s to 14 (2015-16 rule).
The rates come from engine.outcomes (engine.outcomes.fouls, engine.outcomes.timing).
"""

from __future__ import annotations

import math

import torch

from engine.sim.geometry import any_row
from engine.sim.state import BallMode, Noise, Outcome, SimState

_DEAD = int(BallMode.DEAD)


def finish(s: SimState, mask: torch.Tensor, outcome: Outcome) -> None:
    """Mark rows ``mask`` (b,) done with ``outcome`` (fresh tensors; nothing when no row)."""
    if any_row(mask):
        s.done = s.done | mask
        s.outcome = s.outcome.masked_fill(mask, int(outcome))
        s.ball_mode = s.ball_mode.masked_fill(mask, _DEAD)


def foul_rates(out) -> tuple[float, float]:
    """(P(shooting foul | made), P(shooting foul | missed)) of outcome models ``out``."""
    base = out.shooting_foul_rate
    return getattr(out, "and_one_rate", base), getattr(out, "shooting_foul_miss_rate", base)


def nonshooting_foul(s: SimState, idle: torch.Tensor, u: torch.Tensor, out, dt_s: float,
                     p_steal: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Non-shooting fouls of rows ``idle`` (b,) bool (holding, no pass, shot or steal) with
    uniforms u (b, N_NOISE); ``s`` is updated in place (points, bonus rows finished).
    Returns (foul (b,), bonus (b,), free-throw points (b,) or None when no row fouled)."""
    rate = getattr(out, "nonshooting_foul_per_s", 0.0)
    foul = idle & (u[:, Noise.STEAL] < p_steal + (1.0 - math.exp(-rate * dt_s)))
    if not any_row(foul):
        return foul, foul.clone(), None
    bonus = foul & (u[:, Noise.INTERCEPT] < getattr(out, "bonus_share", 0.0))
    ft = torch.gather(s.ft_pct, 1, (s.handler - 1).clamp(0, 4)[:, None])[:, 0]
    fts = (u[:, Noise.FT_1] < ft).to(s.points.dtype) + (u[:, Noise.FT_2] < ft).to(s.points.dtype)
    fts = torch.where(bonus, fts, 0.0)
    s.points = s.points + fts
    finish(s, bonus, Outcome.FREE_THROWS)
    return foul, bonus, fts
