"""The batched possession simulator core: (state, actions, noise) -> (state, events).

One half-court possession per batch row, canonical orientation (the offense attacks
the right hoop at x = 88.75, y = 25), feet and seconds, slots ``[ball, off_0..4,
def_0..4]``. Everything is tensor ops on the state's device; nothing loops over the
batch. Randomness enters only through ``noise (b, N_NOISE)`` uniforms in [0, 1) that
the caller draws from its own ``torch.Generator``: a fixed number per step, whatever
happens, so the same seed and actions give the same trajectory in every face (gym,
PettingZoo, vector env) and in the numpy fast path (:mod:`engine.sim_fast`).

One step of ``cfg.dt_s`` seconds, in this order:

1. players move: the wanted velocities (offense from the action, defense from a
   scheme) are limited to the measured acceleration and speed caps and integrated;
   players stay on the court (only an inbounder is ever out of bounds in real data,
   and possessions here start live);
2. a ball in flight advances; a pass that arrives is caught (or was intercepted: a
   turnover); a shot that arrives scores, or is rebounded (offensive rebound: same
   possession, shot clock back to 24, the 2015-16 rule), or ends the possession;
   free throws of a shooting foul are shot then;
3. the ball handler's decision (hold / pass to a teammate / shoot) is carried out;
   the pass's interception and the shot's make, foul and free throws are drawn at
   release from the data-fitted outcome models (:class:`engine.outcomes_torch.OutcomeTensors`);
   a holder who does neither can lose the ball (live-ball turnover hazard);
4. the ball follows its holder or its flight path;
5. clocks run; holding the ball to 0 on the shot clock is a violation (turnover);
   the game clock reaching 0 ends the possession (a shot in flight still counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from enum import IntEnum

import torch

from engine.court import (COURT_LENGTH, COURT_WIDTH, CORNER_LINE_LENGTH, HOOP_Y, RIGHT_HOOP_X,
                          THREE_ARC_RADIUS, THREE_CORNER_DIST)

OFF = slice(1, 6)
DEF = slice(6, 11)
SHOT_CLOCK_S = 24.0


class BallMode(IntEnum):
    HELD = 0
    PASS = 1
    SHOT = 2
    DEAD = 3


class Decision(IntEnum):
    """The ball handler's choice; PASS_0 + k passes to offensive player k (slot k + 1)."""

    HOLD = 0
    PASS_0 = 1
    PASS_1 = 2
    PASS_2 = 3
    PASS_3 = 4
    PASS_4 = 5
    SHOOT = 6


N_DECISIONS = len(Decision)


class Outcome(IntEnum):
    ONGOING = 0
    MADE = 1            # field goal made (and-one free throw included in the points)
    DEFENSIVE_REBOUND = 2
    TURNOVER = 3        # interception or live-ball turnover
    SHOT_CLOCK = 4      # shot-clock violation
    PERIOD_END = 5
    FREE_THROWS = 6     # fouled on a missed shot: the possession ends on the free throws


class Noise(IntEnum):
    """Columns of the per-step uniforms."""

    STEAL = 0
    INTERCEPT = 1
    MAKE = 2
    FOUL = 3
    FT_1 = 4
    FT_2 = 5
    FT_3 = 6
    REBOUND = 7


N_NOISE = len(Noise)


@dataclass
class SimConfig:
    """dt_s: step length (the real 2 Hz extracts are 0.52 s apart); speed / accel caps
    from engine.physics (99.5th percentile of glitch-filtered real steps at that rate);
    heights in feet; shot_arc_ft / pass_arc_ft: peak height above the straight line."""

    dt_s: float = 0.52
    player_speed_ftps: float = 20.7
    player_accel_ftps2: float = 34.8
    hold_height_ft: float = 3.5
    release_height_ft: float = 8.0
    rim_height_ft: float = 10.0
    pass_arc_ft: float = 2.0
    shot_arc_ft: float = 6.0
    lead_pass: bool = True


