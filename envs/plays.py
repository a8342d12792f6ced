"""Machinery of the scripted offensive plays: court spots, roles, the phase machine.

Canonical orientation (the offense attacks the right hoop at x = 88.75, y = 25),
feet and seconds, slots ``[ball, off_0..4, def_0..4]``; an offensive *index* 0..4 is
slot - 1. A play is a list of phases; every batch row sits in one phase (memory
``phase`` (b,) long, entered at ``t0`` (b,) seconds of ``state.elapsed``). A phase is a
function of a :class:`Ctx` that returns a :class:`Plan`: target spots (b, 5, 2) feet,
speeds (b, 5) ft/s, the handler's decision (b,) and whether the row moves on to the
next phase (b,) bool. Every phase that some row is in is evaluated for the whole
batch and each row's own phase is selected with ``torch.where`` (a loop over phases,
never over the batch). Phase 0 is :func:`bring_up` (the ball to the top), then the
play's own phases; a phase stalled for ``max_phase_s`` moves on.

Roles come from the starting formation: the handler, and the four others matched to
the 5-out spots (wing and corner on each side, minimum total distance), so a play
works from any formation close to 5-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.policy import Memory
from engine.sim.step import BallMode, Decision, SimState, segment_distance
from envs.defense import guard_spot, min_cost_assignment

# ------------------------------------------------------------------------ court spots
# (x, y) feet, canonical. "L" is the low-y side (y < 25), "R" the high-y side.
HOOP = (RIGHT_HOOP_X, HOOP_Y)
TOP = (64.5, 25.0)            # just beyond the arc (24.25 ft)
WING_L, WING_R = (71.0, 7.0), (71.0, 43.0)           # ~25.3 ft
CORNER_L, CORNER_R = (88.0, 2.5), (88.0, 47.5)        # 22.5 ft: corner threes
DEEP_WING_L, DEEP_WING_R = (76.0, 3.5), (76.0, 46.5)  # ~25 ft, cleared-out wings
ELBOW_L, ELBOW_R = (75.0, 17.0), (75.0, 33.0)
BLOCK_L, BLOCK_R = (82.0, 16.5), (82.0, 33.5)         # ~10.9 ft, on the lane line
FIVE_OUT = (TOP, WING_L, WING_R, CORNER_L, CORNER_R)

# roles: index into memory "roles" (b, 5) -> offensive index 0..4
BALL, WING_LO, WING_HI, CORNER_LO, CORNER_HI = range(5)


@dataclass
class PlayConfig:
    """dt_s: simulator step (s); run_ftps: off-ball cuts and relocations; drive_ftps:
    a drive or a screen's use (under the 20.7 ft/s cap); shot_clock_floor_s: a holder
    shoots whatever the phase once the shot clock is below this; max_phase_s: a phase
    that has waited this long moves on (a stalled row still ends in a shot)."""

    dt_s: float = 0.52
    run_ftps: float = 14.0
    drive_ftps: float = 19.0
    shot_clock_floor_s: float = 2.5
    max_phase_s: float = 4.0


def spot(xy: tuple[float, float], ref: torch.Tensor) -> torch.Tensor:
    """(2,) tensor of a court spot on ref's device and dtype."""
    return torch.tensor(xy, device=ref.device, dtype=ref.dtype)


def sided(low: tuple[float, float], high: tuple[float, float], side: torch.Tensor) -> torch.Tensor:
    """(b,) side (-1 low-y, +1 high-y) -> (b, 2) the spot on that side."""
    return torch.where(side[:, None] > 0, spot(high, side), spot(low, side))


