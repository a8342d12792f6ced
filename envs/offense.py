"""Offensive team policies on the simulator (engine.policy.SimPolicy).

- ``random_walk``: every attacker walks with a random velocity (pulled weakly back to
  where he started); the holder passes or shoots with small per-step probabilities.
- scripted plays (phase machines, see :mod:`envs.plays`), each ending in a shot:
  ``pick_and_roll``   a wing sets a ball screen beside the handler's defender, the
                      handler comes off it downhill; he pulls up or hits the roller;
  ``drive_and_kick``  the handler drives the lane and kicks out to a spot-up shooter
                      (corner or weak-side wing) who shoots the three;
  ``post_up``         a corner player posts up on the block, the ball goes to the wing
                      and into the post; the post player backs down and shoots;
  ``motion``          pass to a wing, basket cut from the corner, the ball is reversed
                      through the top to the other wing, who shoots or attacks;
  ``isolation``       the wings clear out, the handler sizes up and attacks alone
                      (rim finish or pull-up);
  ``scripted``        a per-row mix of the five, drawn at init.

Every name is an entry of :data:`OFFENSES` (:class:`engine.registry.Registry`).

Canonical orientation, feet, seconds; slots [ball, off_0..4, def_0..4]. Each play's
init draws 4 uniforms per row (side, option, timings) from the generator; act draws
none. ``random_walk`` draws 12 uniforms per row on every act.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.policy import Memory
from engine.registry import Registry
from engine.sim.step import Decision, SimState
from envs.plays import (
    BALL,
    BLOCK_L,
    BLOCK_R,
    CORNER_HI,
    CORNER_LO,
    DEEP_WING_L,
    DEEP_WING_R,
    HOOP,
    WING_HI,
    WING_L,
    WING_LO,
    WING_R,
    Ctx,
    PhasePlay,
    Plan,
    PlayConfig,
    finish,
    lane_clearance,
    sided,
    spot,
)


def _side(u: torch.Tensor) -> torch.Tensor:
    """(b,) uniforms -> (b,) -1.0 (low-y side) or +1.0 (high-y side)."""
    return torch.where(u < 0.5, -1.0, 1.0).to(u.dtype)


def _off_hoop(ctx: Ctx, dx: float, dy: torch.Tensor) -> torch.Tensor:
    """(b, 2) spot dx feet in front of the hoop (dx < 0 toward mid-court), dy (b,) to the side."""
    return torch.stack([torch.full_like(dy, HOOP[0] + dx), HOOP[1] + dy], dim=-1)


# ---------------------------------------------------------------------- pick and roll
class PickAndRoll(PhasePlay):
    """Memory: side (b,) the screen's side (the wing on that side screens), option (b,)
    1 = the handler passes to the roller, 0 = he pulls up; hold_s (b,) wait at the top."""

    def choose(self, state: SimState, u: torch.Tensor) -> Memory:
        return {"side": _side(u[:, 0]), "option": (u[:, 1] < 0.5).long(),
                "hold_s": 0.3 + 0.7 * u[:, 2]}

    @staticmethod
    def _base(ctx: Ctx) -> tuple[Plan, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Plan with the same-side corner lifted to the wing; (plan, side, ball, screener)."""
        s = ctx.mem["side"]
        scr = ctx.sided_role(WING_LO, WING_HI, s)
        lift = ctx.sided_role(CORNER_LO, CORNER_HI, s)
        plan = Plan(ctx).move(lift, sided(WING_L, WING_R, s), ctx.cfg.run_ftps)
        return plan, s, ctx.role(BALL), scr

    @staticmethod
    def set_screen(ctx: Ctx) -> Plan:
        plan, s, ball, scr = PickAndRoll._base(ctx)
        hxy = ctx.xy(ball)
        d = (ctx.dfn - hxy[:, None]).norm(dim=-1).argmin(dim=1)       # the handler's defender
        dxy = torch.gather(ctx.dfn, 1, d[:, None, None].expand(-1, 1, 2))[:, 0]
        pick = dxy + torch.stack([torch.full_like(s, 0.5), 3.0 * s], dim=-1)
        plan.stay(ctx, ball).move(scr, pick, ctx.cfg.run_ftps)
        plan.advance = ((ctx.xy(scr) - pick).norm(dim=-1) < 1.0) & (ctx.timer >= ctx.mem["hold_s"])
        return plan

    @staticmethod
    def use_screen(ctx: Ctx) -> Plan:
        plan, s, ball, scr = PickAndRoll._base(ctx)
        use = ctx.xy(scr) + torch.stack([torch.full_like(s, 4.0), 5.0 * s], dim=-1)
        plan.stay(ctx, scr).move(ball, use, ctx.cfg.drive_ftps)
        plan.advance = ((ctx.xy(ball) - use).norm(dim=-1) < 2.0) | (ctx.timer >= 1.0)
        return plan

    @staticmethod
    def roll(ctx: Ctx) -> Plan:
        plan, s, ball, scr = PickAndRoll._base(ctx)
        plan.move(scr, _off_hoop(ctx, -4.5, 2.0 * s), 16.0)
        plan.move(ball, _off_hoop(ctx, -8.0, 4.0 * s), ctx.cfg.drive_ftps)
        hit_roller = (ctx.mem["option"] == 1) & (ctx.to_hoop(scr) < 8.0) & (ctx.timer >= 0.5)
        pull_up = (ctx.mem["option"] == 0) & (ctx.to_hoop(ball) < 14.0)
        plan.pass_to(hit_roller, scr).shoot(pull_up | (ctx.timer >= 2.5))
        plan.advance = ctx.released()
        return plan

    @staticmethod
    def roll_finish(ctx: Ctx) -> Plan:
        plan, s, ball, scr = PickAndRoll._base(ctx)
        plan.move(scr, _off_hoop(ctx, -4.5, 2.0 * s), 16.0)
        return plan.shoot(ctx.held)

    phases = (set_screen, use_screen, roll, roll_finish)