@dataclass
class SimState:
    """All (b, ...) tensors on one device.

    pos, vel       (b, 11, 3) feet, ft/s (players' z is 0)
    handler        (b,) long  slot 1..5 holding the ball, -1 when none
    ball_mode      (b,) long  BallMode
    src, dst       (b, 3)     ball flight start / end, feet
    flight_t       (b,)       seconds the ball has flown; flight_total (b,) its duration
    pass_to        (b,) long  receiving slot of a pass in flight (-1 otherwise)
    intercepted    (b,) bool  the pass in flight was intercepted (drawn at release)
    shot_made, fouled (b,) bool; shot_value (b,) 2 or 3; ft_points (b,) made free throws
    shot_clock, game_clock, elapsed (b,) seconds
    points         (b,) points scored so far; done (b,) bool; outcome (b,) long Outcome
    logit_adj      (b, 5) shooters' empirical-Bayes logit offsets; ft_pct (b, 5)
    n_passes, n_shots, n_oreb (b,) long counters
    """

    pos: torch.Tensor
    vel: torch.Tensor
    handler: torch.Tensor
    ball_mode: torch.Tensor
    src: torch.Tensor
    dst: torch.Tensor
    flight_t: torch.Tensor
    flight_total: torch.Tensor
    pass_to: torch.Tensor
    intercepted: torch.Tensor
    shot_made: torch.Tensor
    fouled: torch.Tensor
    shot_value: torch.Tensor
    ft_points: torch.Tensor
    shot_clock: torch.Tensor
    game_clock: torch.Tensor
    elapsed: torch.Tensor
    points: torch.Tensor
    done: torch.Tensor
    outcome: torch.Tensor
    logit_adj: torch.Tensor
    ft_pct: torch.Tensor
    n_passes: torch.Tensor
    n_shots: torch.Tensor
    n_oreb: torch.Tensor

    @property
    def batch_size(self) -> int:
        return self.pos.shape[0]

    @property
    def device(self) -> torch.device:
        return self.pos.device

    def map(self, fn) -> "SimState":
        return SimState(**{f.name: fn(getattr(self, f.name)) for f in fields(self)})

    def clone(self) -> "SimState":
        return self.map(torch.clone)

    def to(self, device) -> "SimState":
        return self.map(lambda t: t.to(device))

    def index(self, idx) -> "SimState":
        return self.map(lambda t: t[idx])


def merge(mask: torch.Tensor, new: SimState, old: SimState) -> SimState:
    """Rows of ``new`` where mask (b,) is True, else ``old`` (vector env auto-reset)."""
    def pick(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        m = mask.view(-1, *([1] * (a.ndim - 1)))
        return torch.where(m, a, b)
    return SimState(**{f.name: pick(getattr(new, f.name), getattr(old, f.name))
                       for f in fields(new)})


def initial_state(pos: torch.Tensor, handler: torch.Tensor, shot_clock: torch.Tensor,
                  game_clock: torch.Tensor, vel: torch.Tensor | None = None,
                  logit_adj: torch.Tensor | None = None, ft_pct: torch.Tensor | None = None,
                  cfg: SimConfig | None = None, league_ft_pct: float = 0.76) -> SimState:
    """A live possession: pos (b, 11, 3) feet canonical, handler (b,) slot 1..5 (the
    ball is put in his hands), shot_clock / game_clock (b,) seconds (NaN shot clock:
    24, capped by the game clock), vel (b, 11, 3) ft/s or zeros, logit_adj (b, 5)
    shooter offsets or zeros, ft_pct (b, 5) or the league rate."""
    cfg = cfg or SimConfig()
    b, dev, dt = pos.shape[0], pos.device, pos.dtype
    zeros = torch.zeros(b, device=dev, dtype=dt)
    long0 = torch.zeros(b, device=dev, dtype=torch.long)
    false = torch.zeros(b, device=dev, dtype=torch.bool)
    sc = torch.where(torch.isnan(shot_clock), torch.full_like(shot_clock, SHOT_CLOCK_S), shot_clock)
    handler = handler.long().clamp(1, 5)
    pos = pos.clone()
    pos[:, 1:, 2] = 0.0
    state = SimState(
        pos=pos, vel=torch.zeros_like(pos) if vel is None else vel.clone(), handler=handler,
        ball_mode=long0.clone(), src=pos[:, 0].clone(), dst=pos[:, 0].clone(),
        flight_t=zeros.clone(), flight_total=zeros.clone(), pass_to=long0 - 1,
        intercepted=false.clone(), shot_made=false.clone(), fouled=false.clone(),
        shot_value=long0 + 2, ft_points=zeros.clone(), shot_clock=sc.to(dt).clone(),
        game_clock=game_clock.to(dt).clone(), elapsed=zeros.clone(), points=zeros.clone(),
        done=false.clone(), outcome=long0.clone(),
        logit_adj=torch.zeros(b, 5, device=dev, dtype=dt) if logit_adj is None else logit_adj.to(dt),
        ft_pct=torch.full((b, 5), league_ft_pct, device=dev, dtype=dt) if ft_pct is None
        else ft_pct.to(dt),
        n_passes=long0.clone(), n_shots=long0.clone(), n_oreb=long0.clone())
    state.vel[:, 0] = 0.0
    state.pos[:, 0] = _held_ball(state, cfg)
    return state


# ----------------------------------------------------------------------- geometry
def hoop_xy(ref: torch.Tensor) -> torch.Tensor:
    return torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=ref.device, dtype=ref.dtype)