def five_out_formation(b: int, generator: torch.Generator, jitter_ft: float = 1.0,
                       device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Standard start: attackers on the 5-out spots (handler off_0 at the top) plus a
    uniform jitter of +-jitter_ft, defenders on man-to-man guard spots (sag 0.2), ball
    in the handler's hands. Returns (pos (b, 11, 3) feet, handler (b,) long slot 1)."""
    pos = torch.zeros(b, 11, 3, device=device)
    base = torch.tensor(FIVE_OUT, device=device)
    noise = torch.rand(b, 5, 2, generator=generator, device=device) * 2.0 - 1.0
    pos[:, 1:6, :2] = base + jitter_ft * noise
    pos[:, 6:11, :2] = guard_spot(pos[:, 1:6, :2], 0.2)
    pos[:, 0, :2] = pos[:, 1, :2]
    return pos, torch.ones(b, dtype=torch.long, device=device)


def assign_roles(state: SimState) -> torch.Tensor:
    """(b, 5) long offensive index per role [BALL, WING_LO, WING_HI, CORNER_LO,
    CORNER_HI]: the handler, then the others matched to the 5-out spots."""
    b, dev = state.batch_size, state.device
    ball = (state.handler - 1).clamp(0, 4)
    idx = torch.arange(5, device=dev).expand(b, 5)
    others = idx[idx != ball[:, None]].view(b, 4)                     # (b, 4)
    xy = torch.gather(state.pos[:, 1:6, :2], 1, others[..., None].expand(-1, -1, 2))
    spots = torch.tensor(FIVE_OUT[1:], device=dev, dtype=xy.dtype)
    col = min_cost_assignment(torch.cdist(xy, spots.expand(b, 4, 2)))  # (b, 4) spot per other
    roles = torch.zeros(b, 5, dtype=torch.long, device=dev)
    roles[:, 0] = ball
    return roles.scatter(1, col + 1, others)


def put(target: torch.Tensor, idx: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
    """(b, 5, k) with row r's player idx[r] (b,) set to xy (b, k)."""
    mask = torch.nn.functional.one_hot(idx, 5).bool()[..., None]
    return torch.where(mask, xy[:, None, :], target)


def seek(cur: torch.Tensor, target: torch.Tensor, speed: torch.Tensor, dt: float) -> torch.Tensor:
    """(b, 5, 2) feet, (b, 5, 2) feet, (b, 5) ft/s -> wanted velocity (b, 5, 2) ft/s that
    reaches the target in one step if it can, capped at speed."""
    v = (target - cur) / dt
    n = v.norm(dim=-1, keepdim=True).clamp_min(1e-9)
    return v * torch.clamp(speed[..., None] / n, max=1.0)


class Ctx:
    """What a phase sees: state, memory, off (b, 5, 2) and dfn (b, 5, 2) feet, held
    (b,) bool (a live ball in an attacker's hands), holder (b,) index 0..4 or -1, timer
    (b,) seconds in the phase, cfg."""

    def __init__(self, state: SimState, mem: Memory, cfg: PlayConfig) -> None:
        self.state, self.mem, self.cfg = state, mem, cfg
        self.off, self.dfn = state.pos[:, 1:6, :2], state.pos[:, 6:11, :2]
        self.held = (state.ball_mode == BallMode.HELD) & ~state.done
        self.holder = torch.where(self.held, state.handler - 1, torch.full_like(state.handler, -1))
        self.timer = state.elapsed - mem["t0"]

    def role(self, r: int) -> torch.Tensor:
        return self.mem["roles"][:, r]

    def sided_role(self, low: int, high: int, side: torch.Tensor) -> torch.Tensor:
        """(b,) index of role ``high`` where side > 0 else role ``low``."""
        return torch.where(side > 0, self.role(high), self.role(low))

    def xy(self, idx: torch.Tensor) -> torch.Tensor:
        """(b,) index -> (b, 2) feet."""
        return torch.gather(self.off, 1, idx.clamp(0, 4)[:, None, None].expand(-1, 1, 2))[:, 0]

    def to_hoop(self, idx: torch.Tensor) -> torch.Tensor:
        return (self.xy(idx) - spot(HOOP, self.off)).norm(dim=-1)

    def has(self, idx: torch.Tensor) -> torch.Tensor:
        return self.held & (self.holder == idx)

    def released(self) -> torch.Tensor:
        """(b,) the ball is in flight or dead (a pass or shot left the hands)."""
        return ~self.held


def lane_clearance(ctx: "Ctx", passer: torch.Tensor) -> torch.Tensor:
    """(b,) passer index -> (b, 5) feet from the nearest defender to the passing lane to
    each teammate (-inf for the passer himself)."""
    src = ctx.xy(passer)
    lanes = [segment_distance(ctx.dfn, src, ctx.off[:, k]).min(dim=1).values for k in range(5)]
    clear = torch.stack(lanes, dim=1)
    me = torch.nn.functional.one_hot(passer.clamp(0, 4), 5).bool()
    return clear.masked_fill(me, float("-inf"))


class Plan:
    """A phase's output; defaults: everyone to his home spot at run speed, hold, stay."""

    def __init__(self, ctx: Ctx) -> None:
        b = ctx.off.shape[0]
        self.target = ctx.mem["home"].clone()
        self.speed = torch.full((b, 5), ctx.cfg.run_ftps, device=ctx.off.device, dtype=ctx.off.dtype)
        self.decision = torch.full((b,), int(Decision.HOLD), dtype=torch.long, device=ctx.off.device)
        self.advance = torch.zeros(b, dtype=torch.bool, device=ctx.off.device)

    def move(self, idx: torch.Tensor, xy: torch.Tensor, speed: float | torch.Tensor) -> "Plan":
        self.target = put(self.target, idx, xy)
        sp = torch.as_tensor(speed, device=xy.device, dtype=xy.dtype).expand(xy.shape[0])
        self.speed = put(self.speed[..., None], idx, sp[:, None])[..., 0]
        return self

    def stay(self, ctx: Ctx, idx: torch.Tensor) -> "Plan":
        return self.move(idx, ctx.xy(idx), 0.0)

    def pass_to(self, when: torch.Tensor, idx: torch.Tensor) -> "Plan":
        self.decision = torch.where(when, Decision.PASS_0 + idx, self.decision)
        return self

    def shoot(self, when: torch.Tensor) -> "Plan":
        self.decision = torch.where(when, torch.full_like(self.decision, int(Decision.SHOOT)),
                                    self.decision)
        return self


Phase = Callable[[Ctx], Plan]


def bring_up(ctx: Ctx) -> Plan:
    """Phase run before every play: the handler brings the ball to the top while the
    others take their 5-out spots; skipped at once when he starts within 3 ft of it."""
    ball = ctx.role(BALL)
    top = spot(TOP, ctx.off).expand(ball.shape[0], 2)
    plan = Plan(ctx).move(ball, top, ctx.cfg.run_ftps)
    plan.advance = (ctx.xy(ball) - top).norm(dim=-1) < 3.0
    return plan


def finish(ctx: Ctx) -> Plan:
    """Last phase of every play: whoever holds the ball shoots (a catch-and-shoot, or a
    put-back after an offensive rebound)."""
    return Plan(ctx).shoot(ctx.held)


class PhasePlay:
    """A SimPolicy from a list of phases (the last one should end in a shot).

    Subclasses set ``phases`` and may add per-row choices in ``choose(state, u)`` from
    ``u`` (b, 4) uniforms drawn at init (a fixed count for every play). ``act`` draws no
    random values. :func:`bring_up` runs first (memory phase 0), so a play also starts
    from a formation whose handler is not at the top."""

    phases: tuple[Phase, ...] = ()

    def __init__(self, cfg: PlayConfig | None = None) -> None:
        self.cfg = cfg or PlayConfig()

    def choose(self, state: SimState, u: torch.Tensor) -> Memory:
        return {}

    def init(self, state: SimState, generator: torch.Generator) -> Memory:
        b, dev = state.batch_size, state.device
        u = torch.rand(b, 4, generator=generator, device=dev).to(state.pos.dtype)
        roles = assign_roles(state)
        home = spot(FIVE_OUT[0], state.pos).repeat(b, 5, 1)
        home = home.scatter(1, roles[..., None].expand(-1, -1, 2),
                            torch.tensor(FIVE_OUT, device=dev, dtype=home.dtype).expand(b, 5, 2))
        mem = {"phase": torch.zeros(b, dtype=torch.long, device=dev), "t0": state.elapsed.clone(),
               "roles": roles, "home": home}
        mem.update(self.choose(state, u))
        return mem

    def _plans(self, ctx: Ctx, phase: torch.Tensor) -> dict[int, Plan]:
        """Plans of the phases some row is in (the others are skipped: no row needs them)."""
        phases = (bring_up, *self.phases)
        present = torch.zeros(len(phases), dtype=torch.long, device=phase.device)
        present = present.scatter_add(0, phase, torch.ones_like(phase)).tolist()
        return {k: fn(ctx) for k, fn in enumerate(phases) if present[k]}

    @staticmethod
    def _select(plans: dict[int, Plan], phase: torch.Tensor, name: str) -> torch.Tensor:
        out = None
        for k, p in plans.items():
            val = getattr(p, name)
            mask = (phase == k).view(-1, *([1] * (val.ndim - 1)))
            out = val if out is None else torch.where(mask, val, out)
        return out

    def act(self, state: SimState, memory: Memory,
            generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, Memory]:
        """-> (off_vel (b, 5, 2) ft/s, decision (b,) long, memory)."""
        ctx = Ctx(state, memory, self.cfg)
        plans = self._plans(ctx, memory["phase"])
        stalled = ctx.timer >= self.cfg.max_phase_s
        adv = (self._select(plans, memory["phase"], "advance") | stalled) & ~state.done
        mem = dict(memory)
        mem["phase"] = (memory["phase"] + adv.long()).clamp(max=len(self.phases))
        mem["t0"] = torch.where(adv, state.elapsed, memory["t0"])
        ctx = Ctx(state, mem, self.cfg)
        plans = self._plans(ctx, mem["phase"])
        target = self._select(plans, mem["phase"], "target")
        speed = self._select(plans, mem["phase"], "speed")
        decision = self._select(plans, mem["phase"], "decision")
        late = ctx.held & (state.shot_clock < self.cfg.shot_clock_floor_s)
        decision = torch.where(late, torch.full_like(decision, int(Decision.SHOOT)), decision)
        decision = torch.where(ctx.held, decision, torch.full_like(decision, int(Decision.HOLD)))
        return seek(ctx.off, target, speed, self.cfg.dt_s), decision, mem