# --------------------------------------------------------------------- drive and kick
class DriveAndKick(PhasePlay):
    """Memory: side (b,) the drive's lane side, option (b,) kick target: 0 the
    weak-side corner, 1 the strong-side corner, 2 the weak-side wing; hold_s (b,)."""

    def choose(self, state: SimState, u: torch.Tensor) -> Memory:
        return {"side": _side(u[:, 0]), "option": (u[:, 1] * 3).long().clamp(max=2),
                "hold_s": 0.5 + 1.0 * u[:, 2]}

    @staticmethod
    def shooter(ctx: Ctx) -> torch.Tensor:
        """(b,) the open man: the widest passing lane among the three spot-up options,
        the option drawn at init preferred by 1.5 ft."""
        s, opt = ctx.mem["side"], ctx.mem["option"]
        options = torch.stack([ctx.sided_role(CORNER_LO, CORNER_HI, -s),
                               ctx.sided_role(CORNER_LO, CORNER_HI, s),
                               ctx.sided_role(WING_LO, WING_HI, -s)], dim=1)    # (b, 3)
        clear = torch.gather(lane_clearance(ctx, ctx.role(BALL)), 1, options)
        clear = clear + 1.5 * torch.nn.functional.one_hot(opt, 3)
        return torch.gather(options, 1, clear.argmax(dim=1, keepdim=True))[:, 0]

    @staticmethod
    def size_up(ctx: Ctx) -> Plan:
        plan = Plan(ctx).stay(ctx, ctx.role(BALL))
        plan.advance = ctx.timer >= ctx.mem["hold_s"]
        return plan

    @staticmethod
    def drive(ctx: Ctx) -> Plan:
        ball = ctx.role(BALL)
        plan = Plan(ctx).move(ball, _off_hoop(ctx, -3.5, 3.0 * ctx.mem["side"]), ctx.cfg.drive_ftps)
        plan.pass_to(ctx.to_hoop(ball) <= 16.0, DriveAndKick.shooter(ctx))
        plan.advance = ctx.released()
        return plan

    phases = (size_up, drive, finish)


