"""The single-possession fast path, a documented twin of :mod:`engine.sim.step`: the
same step in plain Python floats, for one possession.

Why a twin: a torch op costs microseconds even on an 11 x 3 tensor, so one gymnasium
env stepping the batched core manages a few thousand steps per second. This module
repeats the same step, in the same order with the same noise columns
(:class:`engine.sim.state.Noise`), for one possession. The state keeps numpy arrays,
but the step itself runs on plain Python floats (a numpy call on a 3-vector costs about
a microsecond, a float operation some 30 ns). HalfCourt-v0 uses it when the defense,
the reward and the outcomes have float twins (``envs.halfcourt``'s ``fast`` option).

Twin contract (what "equal" means): from the same state (:meth:`FastState.from_torch`
or :func:`initial_state`), with the same wanted velocities, decision and uniforms,
every step gives positions within 1e-3 ft of the torch core's (float64 here, float32
there) and exactly the same events, outcome, points and end of possession.
The test that proves it: ``tests/engine/sim/test_fast.py::test_fast_step_matches_torch_step``
(300 random steps per seed through ``tests/contracts.py``'s ``twin_tester``), with
``test_fast_initial_state_matches_torch`` for the start and, at the env level,
``tests/envs/test_envs.py::test_fast_path_matches_torch_path``. Any rule change goes into
both files (the test fails otherwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from engine.court import (
    CORNER_LINE_LENGTH,
    COURT_LENGTH,
    COURT_WIDTH,
    HOOP_Y,
    RIGHT_HOOP_X,
    THREE_ARC_RADIUS,
    THREE_CORNER_DIST,
)
from engine.sim.geometry import TIE_FT
from engine.sim.step import (
    SHOT_CLOCK_S,
    SIDE_OUT_SHOT_CLOCK_S,
    BallMode,
    Decision,
    Noise,
    Outcome,
    SimConfig,
    SimState,
)

HOOP = np.array([RIGHT_HOOP_X, HOOP_Y])


@dataclass
class FastState:
    """SimState of one possession: arrays without the batch axis (pos, vel, src, dst
    may also be nested lists of floats, see :func:`step`), scalars as Python."""

    pos: np.ndarray
    vel: np.ndarray
    handler: int
    ball_mode: int
    src: np.ndarray
    dst: np.ndarray
    flight_t: float
    flight_total: float
    resolve_s: float
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


_HX, _HY = float(RIGHT_HOOP_X), float(HOOP_Y)
_CORNER_X = COURT_LENGTH - CORNER_LINE_LENGTH
_HELD, _PASS, _SHOT, _DEAD = int(BallMode.HELD), int(BallMode.PASS), int(BallMode.SHOT), int(BallMode.DEAD)
_STEAL, _INTERCEPT, _MAKE, _FOUL, _FT_1, _FT_2, _REBOUND = (
    int(Noise.STEAL), int(Noise.INTERCEPT), int(Noise.MAKE), int(Noise.FOUL), int(Noise.FT_1),
    int(Noise.FT_2), int(Noise.REBOUND))
_RELEASE = int(Noise.RELEASE)


def initial_state(pos: np.ndarray, handler: int, shot_clock: float, game_clock: float,
                  vel: np.ndarray | None = None, logit_adj: np.ndarray | None = None,
                  ft_pct: np.ndarray | None = None, cfg: SimConfig | None = None,
                  league_ft_pct: float = 0.76) -> FastState:
    """engine.sim.step.initial_state for one possession: pos, vel (11, 3) feet, ft/s;
    handler slot 1..5; clocks in seconds (NaN shot clock: 24); logit_adj, ft_pct (5,)."""
    cfg = cfg or SimConfig()
    pos = np.array(pos, dtype=float)
    pos[1:, 2] = 0.0
    vel = np.zeros_like(pos) if vel is None else np.array(vel, dtype=float)
    vel[0] = 0.0
    handler = min(max(int(handler), 1), 5)
    pos[0] = pos[handler]
    pos[0, 2] = cfg.hold_height_ft
    sc = SHOT_CLOCK_S if math.isnan(shot_clock) else float(shot_clock)
    return FastState(
        pos=pos, vel=vel, handler=handler, ball_mode=_HELD, src=pos[0].copy(), dst=pos[0].copy(),
        flight_t=0.0, flight_total=0.0, resolve_s=0.0, pass_to=-1, intercepted=False, shot_made=False,
        fouled=False, shot_value=2, ft_points=0.0, shot_clock=sc, game_clock=float(game_clock),
        elapsed=0.0, points=0.0, done=False, outcome=int(Outcome.ONGOING),
        logit_adj=np.zeros(5) if logit_adj is None else np.array(logit_adj, dtype=float),
        ft_pct=np.full(5, league_ft_pct) if ft_pct is None else np.array(ft_pct, dtype=float),
        n_passes=0, n_shots=0, n_oreb=0)


def shot_geometry(xy) -> tuple[float, bool, float]:
    """Shooter (x, y) feet -> distance to the right hoop ft, is_three, angle degrees."""
    dx, dy = xy[0] - _HX, xy[1] - _HY
    dist = math.hypot(dx, dy)
    three = (xy[0] >= _CORNER_X and abs(dy) >= THREE_CORNER_DIST) or dist >= THREE_ARC_RADIUS
    return dist, bool(three), math.degrees(math.atan2(abs(dy), max(-dx, 0.0)))


def lane_distance(p, a, b) -> float:
    """Smallest distance of points p (m, >= 2) to the segment a -> b (>= 2,) in (x, y), feet."""
    ax, ay = float(a[0]), float(a[1])
    abx, aby = float(b[0]) - ax, float(b[1]) - ay
    inv = 1.0 / max(abx * abx + aby * aby, 1e-9)
    best = math.inf
    for q in (p.tolist() if isinstance(p, np.ndarray) else p):
        px, py = q[0], q[1]
        t = min(max(((px - ax) * abx + (py - ay) * aby) * inv, 0.0), 1.0)
        best = min(best, math.hypot(px - (ax + t * abx), py - (ay + t * aby)))
    return best


def _move(pos: list, vel: list, wanted: list, cfg: SimConfig) -> None:
    """Slots 1..10 in place: accel cap, speed cap, integrate, keep on the court (the
    caps as scale factors min(cap / norm, 1), written as branches: faster in CPython;
    names bound locally for the same reason)."""
    dt, max_dv, vmax = cfg.dt_s, cfg.player_accel_ftps2 * cfg.dt_s, cfg.player_speed_ftps
    sqrt, length, width = math.sqrt, COURT_LENGTH, COURT_WIDTH
    for p, v, w in zip(pos[1:], vel[1:], wanted):
        px, py, vx, vy = p[0], p[1], v[0], v[1]
        dx, dy = w[0] - vx, w[1] - vy
        n = sqrt(dx * dx + dy * dy)
        if n > max_dv:
            k = max_dv / n
            dx, dy = dx * k, dy * k
        vx, vy = vx + dx, vy + dy
        n = sqrt(vx * vx + vy * vy)
        if n > vmax:
            k = vmax / n
            vx, vy = vx * k, vy * k
        x, y = px + vx * dt, py + vy * dt
        x = 0.0 if x < 0.0 else (length if x > length else x)
        y = 0.0 if y < 0.0 else (width if y > width else y)
        v[0], v[1] = (x - px) / dt, (y - py) / dt
        p[0], p[1] = x, y


def _finish(s: FastState, outcome: Outcome) -> None:
    s.done, s.outcome, s.ball_mode = True, int(outcome), _DEAD


def _shot_lands(s: FastState, u, out, ev: dict) -> None:
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
    elif u[_REBOUND] < out.oreb_rate:
        ev["oreb"] = True
        d = [math.hypot(p[0] - _HX, p[1] - _HY) for p in s.pos[1:6]]
        near = min(d) + TIE_FT   # ties to the lowest slot, as engine.sim.geometry.first_nearest
        s.handler, s.ball_mode = next(k for k, x in enumerate(d) if x <= near) + 1, _HELD
        s.shot_clock, s.n_oreb = SHOT_CLOCK_S, s.n_oreb + 1
    else:
        ev["dreb"] = True
        _finish(s, Outcome.DEFENSIVE_REBOUND)


def _arrivals(s: FastState, u, out, cfg: SimConfig, ev: dict) -> None:
    if s.ball_mode != _HELD:
        s.flight_t += cfg.dt_s
    due = s.resolve_s if s.ball_mode == _SHOT else s.flight_total
    if s.ball_mode == _HELD or s.ball_mode == _DEAD or s.flight_t < due - 1e-6:
        return
    if s.ball_mode == _PASS:
        if s.intercepted:
            ev["interception"] = True
            _finish(s, Outcome.TURNOVER)
        else:
            ev["catch"] = True
            s.handler, s.ball_mode = s.pass_to, _HELD
        return
    _shot_lands(s, u, out, ev)


def _start_pass(s: FastState, target: int, u, out, cfg: SimConfig, ev: dict) -> None:
    h, r, rv = s.pos[s.handler], s.pos[target], s.vel[target]
    src = [h[0], h[1], cfg.hold_height_ft]
    length = math.hypot(r[0] - src[0], r[1] - src[1])
    flight = max(length / out.pass_speed_ftps, 0.25)
    dst = [r[0], r[1], cfg.hold_height_ft]
    if cfg.lead_pass:
        dst[0], dst[1] = dst[0] + rv[0] * flight, dst[1] + rv[1] * flight
    lane = lane_distance(s.pos[6:], src, dst)
    s.intercepted = bool(u[_INTERCEPT] < out.p_intercept(lane, length))
    s.src, s.dst, s.flight_t, s.flight_total = src, dst, 0.0, flight
    s.pass_to, s.ball_mode, s.n_passes = target, _PASS, s.n_passes + 1
    ev["pass"] = True


def _start_shot(s: FastState, u, out, cfg: SimConfig, ev: dict) -> None:
    x, y = s.pos[s.handler][0], s.pos[s.handler][1]
    body, three, angle = shot_geometry((x, y))
    defender = min(math.hypot(p[0] - x, p[1] - y) for p in s.pos[6:])
    k = s.handler - 1
    clock = min(max(s.shot_clock, 0.0), SHOT_CLOCK_S)
    dist = float(out.release_ft(body, three, u[_RELEASE])) if hasattr(out, "release_ft") else body
    scale = dist / max(body, 1e-6)
    if getattr(out, "uses_approach", False):
        v = s.vel[s.handler]
        approach = (v[0] * (_HX - x) + v[1] * (_HY - y)) / max(body, 1e-6)
        p = out.p_make(dist, three, defender, angle, clock, float(s.logit_adj[k]),
                       approach_ftps=approach, kind_distance_ft=body)
    else:
        p = out.p_make(dist, three, defender, angle, clock, float(s.logit_adj[k]))
    s.shot_made = bool(u[_MAKE] < p)
    base = out.shooting_foul_rate
    rate = getattr(out, "and_one_rate", base) if s.shot_made else getattr(out, "shooting_foul_miss_rate", base)
    s.fouled = bool(u[_FOUL] < rate)
    s.shot_value = 3 if three else 2
    n_ft, ft = (1 if s.shot_made else s.shot_value), float(s.ft_pct[k])
    s.ft_points = float(sum(u[_FT_1 + i] < ft for i in range(n_ft)))
    s.src = [_HX + (x - _HX) * scale, _HY + (y - _HY) * scale, cfg.release_height_ft]
    s.dst = [_HX, _HY, cfg.rim_height_ft]
    s.flight_t, s.flight_total = 0.0, float(out.shot_flight_s(dist))
    end = float(out.shot_end_s(u[_INTERCEPT], s.shot_made)) if hasattr(out, "shot_end_s") else 0.0
    s.resolve_s = s.flight_total if s.fouled else max(s.flight_total, end)
    s.ball_mode, s.n_shots = _SHOT, s.n_shots + 1
    ev["shot"], ev["p_make"], ev["foul"] = True, float(p), s.fouled


def _decide(s: FastState, decision: int, u, out, cfg: SimConfig, ev: dict) -> None:
    if s.done or s.ball_mode != _HELD:
        return
    target = min(max(decision - Decision.PASS_0 + 1, 1), 5)
    if Decision.PASS_0 <= decision <= Decision.PASS_4 and target != s.handler:
        _start_pass(s, target, u, out, cfg, ev)
    elif decision == Decision.SHOOT:
        _start_shot(s, u, out, cfg, ev)
    else:
        p_steal = 1.0 - math.exp(-out.live_turnover_per_s * cfg.dt_s)
        if u[_STEAL] < p_steal:
            ev["steal"] = True
            _finish(s, Outcome.TURNOVER)
        else:
            p_foul = 1.0 - math.exp(-getattr(out, "nonshooting_foul_per_s", 0.0) * cfg.dt_s)
            if u[_STEAL] < p_steal + p_foul:
                _nonshooting_foul(s, u, out, ev)


def _nonshooting_foul(s: FastState, u, out, ev: dict) -> None:
    """engine.sim.step._nonshooting_foul: two free throws in the bonus, else a side-out."""
    ev["nonshooting_foul"] = True
    if u[_INTERCEPT] < getattr(out, "bonus_share", 0.0):
        ft = float(s.ft_pct[s.handler - 1])
        fts = float((u[_FT_1] < ft) + (u[_FT_2] < ft))
        s.points += fts
        ev["ft_made"] = ev.get("ft_made", 0.0) + fts
        ev["bonus"] = True
        _finish(s, Outcome.FREE_THROWS)


def _place_ball(s: FastState, cfg: SimConfig) -> list:
    if s.done:
        return list(s.pos[0])
    if s.ball_mode == _PASS or s.ball_mode == _SHOT:
        frac = min(max(s.flight_t / max(s.flight_total, 1e-6), 0.0), 1.0)
        a, b = s.src, s.dst
        arc = cfg.shot_arc_ft if s.ball_mode == _SHOT else cfg.pass_arc_ft
        return [a[0] + frac * (b[0] - a[0]), a[1] + frac * (b[1] - a[1]),
                a[2] + frac * (b[2] - a[2]) + 4.0 * arc * frac * (1.0 - frac)]
    h = s.pos[s.handler]
    return [h[0], h[1], cfg.hold_height_ft]


def _clocks(s: FastState, cfg: SimConfig, ev: dict, stopped: bool) -> None:
    """``stopped``: a fouled shot was in flight at the start of the step."""
    if not stopped:
        s.shot_clock -= cfg.dt_s
        s.game_clock -= cfg.dt_s
        s.elapsed += cfg.dt_s
    if ev.get("nonshooting_foul") and not s.done:
        s.shot_clock = max(s.shot_clock, SIDE_OUT_SHOT_CLOCK_S)
    if s.done or s.ball_mode == _SHOT:
        return
    if s.game_clock <= 1e-6:
        ev["period_end"] = True
        _finish(s, Outcome.PERIOD_END)
    elif s.shot_clock <= 1e-6:
        ev["shot_clock_violation"] = True
        _finish(s, Outcome.SHOT_CLOCK)


def _rows(a) -> list:
    """A fresh nested list of an array or a nested list."""
    return a.tolist() if isinstance(a, np.ndarray) else [list(r) for r in a]


def _as_lists(s: FastState) -> FastState:
    """A working copy whose pos, vel, src, dst are fresh (nested) lists of floats."""
    n = FastState.__new__(FastState)
    n.__dict__.update(s.__dict__)   # why: copy.copy's reduce protocol costs microseconds
    n.pos, n.vel = _rows(s.pos), _rows(s.vel)
    n.src = s.src.tolist() if isinstance(s.src, np.ndarray) else list(s.src)
    n.dst = s.dst.tolist() if isinstance(s.dst, np.ndarray) else list(s.dst)
    return n


def _as_arrays(n: FastState) -> FastState:
    n.pos, n.vel = np.array(n.pos, dtype=float), np.array(n.vel, dtype=float)
    n.src, n.dst = np.array(n.src, dtype=float), np.array(n.dst, dtype=float)
    return n


def step(s: FastState, off_vel, def_vel, decision: int, u, out, cfg: SimConfig,
         lists: bool = False) -> tuple[FastState, dict]:
    """engine.sim.step.step for one possession: off_vel, def_vel (5, 2) ft/s (arrays or
    nested lists), decision int, u (N_NOISE,) uniforms, out: OutcomeArrays (or any
    object with its methods on floats). Returns (new state, events that happened: only
    the True / non-zero ones are present, plus points and done). ``s`` is left
    untouched; its pos, vel, src, dst may be arrays or nested lists. ``lists=True``
    returns them as nested lists (no array round trip: the gym env's fast loop)."""
    if s.done:
        n = _as_lists(s)
        n.vel = [[0.0, 0.0, 0.0] for _ in n.vel]
        return (n if lists else _as_arrays(n)), {"points": 0.0, "done": False}
    ev: dict = {}
    n = _as_lists(s)
    u = u.tolist() if isinstance(u, np.ndarray) else u
    wanted = (off_vel.tolist() if isinstance(off_vel, np.ndarray) else list(off_vel)) + \
        (def_vel.tolist() if isinstance(def_vel, np.ndarray) else list(def_vel))
    _move(n.pos, n.vel, wanted, cfg)
    _arrivals(n, u, out, cfg, ev)
    _decide(n, int(decision), u, out, cfg, ev)
    ball, old = _place_ball(n, cfg), n.pos[0]
    n.vel[0] = [(ball[0] - old[0]) / cfg.dt_s, (ball[1] - old[1]) / cfg.dt_s,
                (ball[2] - old[2]) / cfg.dt_s]
    n.pos[0] = ball
    _clocks(n, cfg, ev, s.ball_mode == _SHOT and s.fouled)
    ev["points"], ev["done"] = n.points - s.points, n.done
    return (n if lists else _as_arrays(n)), ev
