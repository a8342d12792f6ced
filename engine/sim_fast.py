"""The single-possession fast path: :mod:`engine.sim`'s step in numpy float64.

A torch op costs microseconds even on an 11 x 3 tensor, so one gymnasium env stepping
the batched core manages a few thousand steps per second. This module repeats the
same step, in the same order with the same noise columns, on numpy arrays of one
possession; ``tests/engine/test_sim_fast.py`` checks it step for step against the
torch core. Any rule change goes into both files (the test fails otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from engine.court import (COURT_LENGTH, COURT_WIDTH, CORNER_LINE_LENGTH, HOOP_Y, RIGHT_HOOP_X,
                          THREE_ARC_RADIUS, THREE_CORNER_DIST)
from engine.sim import SHOT_CLOCK_S, BallMode, Decision, Noise, Outcome, SimConfig, SimState

HOOP = np.array([RIGHT_HOOP_X, HOOP_Y])
HI = np.array([COURT_LENGTH, COURT_WIDTH])


@dataclass
class FastState:
    """SimState of one possession: arrays without the batch axis, scalars as Python."""

    pos: np.ndarray
    vel: np.ndarray
    handler: int
    ball_mode: int
    src: np.ndarray
    dst: np.ndarray
    flight_t: float
    flight_total: float
    pass_to: int
    intercepted: bool
    shot_made: bool
    fouled: bool
    shot_value: int
    ft_points: float
    shot_clock: float
    game_clock: float
    elapsed: float
    points: float
    done: bool
    outcome: int
    logit_adj: np.ndarray
    ft_pct: np.ndarray
    n_passes: int
    n_shots: int
    n_oreb: int

    @classmethod
    def from_torch(cls, s: SimState, row: int = 0) -> "FastState":
        kw = {}
        for f in fields(SimState):
            v = getattr(s, f.name)[row].detach().cpu()
            kw[f.name] = v.double().numpy().copy() if v.ndim else v.item()
        return cls(**kw)

    def copy(self) -> "FastState":
        return FastState(**{f.name: (lambda v: v.copy() if isinstance(v, np.ndarray) else v)(
            getattr(self, f.name)) for f in fields(self)})


def _cap(v: np.ndarray, limit: float) -> np.ndarray:
    n = np.sqrt((v * v).sum(-1, keepdims=True))
    return v * np.minimum(limit / np.maximum(n, 1e-9), 1.0)


def shot_geometry(xy: np.ndarray) -> tuple[float, bool, float]:
    dx, dy = xy[0] - HOOP[0], xy[1] - HOOP[1]
    dist = math.hypot(dx, dy)
    three = (xy[0] >= COURT_LENGTH - CORNER_LINE_LENGTH and abs(dy) >= THREE_CORNER_DIST) \
        or dist >= THREE_ARC_RADIUS
    return dist, bool(three), math.degrees(math.atan2(abs(dy), max(-dx, 0.0)))


def lane_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Smallest distance of points p (m, 2) to the segment a -> b (2,), feet."""
    ab = b - a
    t = ((p - a) @ ab) / max(float(ab @ ab), 1e-9)
    closest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    return float(np.sqrt(((p - closest) ** 2).sum(-1)).min())


def _finish(s: FastState, outcome: Outcome) -> None:
    s.done, s.outcome, s.ball_mode = True, int(outcome), int(BallMode.DEAD)


def _arrivals(s: FastState, u: np.ndarray, out, cfg: SimConfig, ev: dict) -> None:
    if s.ball_mode != BallMode.HELD:
        s.flight_t += cfg.dt_s
    if s.flight_t < s.flight_total - 1e-6 or s.ball_mode in (BallMode.HELD, BallMode.DEAD):
        return
    if s.ball_mode == BallMode.PASS:
        if s.intercepted:
            ev["interception"] = True
            _finish(s, Outcome.TURNOVER)
        else:
            ev["catch"] = True
            s.handler, s.ball_mode = s.pass_to, int(BallMode.HELD)
        return
    if s.shot_made:
        s.points += s.shot_value
    if s.fouled:
        s.points += s.ft_points
        ev["ft_made"] = s.ft_points
    ev["made" if s.shot_made else "miss"] = True
    if s.shot_made:
        _finish(s, Outcome.MADE)
    elif s.fouled:
        _finish(s, Outcome.FREE_THROWS)
    elif u[Noise.REBOUND] < out.oreb_rate:
        ev["oreb"] = True
        to_rim = np.sqrt(((s.pos[1:6, :2] - HOOP) ** 2).sum(-1))
        s.handler, s.ball_mode = int(to_rim.argmin()) + 1, int(BallMode.HELD)
        s.shot_clock, s.n_oreb = SHOT_CLOCK_S, s.n_oreb + 1
    else:
        ev["dreb"] = True
        _finish(s, Outcome.DEFENSIVE_REBOUND)


