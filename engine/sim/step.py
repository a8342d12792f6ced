"""The batched possession simulator core: (state, actions, noise) -> (state, events).

One half-court possession per batch row, canonical orientation (the offense attacks
the right hoop at x = 88.75, y = 25), feet and seconds, slots ``[ball, off_0..4,
def_0..4]``. Everything is tensor ops on the state's device; nothing loops over the
batch. Randomness enters only through ``noise (b, N_NOISE)`` uniforms in [0, 1) that
the caller draws from its own ``torch.Generator``: a fixed number per step, whatever
happens, so the same seed and actions give the same trajectory in every face (gym,
PettingZoo, vector env) and in the numpy fast path (:mod:`engine.sim.fast`).

One step of ``cfg.dt_s`` seconds, in this order:

1. players move: the wanted velocities (offense from the action, defense from a
   scheme) are limited to the measured acceleration and speed caps and integrated;
   players stay on the court (only an inbounder is ever out of bounds in real data,
   and possessions here start live);
2. a ball in flight advances; a pass that arrives is caught (or was intercepted: a
   turnover); a shot resolves at its ``resolve_s`` (drawn at release from the logged
   release-to-end times: a made shot where its row is logged, a miss at its rebound row,
   a fouled shot when it reaches the rim): it scores, or is rebounded (offensive rebound:
   same possession, shot clock back to 24, the 2015-16 rule), or ends the possession;
   free throws of a shooting foul are shot then;
3. the ball handler's decision (hold / pass to a teammate / shoot) is carried out;
   the pass's interception and the shot's make (a mixture over shot kinds given the
   distance and the shooter's speed toward the hoop), foul (and-one rate if made, the
   fouled-miss rate if not) and free throws are drawn at release from the data-fitted
   outcome models (:class:`engine.outcomes.torch_eval.OutcomeTensors`); a holder who
   does neither can lose the ball (live-ball turnover hazard) or be fouled (non-shooting
   foul hazard: two free throws in the bonus, else a side-out);
4. the ball follows its holder or its flight path (it waits at the rim until the shot
   resolves);
5. clocks run, except while a fouled shot flies (the whistle stopped them); a side-out
   raises a shot clock below 14 s to 14; holding the ball to 0 on the shot clock is a
   violation (turnover); the game clock reaching 0 ends the possession (a shot in flight
   still counts).

Where things live: ``state`` (slots, enums, SimConfig, SimState, initial_state, merge),
``geometry`` (hoop, shot features, pass lanes, moves), ``fouls`` (foul rules); this module
holds the step and re-exports the public names of the first two.

Speed (CPU, B in the thousands). :func:`advance` is the step on per-coordinate inputs;
:func:`step` converts (b, 5, 2) velocities and calls it. The step runs on contiguous
(b, 10) tensors per coordinate, skips the work of a branch no row takes this step (an
``any()`` check: the noise is drawn whatever happens, so results do not depend on it),
and computes pass and shot releases and offensive rebounds on the rows concerned only.
CPU torch evaluates exp / log1p / atan2 in vector lanes and a scalar tail that can
differ by one float32 ulp, so a row's make / interception probability can move by
1 ulp with its position in the batch, as it always did between batch sizes.
"""

from __future__ import annotations

import math

import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.sim.fouls import finish as _finish
from engine.sim.fouls import foul_rates, nonshooting_foul
from engine.sim.geometry import (
    any_row,
    first_nearest,
    hoop_xy,
    move_players,
    move_xy,
    norm2,
    player_xy,
    segment_distance,
    shot_features,
    shot_geometry,
)
from engine.sim.state import (
    DEF,
    N_DECISIONS,
    N_NOISE,
    OFF,
    SHOT_CLOCK_S,
    SIDE_OUT_SHOT_CLOCK_S,
    BallMode,
    Decision,
    Noise,
    Outcome,
    SimConfig,
    SimState,
    initial_state,
    merge,
)

