"""Trained RL agents as simulator policies: an agent trained on any env face (an
``obs -> action`` function, e.g. an SB3 model's ``predict`` or a torch actor) becomes an
:class:`engine.policy.SimPolicy`, so ``envs.evaluation.paired.run_cell`` (what
``hoopsim evaluate`` plays) measures it on held-out starts like any other offense.

``act_fn`` takes a (b, obs_dim) float32 tensor (CPU or the sim's device) and a torch
generator (for random baselines) and returns the action batch of its face, numpy or
tensor: :class:`HalfCourtAgent` HalfCourt-v0 actions in any option (``box`` (b, 17),
``multidiscrete`` (b, 6), ``dict`` {"move", "decision"}); :class:`SharedOffenseAgent`
one PettingZoo offense policy shared by the five attackers (``box`` (b, 9) or
``multidiscrete`` (b, 2) per agent); :class:`DecisionAgent` Decision-v0 actions (b,)
with the macro semantics of Decision-v0 (teammates by the default SpreadPolicy).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from engine.sim.observe import observe, observe_decision_torch
from engine.sim.step import BallMode
from envs.actions import Codec
from envs.decision import DRIVE
from envs.decision_vector import macro_inputs
from envs.spread import SpreadPolicy

ActFn = Callable[[torch.Tensor, torch.Generator], object]


class HalfCourtAgent:
    """SimPolicy of a HalfCourt-v0 agent (``actions``: its action option)."""

    def __init__(self, act_fn: ActFn, actions: str = "box", speed_ftps: float = 20.7) -> None:
        self.act_fn, self.speed = act_fn, speed_ftps
        self.codec = None if actions == "dict" else Codec(actions, 5, True)

    def init(self, state, generator):
        return {}

    def act(self, state, memory, generator):
        a = self.act_fn(observe(state, self.speed), generator)
        if self.codec is None:
            move, dec = torch.as_tensor(a["move"]), torch.as_tensor(a["decision"])
        else:
            move, dec = self.codec.decode_batch(torch.as_tensor(a))
        dev = state.device
        return move.to(dev).float().clamp(-1.0, 1.0) * self.speed, dec.to(dev).long(), memory


class SharedOffenseAgent:
    """SimPolicy of one PettingZoo policy shared by the five attackers (the SuperSuit
    route): each attacker sees the shared observation and its own one-hot; the ball
    handler's decision counts."""

    def __init__(self, act_fn: ActFn, actions: str = "box", speed_ftps: float = 20.7) -> None:
        self.act_fn, self.speed = act_fn, speed_ftps
        self.codec = Codec(actions, 1, True)

    def init(self, state, generator):
        return {}

    def act(self, state, memory, generator):
        b, dev = state.batch_size, state.device
        shared = observe(state, self.speed)
        own = torch.zeros(b, 5, 10, device=dev)
        own[:, torch.arange(5), torch.arange(5)] = 1.0
        obs = torch.cat([shared[:, None].expand(b, 5, shared.shape[1]), own], -1).reshape(b * 5, -1)
        move, dec = self.codec.decode_batch(torch.as_tensor(self.act_fn(obs, generator)))
        move = move.to(dev).float().reshape(b, 5, 2).clamp(-1.0, 1.0) * self.speed
        dec = dec.to(dev).long().reshape(b, 5)
        h = (state.handler.clamp(1, 5) - 1)[:, None]
        return move, dec.gather(1, h)[:, 0], memory


class DecisionAgent:
    """SimPolicy of a Decision-v0 agent: at each decision point (the row's macro has
    run ``decision_every`` steps, ``drive_steps`` for a drive, and the offense holds
    the ball) it asks ``act_fn`` for the next macro (0..6); in between the macro runs as
    in Decision-v0."""

    def __init__(self, act_fn: ActFn, decision_every: int = 2, drive_steps: int = 3,
                 speed_ftps: float = 20.7, teammates=None) -> None:
        self.act_fn, self.speed = act_fn, speed_ftps
        self.every, self.drive = decision_every, drive_steps
        self.teammates = teammates or SpreadPolicy()

    def init(self, state, generator):
        b, dev = state.batch_size, state.device
        return {"macro": torch.zeros(b, dtype=torch.long, device=dev),
                "n": torch.full((b,), 1 << 20, dtype=torch.long, device=dev),   # decide at once
                **{f"mate.{k}": v for k, v in self.teammates.init(state, generator).items()}}

    def act(self, state, memory, generator):
        dev = state.device
        macro, n = memory["macro"], memory["n"]
        length = torch.where(macro == DRIVE, self.drive, self.every).clamp_min(1)
        decide = (n >= length) & (state.ball_mode == BallMode.HELD)
        if bool(decide.any()):
            chosen = torch.as_tensor(self.act_fn(observe_decision_torch(state, self.speed),
                                                 generator)).to(dev).long().reshape(-1)
            macro = torch.where(decide, chosen, macro)
            n = torch.where(decide, 0, n)
        mates = {k[5:]: v for k, v in memory.items() if k.startswith("mate.")}
        vel, dec, mates = macro_inputs(self.teammates, state, mates, macro, n == 0,
                                       self.speed, generator)
        # memory stays flat (tensors only): the env cores merge it row by row
        return vel, dec, {"macro": macro, "n": n + 1, **{f"mate.{k}": v for k, v in mates.items()}}


def random_box(dim: int) -> ActFn:
    """Uniform actions in Box(-1, 1, (dim,)) from the policy's generator (the random
    baseline of the box routes)."""
    def act(obs: torch.Tensor, generator: torch.Generator):
        return torch.rand(obs.shape[0], dim, generator=generator, device=obs.device) * 2 - 1
    return act


def random_discrete(n: int = 7) -> ActFn:
    """Uniform Discrete(n) actions (the random baseline of Decision-v0)."""
    def act(obs: torch.Tensor, generator: torch.Generator):
        return torch.randint(0, n, (obs.shape[0],), generator=generator, device=obs.device)
    return act


def random_multidiscrete(nvec: list[int]) -> ActFn:
    """Uniform MultiDiscrete(nvec) actions."""
    def act(obs: torch.Tensor, generator: torch.Generator):
        cols = [torch.randint(0, k, (obs.shape[0], 1), generator=generator, device=obs.device)
                for k in nvec]
        return torch.cat(cols, 1)
    return act