def _start_pass(s: FastState, target: int, u: np.ndarray, out, cfg: SimConfig, ev: dict) -> None:
    src = s.pos[s.handler].copy()
    src[2] = cfg.hold_height_ft
    length = math.hypot(*(s.pos[target, :2] - src[:2]))
    flight = max(length / out.pass_speed_ftps, 0.25)
    dst = s.pos[target].copy()
    if cfg.lead_pass:
        dst[:2] = dst[:2] + s.vel[target, :2] * flight
    dst[2] = cfg.hold_height_ft
    lane = lane_distance(s.pos[6:, :2], src[:2], dst[:2])
    s.intercepted = bool(u[Noise.INTERCEPT] < out.p_intercept(lane, length))
    s.src, s.dst, s.flight_t, s.flight_total = src, dst, 0.0, flight
    s.pass_to, s.ball_mode, s.n_passes = target, int(BallMode.PASS), s.n_passes + 1
    ev["pass"] = True


def _start_shot(s: FastState, u: np.ndarray, out, cfg: SimConfig, ev: dict) -> None:
    xy = s.pos[s.handler, :2]
    dist, three, angle = shot_geometry(xy)
    defender = float(np.sqrt(((s.pos[6:, :2] - xy) ** 2).sum(-1)).min())
    k = s.handler - 1
    p = out.p_make(dist, three, defender, angle, min(max(s.shot_clock, 0.0), SHOT_CLOCK_S),
                   s.logit_adj[k])
    s.shot_made = bool(u[Noise.MAKE] < p)
    s.fouled = bool(u[Noise.FOUL] < out.shooting_foul_rate)
    s.shot_value = 3 if three else 2
    n_ft = 1 if s.shot_made else s.shot_value
    s.ft_points = float(sum(u[Noise.FT_1 + i] < s.ft_pct[k] for i in range(n_ft)))
    s.src = np.array([xy[0], xy[1], cfg.release_height_ft])
    s.dst = np.array([HOOP[0], HOOP[1], cfg.rim_height_ft])
    s.flight_t, s.flight_total = 0.0, float(out.shot_flight_s(dist))
    s.ball_mode, s.n_shots = int(BallMode.SHOT), s.n_shots + 1
    ev["shot"], ev["p_make"], ev["foul"] = True, float(p), s.fouled


def _decide(s: FastState, decision: int, u: np.ndarray, out, cfg: SimConfig, ev: dict) -> None:
    if s.done or s.ball_mode != BallMode.HELD:
        return
    target = min(max(decision - Decision.PASS_0 + 1, 1), 5)
    if Decision.PASS_0 <= decision <= Decision.PASS_4 and target != s.handler:
        _start_pass(s, target, u, out, cfg, ev)
    elif decision == Decision.SHOOT:
        _start_shot(s, u, out, cfg, ev)
    elif u[Noise.STEAL] < 1.0 - math.exp(-out.live_turnover_per_s * cfg.dt_s):
        ev["steal"] = True
        _finish(s, Outcome.TURNOVER)


def _place_ball(s: FastState, cfg: SimConfig) -> np.ndarray:
    if s.done:
        return s.pos[0].copy()
    if s.ball_mode in (BallMode.PASS, BallMode.SHOT):
        frac = min(max(s.flight_t / max(s.flight_total, 1e-6), 0.0), 1.0)
        ball = s.src + frac * (s.dst - s.src)
        arc = cfg.shot_arc_ft if s.ball_mode == BallMode.SHOT else cfg.pass_arc_ft
        ball[2] += 4.0 * arc * frac * (1.0 - frac)
        return ball
    ball = s.pos[s.handler].copy()
    ball[2] = cfg.hold_height_ft
    return ball


def _clocks(s: FastState, cfg: SimConfig, ev: dict) -> None:
    s.shot_clock -= cfg.dt_s
    s.game_clock -= cfg.dt_s
    s.elapsed += cfg.dt_s
    if s.done or s.ball_mode == BallMode.SHOT:
        return
    if s.game_clock <= 1e-6:
        ev["period_end"] = True
        _finish(s, Outcome.PERIOD_END)
    elif s.shot_clock <= 1e-6:
        ev["shot_clock_violation"] = True
        _finish(s, Outcome.SHOT_CLOCK)


def step(s: FastState, off_vel: np.ndarray, def_vel: np.ndarray, decision: int, u: np.ndarray,
         out, cfg: SimConfig) -> tuple[FastState, dict]:
    """engine.sim.step for one possession: off_vel, def_vel (5, 2) ft/s, decision int,
    u (N_NOISE,) uniforms, out: OutcomeArrays. Returns (new state, events that
    happened: only the True / non-zero ones are present, plus points and done)."""
    ev: dict = {}
    n = s.copy()
    if s.done:
        n.vel[:] = 0.0
        return n, {"points": 0.0, "done": False}
    wanted = np.concatenate([off_vel, def_vel], axis=0)
    v0 = s.vel[1:, :2]
    v = _cap(v0 + _cap(wanted - v0, cfg.player_accel_ftps2 * cfg.dt_s), cfg.player_speed_ftps)
    xy = np.minimum(np.maximum(s.pos[1:, :2] + v * cfg.dt_s, 0.0), HI)
    n.vel[1:, :2] = (xy - s.pos[1:, :2]) / cfg.dt_s
    n.pos[1:, :2] = xy
    _arrivals(n, u, out, cfg, ev)
    _decide(n, int(decision), u, out, cfg, ev)
    ball = _place_ball(n, cfg)
    n.vel[0] = (ball - s.pos[0]) / cfg.dt_s
    n.pos[0] = ball
    _clocks(n, cfg, ev)
    ev["points"], ev["done"] = n.points - s.points, n.done
    return n, ev
