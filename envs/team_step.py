"""The one step that drives the simulator: policy draws, defense, noise draw, simulator
step, in that order. Every batched loop calls it: the gym core (:mod:`envs.core`), the
batched rollouts (:mod:`envs.simulate`), the synthetic corpus runner
(:mod:`envs.synthetic.sim`) and the play signatures (:mod:`envs.evaluation.play_signatures`).

A/B check when each loop moved onto it (same seeds, before and after): the gym core
(every defense scheme x off_vel / decision / def_vel given or not), the synthetic runner
(mixed offense and scheme groups, with compaction) and the play signatures gave
bit-identical trajectories and left the generator at the same place.

Its documented twin is the plain-Python single-possession fast path of HalfCourt-v0
(:mod:`engine.sim.fast`, driven by :mod:`envs.halfcourt`), which keeps the same order of
draws on floats.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.sim.step import DEF, N_NOISE, SimConfig, SimState, advance

# defend() -> (vx, vy) (b, 5) ft/s wanted defender velocities (schemes draw nothing)
Defend = Callable[[], tuple[torch.Tensor, torch.Tensor]]


class Override:
    """A SimPolicy that plays the caller's (gym action's) velocities and decisions and
    asks ``policy`` only when one of them is missing (None)."""

    def __init__(self, policy, off_vel: torch.Tensor | None, decision: torch.Tensor | None) -> None:
        self.policy, self.off_vel, self.decision = policy, off_vel, decision

    def act(self, sim: SimState, memory: dict, generator: torch.Generator):
        if self.off_vel is not None and self.decision is not None:
            return self.off_vel, self.decision, memory
        vel, dec, memory = self.policy.act(sim, memory, generator)
        return (vel if self.off_vel is None else self.off_vel,
                dec if self.decision is None else self.decision, memory)


def scheme_velocity(scheme, sim: SimState, valid: torch.Tensor, dstate, dt_s: float):
    """A defense scheme's next positions as wanted velocities: (vx, vy) (b, 5) ft/s and
    the scheme's new state (scheme: positions (b, 11, 3), valid (b, 11), state ->
    next defender xy (b, 5, 2) feet, state)."""
    nxt, dstate = scheme(sim.pos, valid, dstate)
    vel = (nxt - sim.pos[:, DEF, :2]) / dt_s
    return vel[..., 0], vel[..., 1], dstate


def team_step(sim: SimState, offense, memory: dict, defend: Defend, generator: torch.Generator,
              outcomes, cfg: SimConfig, policy_generator: torch.Generator | None = None,
              advance_fn=advance, players=None):
    """One step of every row of ``sim``, drawing in this order:
    ``offense.act(sim, memory, policy_generator or generator)`` (a SimPolicy: off_vel
    (b, 5, 2) ft/s, decision (b,)), ``defend()`` (vx, vy (b, 5) ft/s; no draws), then
    ``N_NOISE`` uniforms per row from ``generator`` (dtype of ``sim.pos``), then
    ``advance_fn`` (engine.sim.step.advance or a compiled twin; ``players``: its
    player_xy(sim) when the caller has it).
    Returns (new state, events, new memory, noise (b, N_NOISE))."""
    off_vel, decision, memory = offense.act(sim, memory, policy_generator or generator)
    dvx, dvy = defend()
    dtype = sim.pos.dtype
    noise = torch.rand((sim.batch_size, N_NOISE), generator=generator, device=sim.pos.device,
                       dtype=dtype)
    off_vel = off_vel.to(dtype)
    wx = torch.cat([off_vel[..., 0], dvx.to(dtype)], dim=1)
    wy = torch.cat([off_vel[..., 1], dvy.to(dtype)], dim=1)
    new, ev = advance_fn(sim, wx, wy, decision.long(), noise, outcomes, cfg, players)
    return new, ev, memory, noise
