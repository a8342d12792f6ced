"""One possession of the synthetic corpus: its frames and play-by-play rows.

:func:`possession_log` turns row ``i`` of a :class:`envs.synthetic.sim.Trace` (the
half-court part, played by the simulator) plus the bring-up before it into canonical
frames (the offense attacks the right hoop) and structured play-by-play rows. Who
does what is ``(side, k)``: side 0 the offense, 1 the defense, k the player index
0..4 (slot k + 1, resp. k + 6). The rows follow the simulator's events:

- a shot is logged when it arrives (made / missed, shooter, distance, three);
  a shooting foul (by the defender nearest the shooter at the release) and its free
  throws follow it (an and-one's single free throw after the made shot; a missed
  shot's two or three free throws instead of the miss, as the real logs do); a missed
  last free throw is rebounded by the defender nearest the rim (the simulator ends the
  possession there);
- a missed shot's rebound: offensive by the simulator's new handler, defensive by the
  defender nearest the rim;
- an interception is a ``Bad Pass Turnover`` of the passer, a live-ball turnover a
  ``Lost Ball Turnover`` of the holder, each with a ``STEAL`` by the defender nearest
  the ball; a shot-clock violation is a team ``Shot Clock`` turnover.

Rows carry the game clock of their frame rounded down to a whole second (the real
logs have whole seconds and log 0-1 s after the action).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.court import HOOP_Y, RIGHT_HOOP_X, distance_to_hoop
from engine.sim.step import SHOT_CLOCK_S, Outcome
from envs.synthetic.sim import Trace

HOOP = np.array([RIGHT_HOOP_X, HOOP_Y])
OUTCOME_NAMES = {Outcome.DEFENSIVE_REBOUND: "missed_dreb", Outcome.TURNOVER: "turnover",
                 Outcome.SHOT_CLOCK: "turnover", Outcome.FREE_THROWS: "free_throws",
                 Outcome.PERIOD_END: "end_of_period"}


@dataclass
class Plan:
    """Sequence position j of a period: offense_team 0 visitor / 1 home, shift the
    handler's index, bring_up frames, offense / defense indices of the runner."""

    offense_team: int
    shift: int
    bring_up: int
    offense: int
    defense: int


@dataclass
class PossessionLog:
    """pos (F, 11, 3) canonical feet; game_clock, shot_clock (F,) s; rows: dicts with
    ``kind``, ``frame`` (index into pos), ``clock`` (whole seconds) and the kind's
    fields; record: what the simulator played (outcome, points, n_fga, n_shots,
    start_clock, end_clock, logged)."""

    pos: np.ndarray
    game_clock: np.ndarray
    shot_clock: np.ndarray
    rows: list[dict] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def bring_up(prev: np.ndarray, start: np.ndarray, handler: int, n: int) -> np.ndarray:
    """(n, 11, 3) frames walking every player from ``prev`` (11, 3) to ``start`` at an
    even pace; the ball is dribbled by ``handler`` (slot). The last frame is ``start``."""
    w = (np.arange(1, n + 1) / n)[:, None, None]
    pos = prev[None] + w * (start - prev)[None]
    pos[:, 1:, 2] = 0.0
    pos[:, 0, :2] = pos[:, handler, :2] + np.array([0.5, 0.5])
    pos[:, 0, 2] = np.where(np.arange(n) % 2 == 0, 1.2, 3.0)
    pos[-1] = start
    return pos


def possession_log(trace: Trace, i: int, plan: Plan, start_clock: float,
                   prev: np.ndarray, dt: float) -> PossessionLog:
    """Row i of ``trace`` preceded by its bring-up from ``prev`` (11, 3) canonical,
    the possession starting at ``start_clock`` (seconds left in the period)."""
    n_b, steps = plan.bring_up, int(trace.done_step[i])
    half = start_clock - n_b * dt
    pos = np.concatenate([bring_up(prev, trace.pos[0, i].astype(np.float64), plan.shift + 1, n_b),
                          trace.pos[1:steps + 1, i].astype(np.float64)])
    k = np.arange(1, n_b + steps + 1)
    clock = np.maximum(start_clock - k * dt, 0.0)
    shot = np.concatenate([SHOT_CLOCK_S - np.arange(1, n_b + 1) * dt,
                           trace.shot_clock[1:steps + 1, i].astype(np.float64)])
    log = PossessionLog(pos, clock, np.round(shot, 2))
    rows = _Rows(trace, i, log, n_b - 1, half, dt)
    for t in range(1, steps + 1):
        rows.step(t)
    pts = sum(r.get("points", 0) for r in log.rows)
    if pts != int(trace.points[i]):
        raise RuntimeError(f"synthetic possession: rows score {pts}, simulator {trace.points[i]}")
    outcome = Outcome(int(trace.outcome[i]))
    name = OUTCOME_NAMES.get(outcome) or f"made{int(trace.shot_value[steps, i])}"
    log.record = {"offense_team": plan.offense_team, "outcome": name, "points": pts,
                  "n_fga": sum(r["kind"] == "shot" for r in log.rows),
                  "n_shots": int(trace.ev["shot"][1:steps + 1, i].sum()),
                  "start_clock": start_clock, "end_clock": max(half - steps * dt, 0.0),
                  "logged": bool(log.rows)}
    return log


