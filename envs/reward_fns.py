"""Per-step rewards of the simulated possession, selectable by name (:data:`REWARDS`,
an :class:`engine.registry.Registry`).

Each reward is a callable ``(events, state) -> (b,)`` on a step's events
(:func:`engine.sim.step.step`) and the state after it, plus a ``scalar(events, fast_state)``
twin for the single-env fast path (events there are a dict of the events that
happened, :func:`engine.sim.fast.step`). Any callable ``(events, state) -> (b,)`` is
accepted too (the fast path is then off).

- ``playbest``: :class:`engine.rewards.PlayBestTable` applied to the step's events:
  made 2 / made 3, each made free throw, offensive rebound, turnover (interception or
  live-ball steal), shot-clock violation. The offense commits no fouls in the sim, so
  the table's foul entry never fires.
- ``points``: points scored this step.
- ``expected_points``: at a shot's release, its make probability x its value (the
  outcome is then noise); 0 otherwise.
- ``reliable``: :func:`engine.rewards.reliable_reward` of the whole possession, paid at
  the step it ends (0 before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.registry import Registry
from engine.rewards import PlayBestTable, ReliableWeights, reliable_reward
from engine.sim.step import SHOT_CLOCK_S, SimState


class PlayBestStep:
    def __init__(self, table: PlayBestTable | None = None) -> None:
        self.t = table or PlayBestTable()

    def __call__(self, ev: dict, s: SimState) -> torch.Tensor:
        t = self.t
        three = s.shot_value == 3
        r = torch.where(ev["made"], torch.where(three, t.made3, t.made2), 0.0)
        r = r + t.free_throw_made * ev["ft_made"] + t.rebound * ev["oreb"].to(r.dtype)
        r = r + t.turnover * (ev["interception"] | ev["steal"]).to(r.dtype)
        return r + t.violation * ev["shot_clock_violation"].to(r.dtype)

    def scalar(self, ev: dict, s) -> float:
        t = self.t
        r = (t.made3 if s.shot_value == 3 else t.made2) if ev.get("made") else 0.0
        r += t.free_throw_made * ev.get("ft_made", 0.0) + (t.rebound if ev.get("oreb") else 0.0)
        r += t.turnover if (ev.get("interception") or ev.get("steal")) else 0.0
        return r + (t.violation if ev.get("shot_clock_violation") else 0.0)


class PointsStep:
    def __call__(self, ev: dict, s: SimState) -> torch.Tensor:
        return ev["points"]

    def scalar(self, ev: dict, s) -> float:
        return float(ev["points"])


class ExpectedPointsStep:
    def __call__(self, ev: dict, s: SimState) -> torch.Tensor:
        return torch.where(ev["shot"], ev["p_make"] * s.shot_value.to(ev["p_make"].dtype), 0.0)

    def scalar(self, ev: dict, s) -> float:
        return float(ev["p_make"]) * s.shot_value if ev.get("shot") else 0.0


class ReliableStep:
    def __init__(self, w: ReliableWeights | None = None) -> None:
        self.w = w or ReliableWeights()

    def __call__(self, ev: dict, s: SimState) -> torch.Tensor:
        w = self.w
        used = (SHOT_CLOCK_S - s.shot_clock.clamp(0.0, SHOT_CLOCK_S)) / SHOT_CLOCK_S
        k = torch.floor(s.game_clock.clamp_min(0.0) / 24.0)
        log_comb = torch.lgamma(k + w.nb_r) - torch.lgamma(k + 1.0) - math.lgamma(w.nb_r)
        pmf = torch.exp(log_comb + w.nb_r * math.log(w.nb_p) + k * math.log(1.0 - w.nb_p))
        late = (s.game_clock / w.period_s) * pmf
        total = w.points * s.points + w.shot_clock * used + w.game_clock * late
        return torch.where(ev["done"], total, 0.0)

    def scalar(self, ev: dict, s) -> float:
        if not ev.get("done"):
            return 0.0
        return reliable_reward(float(s.points), float(s.shot_clock), float(s.game_clock), self.w)


@dataclass
class NoOptions:
    """A reward without options."""


REWARDS: Registry = Registry("reward")
"""Rewards by name: ``REWARDS.make(name, options)`` -> step reward (options: the fields of
:class:`engine.rewards.PlayBestTable` for ``playbest``, of
:class:`engine.rewards.ReliableWeights` for ``reliable``, none for the others)."""


@REWARDS.register("playbest", PlayBestTable, help="PlayBest's per-event table")
def _playbest(cfg: PlayBestTable) -> PlayBestStep:
    return PlayBestStep(cfg)


@REWARDS.register("points", NoOptions, help="points scored this step")
def _points(cfg: NoOptions) -> PointsStep:
    return PointsStep()


@REWARDS.register("expected_points", NoOptions, help="make probability x value at release")
def _expected_points(cfg: NoOptions) -> ExpectedPointsStep:
    return ExpectedPointsStep()


@REWARDS.register("reliable", ReliableWeights, help="ReLiable's possession reward at the end")
def _reliable(cfg: ReliableWeights) -> ReliableStep:
    return ReliableStep(cfg)