__all__ = ["OFF", "DEF", "SHOT_CLOCK_S", "BallMode", "Decision", "N_DECISIONS", "Outcome", "Noise",
           "N_NOISE", "SimConfig", "SimState", "merge", "initial_state", "hoop_xy", "norm2",
           "shot_geometry", "segment_distance", "move_players", "shot_features", "player_xy",
           "step", "advance"]

_HELD, _PASS, _SHOT, _DEAD = int(BallMode.HELD), int(BallMode.PASS), int(BallMode.SHOT), int(BallMode.DEAD)
_DT: dict[tuple[str, float], torch.Tensor] = {}


def _dt_tensor(dt_s: float, device: torch.device) -> torch.Tensor:
    """The step length as the 0-dim default-dtype tensor the clocks and flights add (cached:
    the same value, bit for bit, whatever the state's dtype)."""
    key = (str(device), dt_s)
    if key not in _DT:
        _DT[key] = torch.as_tensor(dt_s, device=device)
    return _DT[key]


def _pick(t: torch.Tensor, col: torch.Tensor) -> torch.Tensor:
    """t (b, m), col (b,) long -> t[row, col[row]] (b,)."""
    return torch.gather(t, 1, col[:, None])[:, 0]


class _Step:
    """One call of :func:`advance`: the new state ``s`` and the players' new planar
    positions / velocities ``x, y, vx, vy`` (b, 10) of slots 1..10."""

    def __init__(self, s, x, y, vx, vy, noise, out, cfg, ev):
        self.s, self.x, self.y, self.vx, self.vy = s, x, y, vx, vy
        self.noise, self.out, self.cfg, self.ev = noise, out, cfg, ev

    def handler_xy(self) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.s.handler - 1
        return _pick(self.x, h), _pick(self.y, h)


def _no_flight_events(st: _Step) -> None:
    z = torch.zeros_like(st.s.done)
    for k in ("interception", "catch", "made", "miss", "oreb", "dreb"):
        st.ev[k] = z.clone()
    st.ev["ft_made"] = torch.zeros_like(st.s.ft_points)


def _arrivals(st: _Step, alive: torch.Tensor, dt_t: torch.Tensor) -> None:
    """Resolve passes and shots whose flight ends this step."""
    s, ev, mode = st.s, st.ev, st.s.ball_mode
    flying = alive & (mode != _HELD)
    if not any_row(flying):
        _no_flight_events(st)
        return
    s.flight_t = torch.where(flying, s.flight_t + dt_t, s.flight_t)
    due = torch.where(mode == _SHOT, s.resolve_s, s.flight_total)
    arrived = alive & (s.flight_t >= due - 1e-6)
    passed = arrived & (mode == _PASS)
    stolen, caught = passed & s.intercepted, passed & ~s.intercepted
    ev["interception"], ev["catch"] = stolen, caught
    if any_row(passed):
        _finish(s, stolen, Outcome.TURNOVER)
        s.handler = torch.where(caught, s.pass_to, s.handler)
        s.ball_mode = s.ball_mode.masked_fill(caught, _HELD)
    _shot_lands(st, arrived & (mode == _SHOT))