def norm2(v: torch.Tensor) -> torch.Tensor:
    """Length (...) of (..., 2) vectors. Written out: torch's reductions over a last
    dimension of size 2 are an order of magnitude slower on CPU than two products."""
    x, y = v[..., 0], v[..., 1]
    return torch.sqrt(x * x + y * y)


def shot_geometry(xy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(b, 2) shooter feet -> distance to the right hoop (b,) ft, is_three (b,) bool,
    angle (b,) degrees off the hoop's long axis (0 straight on, 90 along the baseline)."""
    d = xy - hoop_xy(xy)
    dist = norm2(d)
    corner = (xy[:, 0] >= COURT_LENGTH - CORNER_LINE_LENGTH) & (d[:, 1].abs() >= THREE_CORNER_DIST)
    three = corner | (dist >= THREE_ARC_RADIUS)
    angle = torch.rad2deg(torch.atan2(d[:, 1].abs(), (-d[:, 0]).clamp_min(0.0)))
    return dist, three, angle


def segment_distance(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Distance (b, m) feet of points p (b, m, 2) to the segments a -> b, each (b, 2)."""
    ab = (b - a)[:, None, :]
    ap = p - a[:, None, :]
    dot = ap[..., 0] * ab[..., 0] + ap[..., 1] * ab[..., 1]
    t = dot / (ab[..., 0] * ab[..., 0] + ab[..., 1] * ab[..., 1]).clamp_min(1e-9)
    return norm2(ap - t.clamp(0.0, 1.0)[..., None] * ab)


def _slot_xy(pos: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
    """(b, 11, 3), (b,) slot -> (b, 3) feet."""
    return torch.gather(pos, 1, slot.clamp_min(0)[:, None, None].expand(-1, 1, 3))[:, 0]


def _held_ball(state: SimState, cfg: SimConfig) -> torch.Tensor:
    ball = _slot_xy(state.pos, state.handler).clone()
    ball[:, 2] = cfg.hold_height_ft
    return ball


# ----------------------------------------------------------------------- the step
def _move_xy(state: SimState, wx: torch.Tensor, wy: torch.Tensor, cfg: SimConfig):
    """move_players per coordinate: wanted velocity components (b, 10) ft/s ->
    (x, y, vx, vy) each (b, 10). Why per coordinate and contiguous: on CPU,
    elementwise ops on strided (b, 10, 2) slices of (b, 11, 3) run an order of
    magnitude slower than on contiguous (b, 10) tensors."""
    px, py = state.pos[:, 1:, 0].contiguous(), state.pos[:, 1:, 1].contiguous()
    vx0, vy0 = state.vel[:, 1:, 0].contiguous(), state.vel[:, 1:, 1].contiguous()
    dx, dy = wx - vx0, wy - vy0
    k = torch.clamp(cfg.player_accel_ftps2 * cfg.dt_s
                    / torch.sqrt(dx * dx + dy * dy).clamp_min(1e-9), max=1.0)
    vx, vy = vx0 + dx * k, vy0 + dy * k
    k = torch.clamp(cfg.player_speed_ftps / torch.sqrt(vx * vx + vy * vy).clamp_min(1e-9), max=1.0)
    x = (px + vx * k * cfg.dt_s).clamp(0.0, COURT_LENGTH)
    y = (py + vy * k * cfg.dt_s).clamp(0.0, COURT_WIDTH)
    alive = (~state.done)[:, None].expand_as(x).contiguous()
    x, y = torch.where(alive, x, px), torch.where(alive, y, py)
    zero = torch.zeros_like(x)
    vx = torch.where(alive, (x - px) / cfg.dt_s, zero)
    vy = torch.where(alive, (y - py) / cfg.dt_s, zero)
    return x, y, vx, vy


def move_players(state: SimState, wanted: torch.Tensor, cfg: SimConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """wanted (b, 10, 2) ft/s for slots 1..10 -> new (pos, vel) of those slots, capped
    by acceleration then speed, kept on the court. Rows that are done do not move."""
    x, y, vx, vy = _move_xy(state, wanted[..., 0], wanted[..., 1], cfg)
    return torch.stack([x, y], dim=-1), torch.stack([vx, vy], dim=-1)


def _finish(state: SimState, mask: torch.Tensor, outcome: Outcome) -> None:
    """Mark rows ``mask`` done with ``outcome`` (in place on fresh tensors)."""
    state.done = state.done | mask
    state.outcome = torch.where(mask, torch.full_like(state.outcome, int(outcome)), state.outcome)
    state.ball_mode = torch.where(mask, torch.full_like(state.ball_mode, int(BallMode.DEAD)),
                                  state.ball_mode)


def _arrivals(state: SimState, noise: torch.Tensor, out, ev: dict) -> None:
    """Resolve passes and shots whose flight ends this step."""
    live = ~state.done
    state.flight_t = torch.where(live & (state.ball_mode != int(BallMode.HELD)),
                                 state.flight_t + ev["dt"], state.flight_t)
    arrived = live & (state.flight_t >= state.flight_total - 1e-6)
    passed = arrived & (state.ball_mode == int(BallMode.PASS))
    stolen = passed & state.intercepted
    caught = passed & ~state.intercepted
    ev["interception"], ev["catch"] = stolen, caught
    _finish(state, stolen, Outcome.TURNOVER)
    state.handler = torch.where(caught, state.pass_to, state.handler)
    state.ball_mode = torch.where(caught, torch.zeros_like(state.ball_mode), state.ball_mode)
    shot = arrived & (state.ball_mode == int(BallMode.SHOT))
    made = shot & state.shot_made
    missed = shot & ~state.shot_made
    state.points = state.points + torch.where(made, state.shot_value.to(state.points.dtype), 0.0)
    state.points = state.points + torch.where(shot & state.fouled, state.ft_points, 0.0)
    ev["made"], ev["miss"] = made, missed
    ev["ft_made"] = torch.where(shot & state.fouled, state.ft_points, 0.0)
    _finish(state, made, Outcome.MADE)
    _finish(state, missed & state.fouled, Outcome.FREE_THROWS)
    rebound = missed & ~state.fouled
    oreb = rebound & (noise[:, Noise.REBOUND] < out.oreb_rate)
    ev["oreb"], ev["dreb"] = oreb, rebound & ~oreb
    _finish(state, rebound & ~oreb, Outcome.DEFENSIVE_REBOUND)
    # the offensive player nearest the rim gets the rebound; the shot clock resets to 24
    to_rim = norm2(state.pos[:, OFF, :2] - hoop_xy(state.pos))
    state.handler = torch.where(oreb, to_rim.argmin(dim=1) + 1, state.handler)
    state.ball_mode = torch.where(oreb, torch.zeros_like(state.ball_mode), state.ball_mode)
    state.shot_clock = torch.where(oreb, torch.full_like(state.shot_clock, SHOT_CLOCK_S),
                                   state.shot_clock)
    state.n_oreb = state.n_oreb + oreb.long()


def _start_pass(state: SimState, go: torch.Tensor, target: torch.Tensor, noise: torch.Tensor,
                out, cfg: SimConfig, ev: dict) -> None:
    """Release passes of rows ``go`` to slots ``target`` (b,); interception drawn now."""
    src = _held_ball(state, cfg)
    recv = _slot_xy(state.pos, target)
    length = norm2(recv[:, :2] - src[:, :2])
    flight = (length / out.pass_speed_ftps).clamp_min(0.25)
    dst = recv.clone()
    if cfg.lead_pass:
        dst[:, :2] = dst[:, :2] + _slot_xy(state.vel, target)[:, :2] * flight[:, None]
    dst[:, 2] = cfg.hold_height_ft
    lane = segment_distance(state.pos[:, DEF, :2], src[:, :2], dst[:, :2]).amin(dim=1)
    p = out.p_intercept(lane, length)
    state.intercepted = torch.where(go, noise[:, Noise.INTERCEPT] < p, state.intercepted)
    state.src = torch.where(go[:, None], src, state.src)
    state.dst = torch.where(go[:, None], dst, state.dst)
    state.flight_t = torch.where(go, torch.zeros_like(state.flight_t), state.flight_t)
    state.flight_total = torch.where(go, flight, state.flight_total)
    state.pass_to = torch.where(go, target, state.pass_to)
    state.ball_mode = torch.where(go, torch.full_like(state.ball_mode, int(BallMode.PASS)),
                                  state.ball_mode)
    state.n_passes = state.n_passes + go.long()
    ev["pass"] = go


def shot_features(state: SimState) -> dict[str, torch.Tensor]:
    """Features of a shot by the current handler: distance_ft, is_three, defender_ft,
    angle_deg, shot_clock (s), logit_adj, ft_pct — each (b,)."""
    xy = _slot_xy(state.pos, state.handler)[:, :2]
    dist, three, angle = shot_geometry(xy)
    defender = norm2(state.pos[:, DEF, :2] - xy[:, None]).amin(dim=1)
    k = (state.handler - 1).clamp(0, 4)[:, None]
    return {"distance_ft": dist, "is_three": three, "angle_deg": angle, "defender_ft": defender,
            "shot_clock": state.shot_clock.clamp(0.0, SHOT_CLOCK_S),
            "logit_adj": torch.gather(state.logit_adj, 1, k)[:, 0],
            "ft_pct": torch.gather(state.ft_pct, 1, k)[:, 0]}


def _start_shot(state: SimState, go: torch.Tensor, noise: torch.Tensor, out,
                cfg: SimConfig, ev: dict) -> None:
    """Release shots of rows ``go``: make, shooting foul and free throws drawn now."""
    f = shot_features(state)
    p = out.p_make(f["distance_ft"], f["is_three"], f["defender_ft"], f["angle_deg"],
                   f["shot_clock"], f["logit_adj"])
    made = noise[:, Noise.MAKE] < p
    fouled = noise[:, Noise.FOUL] < out.shooting_foul_rate
    value = torch.where(f["is_three"], 3, 2)
    n_ft = torch.where(made, 1, value)
    fts = noise[:, Noise.FT_1:Noise.FT_3 + 1] < f["ft_pct"][:, None]
    taken = torch.arange(3, device=go.device)[None, :] < n_ft[:, None]
    ft_points = (fts & taken).sum(dim=1).to(state.points.dtype)
    src = _held_ball(state, cfg)
    src[:, 2] = cfg.release_height_ft
    dst = torch.cat([hoop_xy(src).expand(src.shape[0], 2),
                     torch.full_like(src[:, :1], cfg.rim_height_ft)], dim=1)
    state.shot_made = torch.where(go, made, state.shot_made)
    state.fouled = torch.where(go, fouled, state.fouled)
    state.shot_value = torch.where(go, value, state.shot_value)
    state.ft_points = torch.where(go, ft_points, state.ft_points)
    state.src = torch.where(go[:, None], src, state.src)
    state.dst = torch.where(go[:, None], dst, state.dst)
    state.flight_t = torch.where(go, torch.zeros_like(state.flight_t), state.flight_t)
    state.flight_total = torch.where(go, out.shot_flight_s(f["distance_ft"]), state.flight_total)
    state.ball_mode = torch.where(go, torch.full_like(state.ball_mode, int(BallMode.SHOT)),
                                  state.ball_mode)
    state.n_shots = state.n_shots + go.long()
    ev["shot"], ev["p_make"] = go, torch.where(go, p, torch.zeros_like(p))
    ev["foul"] = go & fouled


def _decide(state: SimState, decision: torch.Tensor, noise: torch.Tensor, out,
            cfg: SimConfig, ev: dict) -> None:
    holding = ~state.done & (state.ball_mode == int(BallMode.HELD))
    target = (decision - int(Decision.PASS_0) + 1).clamp(1, 5)
    passing = holding & (decision >= int(Decision.PASS_0)) & (decision <= int(Decision.PASS_4)) \
        & (target != state.handler)
    shooting = holding & (decision == int(Decision.SHOOT))
    _start_pass(state, passing, target, noise, out, cfg, ev)
    _start_shot(state, shooting, noise, out, cfg, ev)
    p_steal = 1.0 - math.exp(-out.live_turnover_per_s * cfg.dt_s)
    steal = holding & ~passing & ~shooting & (noise[:, Noise.STEAL] < p_steal)
    ev["steal"] = steal
    _finish(state, steal, Outcome.TURNOVER)


def _place_ball(state: SimState, cfg: SimConfig) -> torch.Tensor:
    """(b, 3) ball position after this step."""
    held = _held_ball(state, cfg)
    frac = (state.flight_t / state.flight_total.clamp_min(1e-6)).clamp(0.0, 1.0)[:, None]
    line = state.src + frac * (state.dst - state.src)
    arc = torch.where(state.ball_mode == int(BallMode.SHOT), cfg.shot_arc_ft, cfg.pass_arc_ft)
    line[:, 2] = line[:, 2] + 4.0 * arc * frac[:, 0] * (1.0 - frac[:, 0])
    flying = (state.ball_mode == int(BallMode.PASS)) | (state.ball_mode == int(BallMode.SHOT))
    ball = torch.where(flying[:, None], line, held)
    return torch.where(state.done[:, None], state.pos[:, 0], ball)


def _clocks(state: SimState, alive: torch.Tensor, cfg: SimConfig, ev: dict) -> None:
    dt = torch.where(alive, cfg.dt_s, 0.0).to(state.shot_clock.dtype)
    state.shot_clock = state.shot_clock - dt
    state.game_clock = state.game_clock - dt
    state.elapsed = state.elapsed + dt
    in_air = state.ball_mode == int(BallMode.SHOT)
    live = ~state.done & ~in_air
    period = live & (state.game_clock <= 1e-6)
    _finish(state, period, Outcome.PERIOD_END)
    violation = live & ~period & (state.shot_clock <= 1e-6)
    _finish(state, violation, Outcome.SHOT_CLOCK)
    ev["period_end"], ev["shot_clock_violation"] = period, violation


def step(state: SimState, off_vel: torch.Tensor, def_vel: torch.Tensor, decision: torch.Tensor,
         noise: torch.Tensor, out, cfg: SimConfig) -> tuple[SimState, dict[str, torch.Tensor]]:
    """Advance every possession by ``cfg.dt_s``.

    off_vel, def_vel (b, 5, 2) wanted velocities ft/s; decision (b,) long Decision;
    noise (b, N_NOISE) uniforms; out: OutcomeTensors (engine.outcomes_torch).
    Returns the new state (inputs untouched) and events: (b,) tensors ``pass``,
    ``catch``, ``interception``, ``steal``, ``shot``, ``p_make``, ``foul``, ``made``,
    ``miss``, ``ft_made``, ``oreb``, ``dreb``, ``shot_clock_violation``,
    ``period_end``, ``points`` (scored this step) and ``done`` (ended this step).
    """
    s = replace(state)
    alive = ~state.done
    ev: dict[str, torch.Tensor] = {"dt": torch.as_tensor(cfg.dt_s, device=s.device)}
    wanted = torch.cat([off_vel, def_vel], dim=1)
    x, y, vx, vy = _move_xy(state, wanted[..., 0].contiguous(), wanted[..., 1].contiguous(), cfg)
    s.pos = state.pos.clone()
    s.vel = state.vel.clone()
    s.pos[:, 1:, 0], s.pos[:, 1:, 1], s.vel[:, 1:, 0], s.vel[:, 1:, 1] = x, y, vx, vy
    _arrivals(s, noise, out, ev)
    _decide(s, decision.long(), noise, out, cfg, ev)
    ball = _place_ball(s, cfg)
    s.vel[:, 0] = torch.where(alive[:, None], (ball - state.pos[:, 0]) / cfg.dt_s, 0.0)
    s.pos[:, 0] = ball
    _clocks(s, alive, cfg, ev)
    ev.pop("dt")
    ev["points"] = s.points - state.points
    ev["done"] = s.done & ~state.done
    return s, ev
