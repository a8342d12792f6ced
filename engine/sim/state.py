"""The simulator's vocabulary and state: slot slices, ball modes, decisions, outcomes,
noise columns, :class:`SimConfig`, :class:`SimState` and the start of a possession
(:func:`initial_state`). The step itself lives in :mod:`engine.sim.step`, which re-exports
every name here."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import torch

OFF = slice(1, 6)
DEF = slice(6, 11)
SHOT_CLOCK_S = 24.0
SIDE_OUT_SHOT_CLOCK_S = 14.0   # 2015-16: a side-out after a foul resets a lower clock to 14


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
    FREE_THROWS = 6     # fouled on a missed shot, or a non-shooting foul in the bonus


class Noise(IntEnum):
    """Columns of the per-step uniforms."""

    STEAL = 0           # also the non-shooting foul (competing with the steal)
    INTERCEPT = 1       # also a shot's end time and a non-shooting foul's bonus draw
    MAKE = 2
    FOUL = 3
    FT_1 = 4
    FT_2 = 5
    FT_3 = 6
    REBOUND = 7
    RELEASE = 8         # where a shot is released (its logged distance)


N_NOISE = len(Noise)


@dataclass
class SimConfig:
    """dt_s: step length (the real 2 Hz extracts are 0.52 s apart); speed / accel caps
    from engine.outcomes.limits (99.5th percentile of glitch-filtered real steps at that rate);
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
                              (a shot: release to rim)
    resolve_s      (b,)       seconds after the release when the shot in flight resolves
                              (>= flight_total: the logged end of the possession, e.g. a
                              miss's rebound; engine.outcomes.timing.fit_shot_end)
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
    resolve_s: torch.Tensor
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
        flight_t=zeros.clone(), flight_total=zeros.clone(), resolve_s=zeros.clone(), pass_to=long0 - 1,
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


def _slot_xy(pos: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
    """(b, 11, 3), (b,) slot -> (b, 3) feet."""
    return torch.gather(pos, 1, slot.clamp_min(0)[:, None, None].expand(-1, 1, 3))[:, 0]


def _held_ball(state: SimState, cfg: SimConfig) -> torch.Tensor:
    ball = _slot_xy(state.pos, state.handler).clone()
    ball[:, 2] = cfg.hold_height_ft
    return ball