def _shot_lands(st: _Step, shot: torch.Tensor) -> None:
    s, ev = st.s, st.ev
    made, missed = shot & s.shot_made, shot & ~s.shot_made
    ev["made"], ev["miss"] = made, missed
    if not any_row(shot):
        ev["ft_made"] = torch.zeros_like(s.ft_points)
        ev["oreb"], ev["dreb"] = torch.zeros_like(shot), torch.zeros_like(shot)
        return
    s.points = s.points + torch.where(made, s.shot_value.to(s.points.dtype), 0.0)
    ft_made = torch.where(shot & s.fouled, s.ft_points, 0.0)
    s.points = s.points + ft_made
    ev["ft_made"] = ft_made
    _finish(s, made, Outcome.MADE)
    _finish(s, missed & s.fouled, Outcome.FREE_THROWS)
    rebound = missed & ~s.fouled
    oreb = rebound & (st.noise[:, Noise.REBOUND] < st.out.oreb_rate)
    ev["oreb"], ev["dreb"] = oreb, rebound & ~oreb
    _finish(s, ev["dreb"], Outcome.DEFENSIVE_REBOUND)
    if any_row(oreb):
        # the offensive player nearest the rim gets the rebound; the shot clock resets to 24
        rows = oreb.nonzero()[:, 0]
        dx = st.x.index_select(0, rows)[:, :5] - RIGHT_HOOP_X
        dy = st.y.index_select(0, rows)[:, :5] - HOOP_Y
        to_rim = torch.sqrt(dx * dx + dy * dy)
        s.handler = s.handler.index_copy(0, rows, first_nearest(to_rim) + 1)
        s.ball_mode = s.ball_mode.index_fill(0, rows, _HELD)
        s.shot_clock = s.shot_clock.index_fill(0, rows, SHOT_CLOCK_S)
        s.n_oreb = s.n_oreb + oreb.long()


def _release(s: SimState, rows: torch.Tensor, src: torch.Tensor, dst: torch.Tensor,
             flight: torch.Tensor, mode: int) -> None:
    """The ball of rows ``rows`` (k,) leaves the hand: src, dst (k, 3) feet, flight (k,) s."""
    s.src, s.dst = s.src.index_copy(0, rows, src), s.dst.index_copy(0, rows, dst)
    s.flight_t = s.flight_t.index_fill(0, rows, 0.0)
    s.flight_total = s.flight_total.index_copy(0, rows, flight)
    s.ball_mode = s.ball_mode.index_fill(0, rows, mode)


def _start_pass(st: _Step, go: torch.Tensor, target: torch.Tensor) -> None:
    """Release passes of rows ``go`` to slots ``target`` (b,); interception drawn now.
    Computed on the passing rows only (every quantity is per row)."""
    s, cfg, out = st.s, st.cfg, st.out
    rows = go.nonzero()[:, 0]
    x, y = st.x.index_select(0, rows), st.y.index_select(0, rows)
    h, t = s.handler.index_select(0, rows)[:, None] - 1, target.index_select(0, rows)
    hx, hy = torch.gather(x, 1, h)[:, 0], torch.gather(y, 1, h)[:, 0]
    rx, ry = _pick(x, t - 1), _pick(y, t - 1)
    ax, ay = rx - hx, ry - hy
    length = torch.sqrt(ax * ax + ay * ay)
    flight = (length / out.pass_speed_ftps).clamp_min(0.25)
    if cfg.lead_pass:
        rx = rx + _pick(st.vx.index_select(0, rows), t - 1) * flight
        ry = ry + _pick(st.vy.index_select(0, rows), t - 1) * flight
    hold = torch.full_like(hx, cfg.hold_height_ft)
    # distance of each defender to the passing lane src -> dst (engine.sim.geometry.segment_distance)
    abx, aby = rx - hx, ry - hy
    apx, apy = x[:, 5:] - hx[:, None], y[:, 5:] - hy[:, None]
    u = (apx * abx[:, None] + apy * aby[:, None]) / (abx * abx + aby * aby).clamp_min(1e-9)[:, None]
    u = u.clamp(0.0, 1.0)
    qx, qy = apx - u * abx[:, None], apy - u * aby[:, None]
    lane = torch.sqrt(qx * qx + qy * qy).amin(dim=1)
    p = out.p_intercept(lane, length)
    s.intercepted = s.intercepted.index_copy(
        0, rows, st.noise[:, Noise.INTERCEPT].index_select(0, rows) < p)
    _release(s, rows, torch.stack([hx, hy, hold], dim=1), torch.stack([rx, ry, hold], dim=1),
             flight, _PASS)
    s.pass_to = s.pass_to.index_copy(0, rows, t)
    s.n_passes = s.n_passes + go.long()
    st.ev["pass"] = go