# -------------------------------------------------------------------------- post up
class PostUp(PhasePlay):
    """Memory: side (b,) the post's side (its corner player posts up, its wing makes
    the entry), hold_s (b,) before the first pass, work_s (b,) of backing down."""

    def choose(self, state: SimState, u: torch.Tensor) -> Memory:
        return {"side": _side(u[:, 0]), "hold_s": 0.4 + 0.6 * u[:, 1],
                "work_s": 0.5 + 1.0 * u[:, 2]}

    @staticmethod
    def _base(ctx: Ctx) -> tuple[Plan, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        s = ctx.mem["side"]
        post, wing = ctx.sided_role(CORNER_LO, CORNER_HI, s), ctx.sided_role(WING_LO, WING_HI, s)
        block = sided(BLOCK_L, BLOCK_R, s)
        return Plan(ctx).move(post, block, ctx.cfg.run_ftps), s, post, wing, block

    @staticmethod
    def to_wing(ctx: Ctx) -> Plan:
        plan, s, post, wing, block = PostUp._base(ctx)
        ball = ctx.role(BALL)
        plan.stay(ctx, ball).pass_to(ctx.timer >= ctx.mem["hold_s"], wing)
        plan.advance = ctx.has(wing)
        return plan

    @staticmethod
    def entry(ctx: Ctx) -> Plan:
        plan, s, post, wing, block = PostUp._base(ctx)
        plan.move(ctx.role(BALL), _off_hoop(ctx, -22.5, -9.0 * s), ctx.cfg.run_ftps)
        sealed = (ctx.xy(post) - block).norm(dim=-1) < 1.5
        plan.pass_to(sealed & (ctx.timer >= 0.5), post)
        plan.advance = ctx.has(post)
        return plan

    @staticmethod
    def back_down(ctx: Ctx) -> Plan:
        plan, s, post, wing, block = PostUp._base(ctx)
        plan.move(ctx.role(BALL), _off_hoop(ctx, -22.5, -9.0 * s), ctx.cfg.run_ftps)
        plan.move(post, _off_hoop(ctx, -3.5, 4.5 * s), 5.0)
        plan.shoot(ctx.timer >= ctx.mem["work_s"])
        plan.advance = ctx.released()
        return plan

    phases = (to_wing, entry, back_down, finish)


# --------------------------------------------------------------------------- motion
class Motion(PhasePlay):
    """Memory: side (b,) of the first pass, option (b,) 0 the far wing shoots on the
    catch, 1 he attacks the rim; hold_s (b,)."""

    def choose(self, state: SimState, u: torch.Tensor) -> Memory:
        return {"side": _side(u[:, 0]), "option": (u[:, 1] < 0.5).long(),
                "hold_s": 0.3 + 0.5 * u[:, 2]}

    @staticmethod
    def entry(ctx: Ctx) -> Plan:
        w_a = ctx.sided_role(WING_LO, WING_HI, ctx.mem["side"])
        plan = Plan(ctx).stay(ctx, ctx.role(BALL)).pass_to(ctx.timer >= ctx.mem["hold_s"], w_a)
        plan.advance = ctx.has(w_a)
        return plan

    @staticmethod
    def back_to_top(ctx: Ctx) -> Plan:
        s = ctx.mem["side"]
        c_a = ctx.sided_role(CORNER_LO, CORNER_HI, s)
        plan = Plan(ctx).move(c_a, sided(BLOCK_L, BLOCK_R, s), ctx.cfg.run_ftps)  # basket cut
        plan.pass_to(ctx.timer >= 0.6, ctx.role(BALL))
        plan.advance = ctx.has(ctx.role(BALL))
        return plan

    @staticmethod
    def reverse(ctx: Ctx) -> Plan:
        w_b = ctx.sided_role(WING_LO, WING_HI, -ctx.mem["side"])
        plan = Plan(ctx).pass_to(ctx.timer >= 0.4, w_b)
        plan.advance = ctx.has(w_b)
        return plan

    @staticmethod
    def attack(ctx: Ctx) -> Plan:
        s = ctx.mem["side"]
        w_b = ctx.sided_role(WING_LO, WING_HI, -s)
        drive = ctx.mem["option"] == 1
        plan = Plan(ctx)
        plan.move(w_b, torch.where(drive[:, None], _off_hoop(ctx, -3.5, -3.0 * s), ctx.xy(w_b)),
                  torch.where(drive, ctx.cfg.drive_ftps, 0.0))
        plan.shoot(~drive | (ctx.to_hoop(w_b) <= 8.0))
        plan.advance = ctx.released()
        return plan

    phases = (entry, back_to_top, reverse, attack, finish)


# ------------------------------------------------------------------------ isolation
class Isolation(PhasePlay):
    """Memory: side (b,) of the attack, option (b,) 0 rim finish, 1 pull-up (15 ft);
    hold_s (b,) sizing up at the top while the wings clear to the deep wings."""

    def choose(self, state: SimState, u: torch.Tensor) -> Memory:
        return {"side": _side(u[:, 0]), "option": (u[:, 1] < 0.5).long(),
                "hold_s": 0.8 + 1.0 * u[:, 2]}

    @staticmethod
    def _cleared(ctx: Ctx) -> Plan:
        plan = Plan(ctx).move(ctx.role(WING_LO), spot(DEEP_WING_L, ctx.off).expand_as(ctx.off[:, 0]),
                              ctx.cfg.run_ftps)
        return plan.move(ctx.role(WING_HI), spot(DEEP_WING_R, ctx.off).expand_as(ctx.off[:, 0]),
                         ctx.cfg.run_ftps)

    @staticmethod
    def size_up(ctx: Ctx) -> Plan:
        ball = ctx.role(BALL)
        sway = ctx.mem["home"][torch.arange(ball.shape[0], device=ball.device), ball].clone()
        sway[:, 1] = sway[:, 1] + 2.0 * ctx.mem["side"]
        plan = Isolation._cleared(ctx).move(ball, sway, 4.0)
        plan.advance = ctx.timer >= ctx.mem["hold_s"]
        return plan

    @staticmethod
    def attack(ctx: Ctx) -> Plan:
        ball = ctx.role(BALL)
        plan = Isolation._cleared(ctx).move(ball, _off_hoop(ctx, -2.75, 2.5 * ctx.mem["side"]),
                                            ctx.cfg.drive_ftps)
        reach = torch.where(ctx.mem["option"] == 1, 15.0, 5.0)
        plan.shoot(ctx.to_hoop(ball) <= reach)
        plan.advance = ctx.released()
        return plan

    phases = (size_up, attack, finish)


# ---------------------------------------------------------------------- random walk
@dataclass
class RandomWalkConfig:
    """speed_ftps: radius of the uniform random velocity disk; pull_per_s: velocity
    (ft/s) per foot away from the start spot; p_pass / p_shoot: per-step probabilities
    for the holder."""

    speed_ftps: float = 12.0
    pull_per_s: float = 0.4
    p_pass: float = 0.08
    p_shoot: float = 0.04


class RandomWalk:
    def __init__(self, cfg: RandomWalkConfig | None = None) -> None:
        self.cfg = cfg or RandomWalkConfig()

    def init(self, state: SimState, generator: torch.Generator) -> Memory:
        return {"home": state.pos[:, 1:6, :2].clone()}

    def act(self, state: SimState, memory: Memory,
            generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, Memory]:
        """-> (off_vel (b, 5, 2) ft/s, decision (b,), memory); draws b * 12 uniforms."""
        b, dev, dt = state.batch_size, state.device, state.pos.dtype
        r = torch.rand(b, 5, 2, generator=generator, device=dev).to(dt)
        u = torch.rand(b, 2, generator=generator, device=dev).to(dt)
        ang, rad = 2.0 * math.pi * r[..., 0], self.cfg.speed_ftps * r[..., 1].sqrt()
        vel = torch.stack([rad * ang.cos(), rad * ang.sin()], dim=-1)
        vel = vel + self.cfg.pull_per_s * (memory["home"] - state.pos[:, 1:6, :2])
        holder = (state.handler - 1).clamp(0, 4)
        mate = (holder + 1 + (u[:, 1] * 4).long().clamp(max=3)) % 5
        decision = torch.full((b,), int(Decision.HOLD), dtype=torch.long, device=dev)
        decision = torch.where(u[:, 0] < self.cfg.p_shoot + self.cfg.p_pass, Decision.PASS_0 + mate,
                               decision)
        decision = torch.where(u[:, 0] < self.cfg.p_shoot, int(Decision.SHOOT), decision)
        return vel, decision, memory


# ---------------------------------------------------------------------- mix, registry
class MixedPlays:
    """A play per batch row, drawn at init (one uniform per row) among ``plays``;
    memory keys are ``"<index>/<key>"`` plus ``play`` (b,) long."""

    def __init__(self, plays: list) -> None:
        self.plays = plays

    def init(self, state: SimState, generator: torch.Generator) -> Memory:
        u = torch.rand(state.batch_size, generator=generator, device=state.device)
        mem = {"play": (u * len(self.plays)).long().clamp(max=len(self.plays) - 1)}
        for i, p in enumerate(self.plays):
            mem.update({f"{i}/{k}": v for k, v in p.init(state, generator).items()})
        return mem

    def act(self, state: SimState, memory: Memory,
            generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, Memory]:
        vel, dec, mem = None, None, {"play": memory["play"]}
        for i, p in enumerate(self.plays):
            sub = {k.split("/", 1)[1]: v for k, v in memory.items() if k.startswith(f"{i}/")}
            v, d, m = p.act(state, sub, generator)
            mine = memory["play"] == i
            vel = v if vel is None else torch.where(mine[:, None, None], v, vel)
            dec = d if dec is None else torch.where(mine, d, dec)
            mem.update({f"{i}/{k}": t for k, t in m.items()})
        return vel, dec, mem


PLAYS = {"pick_and_roll": PickAndRoll, "drive_and_kick": DriveAndKick, "post_up": PostUp,
         "motion": Motion, "isolation": Isolation}

OFFENSES: Registry = Registry("offense")
"""Offenses by name: ``OFFENSES.make(name, options)`` -> SimPolicy (options: the fields of
the entry's config, :class:`envs.plays.PlayConfig` or :class:`RandomWalkConfig`).

The behaviour-cloned offense (``bc``) is not registered here: it lives in
:mod:`offline_rl.bc`, which envs may not import, and needs training possessions;
``hoopsim.evaluation.make_method`` builds it (``offline_rl.bc.fit_or_load`` on the
train split, wrapped in ``offline_rl.bc.BCOffense``) next to these names."""


@OFFENSES.register("random_walk", RandomWalkConfig, help="random velocities, random passes and shots")
def _random_walk(cfg: RandomWalkConfig) -> RandomWalk:
    return RandomWalk(cfg)


def _register_play(name: str, cls: type) -> None:
    OFFENSES.register(name, PlayConfig, help=f"scripted play {cls.__name__}")(lambda cfg: cls(cfg))


for _name, _cls in PLAYS.items():
    _register_play(_name, _cls)


@OFFENSES.register("scripted", PlayConfig, help="a scripted play per row, drawn at init")
def _scripted(cfg: PlayConfig) -> MixedPlays:
    return MixedPlays([cls(cfg) for cls in PLAYS.values()])
