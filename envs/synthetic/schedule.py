"""Periods of possessions for the synthetic corpus: who attacks, when, and batching.

A period is a sequence of possessions, each starting when the last one ended. Only
the game clock ties a possession to the ones before it, and it matters only when the
period ends inside it, so the periods of a batch of games are played in rounds:

1. for each unfinished period (``PeriodRun``), its next possession is requested with
   its true start clock, and the ones after it speculatively with no period end in
   sight (``NOMINAL_CLOCK_S``), as many as the clock left could hold;
2. all requests of all periods play at once in one :class:`HalfCourtRunner` batch;
3. each period keeps its possessions in order while they end before the clock runs
   out (then they are exactly what a true-clock run gives); the first that does not
   is dropped with everything after it, and the next round replays it with its true
   clock (a last shot, a period-end possession).

A possession's choices (offense team, handler, bring-up length, scheme) come from
``np.random.default_rng([seed, game, period, j])`` for its position j, so they do not
depend on how the rounds fall; the play itself comes from the batch's generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.court import flip
from engine.sim.step import Outcome
from envs.plays import FIVE_OUT
from envs.synthetic.config import SyntheticConfig, attacks_right, first_offense
from envs.synthetic.play import Plan, bring_up, possession_log
from envs.synthetic.sim import HalfCourtRunner, Requests

SPECULATE_S = 10.0     # a possession lasts ~11-15 s with its bring-up: ask for a few extra
CLOCK_EPS_S = 1e-3
# Jump-ball set-up at centre court (absolute feet): the team attacking right stands in
# the left half, the other in the right half, the ball tossed at centre.
_CENTRE = np.array([[46.0, 25.0], [38.0, 12.0], [38.0, 38.0], [30.0, 20.0], [30.0, 31.0]])


def to_canonical(xyz: np.ndarray, offense_team: int, right: bool) -> np.ndarray:
    """(…, 11, 3) slots [ball, visitors, home] absolute -> [ball, offense, defense]
    with the offense attacking the right hoop (the inverse of :func:`to_absolute`)."""
    out = xyz if right else flip(xyz)
    return out[..., [0, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5], :] if offense_team == 1 else out.copy()


to_absolute = to_canonical   # both steps are involutions and commute


def centre_court(right_team: int) -> np.ndarray:
    """(11, 3) absolute jump-ball positions; ``right_team`` attacks the right hoop."""
    pos = np.zeros((11, 3))
    mine, theirs = _CENTRE, flip(_CENTRE)
    pos[1:6, :2], pos[6:11, :2] = (mine, theirs) if right_team == 0 else (theirs, mine)
    pos[0] = [47.0, 25.0, 6.0]
    return pos


@dataclass
class PeriodRun:
    """One period of one game in play: clock left, next position j, where the last
    play ended (absolute, slots [ball, visitors, home]), and what was logged."""

    game: int
    period: int
    tip_winner: int
    offense_of: tuple[int, int]          # runner offense index of visitors, home
    clock: float
    prev: np.ndarray
    j: int = 0
    done: bool = False
    frames: list = field(default_factory=list)   # (pos_abs, game_clock, shot_clock)
    rows: list = field(default_factory=list)     # rows with absolute frame numbers
    records: list = field(default_factory=list)
    n_frames: int = 0

    def plan(self, cfg: SyntheticConfig, j: int) -> Plan:
        rng = np.random.default_rng([cfg.seed, self.game, self.period, j])
        first = first_offense(self.tip_winner, self.period)
        team = first if j % 2 == 0 else 1 - first
        lo, hi = cfg.bring_up_frames
        return Plan(offense_team=team, shift=int(rng.integers(0, 5)),
                    bring_up=int(rng.integers(lo, hi + 1)), offense=self.offense_of[team],
                    defense=int(rng.integers(0, len(cfg.defenses))))

    def add(self, log, team: int) -> None:
        """Append a possession's frames and rows (canonical -> absolute)."""
        right = attacks_right(team, self.period)
        self.frames.append((to_absolute(log.pos, team, right), log.game_clock, log.shot_clock))
        for r in log.rows:
            self.rows.append({**r, "frame": r["frame"] + self.n_frames, "period": self.period,
                              "team": team})
        self.records.append({**log.record, "period": self.period, "poss_seq": self.j})
        self.n_frames += len(log.game_clock)
        self.prev = self.frames[-1][0][-1]
        self.clock = float(log.record["end_clock"])
        self.j += 1

    def run_out(self, plan: Plan, dt: float) -> None:
        """The clock runs out during the bring-up: walk until 0:00, no possession."""
        n = math.floor(self.clock / dt + CLOCK_EPS_S)
        self.done = True
        if n <= 0:
            return
        right = attacks_right(plan.offense_team, self.period)
        prev = to_canonical(self.prev, plan.offense_team, right)
        start = prev.copy()
        start[1:6, :2] = np.roll(np.asarray(FIVE_OUT), plan.shift, axis=0)
        start[6:11, :2] = start[1:6, :2] + 0.2 * (np.array([88.75, 25.0]) - start[1:6, :2])
        pos = bring_up(prev, start, plan.shift + 1, plan.bring_up)[:n]
        clock = self.clock - np.arange(1, n + 1) * dt
        self.frames.append((to_absolute(pos, plan.offense_team, right), clock,
                            np.round(24.0 - np.arange(1, n + 1) * dt, 2)))
        self.n_frames += n


def _request(runs: list[PeriodRun], cfg: SyntheticConfig, dt: float):
    """This round's requests: [(run, j, plan, true_clock)] and their Requests."""
    want = []
    for run in runs:
        if run.done:
            continue
        plan = run.plan(cfg, run.j)
        if run.clock - plan.bring_up * dt <= dt:
            run.run_out(plan, dt)
            continue
        extra = math.ceil(run.clock / SPECULATE_S)
        for m in range(1 + extra):
            p = plan if m == 0 else run.plan(cfg, run.j + m)
            start = run.clock - p.bring_up * dt if m == 0 else math.inf
            want.append((run, run.j + m, p, start))
    req = Requests(shift=np.array([w[2].shift for w in want], np.int64),
                   shot_clock=np.array([24.0 - w[2].bring_up * dt for w in want]),
                   game_clock=np.array([w[3] for w in want]),
                   offense=np.array([w[2].offense for w in want], np.int64),
                   defense=np.array([w[2].defense for w in want], np.int64))
    return want, req


def _commit(want: list, trace, dt: float) -> None:
    """Keep each period's possessions in order while they end before 0:00."""
    stopped: set[int] = set()
    for i, (run, j, plan, start) in enumerate(want):
        if id(run) in stopped or run.done or j != run.j:
            continue
        half = run.clock - plan.bring_up * dt
        end = half - int(trace.done_step[i]) * dt
        if math.isinf(start) and end <= CLOCK_EPS_S:
            stopped.add(id(run))                        # replayed with its true clock
            continue
        right = attacks_right(plan.offense_team, run.period)
        prev = to_canonical(run.prev, plan.offense_team, right)
        run.add(possession_log(trace, i, plan, run.clock, prev, dt), plan.offense_team)
        if end <= CLOCK_EPS_S or trace.outcome[i] == Outcome.PERIOD_END:
            run.done = True


def play_periods(runs: list[PeriodRun], runner: HalfCourtRunner, cfg: SyntheticConfig,
                 gen: torch.Generator) -> None:
    """Play every period of ``runs`` to its end (rounds, module docstring)."""
    dt = runner.dt
    while not all(r.done for r in runs):
        want, req = _request(runs, cfg, dt)
        if not want:
            continue
        _commit(want, runner.run(req, gen), dt)