class _Rows:
    """Builds a possession's rows step by step (arrivals first, then releases)."""

    def __init__(self, trace: Trace, i: int, log: PossessionLog, offset: int, half: float,
                 dt: float) -> None:
        self.tr, self.i, self.log, self.offset = trace, i, log, offset
        self.half, self.dt = half, dt
        self.release: dict = {}

    def add(self, t: int, kind: str, **fields) -> None:
        clock = max(0, math.floor(self.half - t * self.dt + 1e-6))
        self.log.rows.append({"kind": kind, "frame": self.offset + t, "clock": clock, **fields})

    def nearest_defender(self, t: int, xy: np.ndarray) -> tuple[int, int]:
        d = np.linalg.norm(self.tr.pos[t, self.i, 6:11, :2] - xy, axis=1)
        return (1, int(d.argmin()))

    def ball_to(self, t: int, xyz) -> None:
        """Where the ball is shown on the frame a possession ends (the simulator leaves it
        where it was): at the rim after a shot, in the stealer's or rebounder's hands."""
        self.log.pos[self.offset + t, 0] = xyz

    def step(self, t: int) -> None:
        ev = {k: bool(v[t, self.i]) for k, v in self.tr.ev.items()}
        if ev["made"] or ev["miss"]:
            self.arrival(t, ev)
        if ev["interception"] or ev["steal"]:
            self.turnover(t, "bad_pass" if ev["interception"] else "lost_ball")
        if ev["nonshooting_foul"]:
            self.nonshooting_foul(t, ev["bonus"])
        if ev["shot"]:
            self.released(t)
        if ev["shot_clock_violation"]:
            self.add(t, "team_turnover")

    def released(self, t: int) -> None:
        tr, i = self.tr, self.i
        slot = int(tr.handler[t, i])
        xy = tr.pos[t, i, slot, :2].astype(np.float64)
        self.release = {"shooter": (0, slot - 1), "distance_ft": float(distance_to_hoop(xy)),
                        "fouler": self.nearest_defender(t, xy), "ft": tr.ft_made[t, i].tolist()}

    def arrival(self, t: int, ev: dict) -> None:
        tr, i, r = self.tr, self.i, self.release
        value, fouled = int(tr.shot_value[t, i]), bool(tr.fouled[t, i])
        if ev["made"]:
            self.add(t, "shot", who=r["shooter"], made=True, three=value == 3,
                     distance_ft=r["distance_ft"], points=value)
        if fouled:
            self.add(t, "foul", who=r["fouler"], other=r["shooter"])
            n = 1 if ev["made"] else value
            for k in range(n):
                self.add(t, "free_throw", who=r["shooter"], index=k + 1, total=n,
                         made=r["ft"][k], points=int(r["ft"][k]))
            if not r["ft"][n - 1]:
                self.add(t, "rebound", who=self.nearest_defender(t, HOOP), offensive=False)
        elif ev["miss"]:
            self.add(t, "shot", who=r["shooter"], made=False, three=value == 3,
                     distance_ft=r["distance_ft"], points=0)
            who = ((0, int(tr.handler[t, i]) - 1) if ev["oreb"] else self.nearest_defender(t, HOOP))
            self.add(t, "rebound", who=who, offensive=bool(ev["oreb"]))
            if ev["dreb"]:
                self.ball_to(t, [*self.log.pos[self.offset + t, 6 + who[1], :2], 5.0])
        if ev["made"] or fouled:
            self.ball_to(t, [RIGHT_HOOP_X, HOOP_Y, 10.0])

    def nonshooting_foul(self, t: int, bonus: bool) -> None:
        """A defensive foul on the holder: a side-out (no more rows), or in the bonus two
        free throws (the simulator's FT_1 / FT_2 draws) that end the possession, a missed
        last one rebounded by the defense as after a fouled shot."""
        tr, i = self.tr, self.i
        holder = (0, int(tr.handler[t, i]) - 1)
        xy = tr.pos[t, i, holder[1] + 1, :2].astype(np.float64)
        self.add(t, "foul", who=self.nearest_defender(t, xy), other=holder, shooting=False, bonus=bonus)
        if not bonus:
            return
        made = tr.ft_made[t, i].tolist()
        for k in range(2):
            self.add(t, "free_throw", who=holder, index=k + 1, total=2, made=made[k],
                     points=int(made[k]))
        if not made[1]:
            self.add(t, "rebound", who=self.nearest_defender(t, HOOP), offensive=False)
        self.ball_to(t, [RIGHT_HOOP_X, HOOP_Y, 10.0])

    def turnover(self, t: int, kind: str) -> None:
        tr, i = self.tr, self.i
        ball = tr.pos[t, i, 0, :2].astype(np.float64)
        stealer = self.nearest_defender(t, ball)
        self.add(t, kind, who=(0, int(tr.handler[t, i]) - 1), other=stealer)
        self.ball_to(t, [*self.log.pos[self.offset + t, 6 + stealer[1], :2], 3.5])