def _shot_features(st: _Step, rows: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """engine.sim.geometry.shot_features of rows ``rows`` (k,) on the planar positions:
    (x, y, distance_ft, is_three, angle_deg, defender_ft, shot_clock, logit_adj, ft_pct)."""
    s = st.s
    h = s.handler.index_select(0, rows)[:, None] - 1
    xs, ys = st.x.index_select(0, rows), st.y.index_select(0, rows)
    x, y = torch.gather(xs, 1, h)[:, 0], torch.gather(ys, 1, h)[:, 0]
    dist, three, angle = shot_geometry(torch.stack([x, y], dim=1))
    dx, dy = xs[:, 5:] - x[:, None], ys[:, 5:] - y[:, None]
    defender = torch.sqrt(dx * dx + dy * dy).amin(dim=1)
    k = h.clamp(0, 4)
    clock = s.shot_clock.index_select(0, rows).clamp(0.0, SHOT_CLOCK_S)
    return (x, y, dist, three, angle, defender, clock,
            torch.gather(s.logit_adj.index_select(0, rows), 1, k)[:, 0],
            torch.gather(s.ft_pct.index_select(0, rows), 1, k)[:, 0])


def _start_shot(st: _Step, go: torch.Tensor) -> None:
    """Release shots of rows ``go`` from their logged distance on the line body -> hoop
    (engine.outcomes.release): make, shooting foul and free throws drawn now, on the
    shooting rows only (every quantity is per row)."""
    s, cfg, out = st.s, st.cfg, st.out
    rows = go.nonzero()[:, 0]
    u = st.noise.index_select(0, rows)
    x, y, body, three, angle, defender, clock, adj, ft_pct = _shot_features(st, rows)
    dist = out.release_ft(body, three, u[:, Noise.RELEASE]) if hasattr(out, "release_ft") else body
    scale = dist / body.clamp_min(1e-6)
    rx, ry = RIGHT_HOOP_X + (x - RIGHT_HOOP_X) * scale, HOOP_Y + (y - HOOP_Y) * scale
    if getattr(out, "uses_approach", False):
        h = s.handler.index_select(0, rows)[:, None] - 1
        vx, vy = (torch.gather(v.index_select(0, rows), 1, h)[:, 0] for v in (st.vx, st.vy))
        approach = (vx * (RIGHT_HOOP_X - x) + vy * (HOOP_Y - y)) / body.clamp_min(1e-6)
        p = out.p_make(dist, three, defender, angle, clock, adj, approach_ftps=approach,
                       kind_distance_ft=body)
    else:
        p = out.p_make(dist, three, defender, angle, clock, adj)
    made = u[:, Noise.MAKE] < p
    and_one, miss_foul = foul_rates(out)
    fouled = u[:, Noise.FOUL] < torch.where(made, and_one, miss_foul)
    value = torch.where(three, 3, 2)
    n_ft = torch.where(made, 1, value)
    # free throws taken in order: the first always, the second and third when due
    fts = ((u[:, Noise.FT_1] < ft_pct).long() + ((u[:, Noise.FT_2] < ft_pct) & (n_ft > 1)).long()
           + ((u[:, Noise.FT_3] < ft_pct) & (n_ft > 2)).long())
    s.shot_made = s.shot_made.index_copy(0, rows, made)
    s.fouled = s.fouled.index_copy(0, rows, fouled)
    s.shot_value = s.shot_value.index_copy(0, rows, value)
    s.ft_points = s.ft_points.index_copy(0, rows, fts.to(s.points.dtype))
    src = torch.stack([rx, ry, torch.full_like(x, cfg.release_height_ft)], dim=1)
    dst = torch.tensor([RIGHT_HOOP_X, HOOP_Y, cfg.rim_height_ft], device=x.device, dtype=x.dtype)
    flight = out.shot_flight_s(dist)
    _release(s, rows, src, dst.expand_as(src), flight, _SHOT)
    # the shot resolves at the logged end of the possession (a fouled one: at the rim)
    end = out.shot_end_s(u[:, Noise.INTERCEPT], made) if hasattr(out, "shot_end_s") else flight
    s.resolve_s = s.resolve_s.index_copy(0, rows, torch.where(fouled, flight, torch.maximum(
        flight, end.to(flight.dtype))))
    s.n_shots = s.n_shots + go.long()
    st.ev["shot"] = go
    st.ev["p_make"] = torch.zeros(go.shape, device=p.device, dtype=p.dtype).index_copy_(0, rows, p)
    st.ev["foul"] = torch.zeros_like(go).index_copy_(0, rows, fouled)


def _decide(st: _Step, decision: torch.Tensor) -> None:
    s, ev = st.s, st.ev
    holding = ~s.done & (s.ball_mode == _HELD)
    target = decision.clamp(1, 5)
    passing = holding & (decision >= int(Decision.PASS_0)) & (decision <= int(Decision.PASS_4)) \
        & (target != s.handler)
    shooting = holding & (decision == int(Decision.SHOOT))
    if any_row(passing):
        _start_pass(st, passing, target)
    else:
        ev["pass"] = passing
    if any_row(shooting):
        _start_shot(st, shooting)
    else:
        ev["shot"], ev["foul"] = shooting, shooting.clone()
        ev["p_make"] = torch.zeros(shooting.shape, device=shooting.device,
                                   dtype=getattr(st.out, "dtype", s.points.dtype))
    p_steal = 1.0 - math.exp(-st.out.live_turnover_per_s * st.cfg.dt_s)
    idle = holding & ~passing & ~shooting
    steal = idle & (st.noise[:, Noise.STEAL] < p_steal)
    ev["steal"] = steal
    _finish(s, steal, Outcome.TURNOVER)
    foul, bonus, fts = nonshooting_foul(s, idle & ~steal, st.noise, st.out, st.cfg.dt_s, p_steal)
    ev["nonshooting_foul"], ev["bonus"] = foul, bonus
    if fts is not None:
        ev["ft_made"] = ev["ft_made"] + fts




def _place_ball(st: _Step, old: torch.Tensor) -> list[torch.Tensor]:
    """[x, y, z] (b,) each: the ball after this step; ``old`` (b, 3) the ball before it."""
    s, cfg = st.s, st.cfg
    hx, hy = st.handler_xy()
    ball = [hx, hy, torch.full_like(hx, cfg.hold_height_ft)]
    mode = s.ball_mode
    flying = (mode == _PASS) | (mode == _SHOT)
    if any_row(flying):
        frac = (s.flight_t / s.flight_total.clamp_min(1e-6)).clamp(0.0, 1.0)
        line = [s.src[:, i] + frac * (s.dst[:, i] - s.src[:, i]) for i in range(3)]
        arc = torch.where(mode == _SHOT, cfg.shot_arc_ft, cfg.pass_arc_ft)
        line[2] = line[2] + 4.0 * arc * frac * (1.0 - frac)
        ball = [torch.where(flying, a, b) for a, b in zip(line, ball)]
    if any_row(s.done):
        ball = [torch.where(s.done, old[:, i], b) for i, b in enumerate(ball)]
    return ball


def _clocks(st: _Step, alive: torch.Tensor | None, dt_t: torch.Tensor) -> None:
    """Run the clocks of the rows ``alive`` (None: all of them): those alive at the start
    of the step, less those whose fouled shot is in flight (the whistle stopped the clock).
    A side-out raises a shot clock below 14 s to 14 s (2015-16 rule)."""
    s = st.s
    dt = dt_t if alive is None else torch.where(alive, st.cfg.dt_s, 0.0).to(s.shot_clock.dtype)
    s.shot_clock = s.shot_clock - dt
    s.game_clock = s.game_clock - dt
    s.elapsed = s.elapsed + dt
    side_out = st.ev["nonshooting_foul"] & ~s.done
    if any_row(side_out):
        s.shot_clock = torch.where(side_out, s.shot_clock.clamp_min(SIDE_OUT_SHOT_CLOCK_S),
                                   s.shot_clock)
    live = ~s.done & (s.ball_mode != _SHOT)
    period = live & (s.game_clock <= 1e-6)
    _finish(s, period, Outcome.PERIOD_END)
    violation = live & ~period & (s.shot_clock <= 1e-6)
    _finish(s, violation, Outcome.SHOT_CLOCK)
    st.ev["period_end"], st.ev["shot_clock_violation"] = period, violation


def advance(state: SimState, wx: torch.Tensor, wy: torch.Tensor, decision: torch.Tensor,
            noise: torch.Tensor, out, cfg: SimConfig,
            players: tuple[torch.Tensor, ...] | None = None) -> tuple[SimState, dict[str, torch.Tensor]]:
    """:func:`step` on per-coordinate inputs (the envs' hot loop): wx, wy (b, 10) wanted
    velocities ft/s of slots 1..10 (contiguous); players: :func:`player_xy` of ``state``
    when the caller has it already. Same results as :func:`step`, bit for bit."""
    dt_t = _dt_tensor(cfg.dt_s, state.device)
    px, py, vx0, vy0 = players if players is not None else player_xy(state)
    any_done = any_row(state.done)
    x, y, vx, vy = move_xy(px, py, vx0, vy0, wx, wy, state.done if any_done else None, cfg)
    s = SimState.__new__(SimState)
    s.__dict__.update(state.__dict__)       # why: dataclasses.replace re-runs __init__
    s.pos, s.vel = state.pos.clone(), state.vel.clone()
    s.pos[:, 1:, 0], s.pos[:, 1:, 1], s.vel[:, 1:, 0], s.vel[:, 1:, 1] = x, y, vx, vy
    st = _Step(s, x, y, vx, vy, noise, out, cfg, {})
    alive = ~state.done
    _arrivals(st, alive, dt_t)
    _decide(st, decision)
    old = state.pos[:, 0]
    for i, b in enumerate(_place_ball(st, old)):
        v = (b - old[:, i]) / cfg.dt_s
        s.vel[:, 0, i] = torch.where(alive, v, 0.0) if any_done else v
        s.pos[:, 0, i] = b
    stopped = (state.ball_mode == _SHOT) & state.fouled
    if any_row(stopped):
        _clocks(st, alive & ~stopped, dt_t)
    else:
        _clocks(st, alive if any_done else None, dt_t)
    ev = st.ev
    ev["points"] = s.points - state.points
    ev["done"] = s.done & ~state.done
    return s, ev


def step(state: SimState, off_vel: torch.Tensor, def_vel: torch.Tensor, decision: torch.Tensor,
         noise: torch.Tensor, out, cfg: SimConfig) -> tuple[SimState, dict[str, torch.Tensor]]:
    """Advance every possession by ``cfg.dt_s``.

    off_vel, def_vel (b, 5, 2) wanted velocities ft/s; decision (b,) long Decision;
    noise (b, N_NOISE) uniforms; out: OutcomeTensors (engine.outcomes.torch_eval).
    Returns the new state (inputs untouched) and events: (b,) tensors ``pass``,
    ``catch``, ``interception``, ``steal``, ``shot``, ``p_make``, ``foul``, ``made``,
    ``miss``, ``ft_made`` (free-throw points, bonus ones included), ``oreb``, ``dreb``,
    ``nonshooting_foul``, ``bonus`` (that foul was shot as two free throws),
    ``shot_clock_violation``,
    ``period_end``, ``points`` (scored this step) and ``done`` (ended this step).
    """
    wanted = torch.cat([off_vel, def_vel], dim=1)
    return advance(state, wanted[..., 0].contiguous(), wanted[..., 1].contiguous(),
                   decision.long(), noise, out, cfg)
