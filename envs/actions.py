"""Action spaces every mainstream RL library accepts, as wrappers over the one env.

Each env face takes its native action: HalfCourt-v0 ``Dict(move=Box(-1, 1, (5, 2)),
decision=Discrete(7))``, the PettingZoo offense agent ``Dict(move=Box(2,), decision)``
(a defender ``Box(2,)``), the torch vector env a dict of (B, 5, 2) / (B,) tensors.
SB3's PPO and DQN, SuperSuit's vector bridge and most single-file algorithms refuse a
Dict, so one option, ``actions``, puts a wrapper in front of the same env:

- ``dict`` (the default): the native space, no wrapper.
- ``box``: one ``Box(-1, 1)`` holding the moves (5 x 2 numbers, row-major: player 0's
  x, y, then player 1's, ...) and then 7 decision scores; the decision is the arg-max
  of the scores (ties to the lowest index, numpy / torch ``argmax``).
- ``multidiscrete``: ``MultiDiscrete([17] * players + [7])``: each player's move on a
  fixed grid (:class:`MoveGrid`: 0 stands still, then 8 directions x 2 speeds, 0.5 and
  1.0 of the speed cap), then the decision.

The wrappers only translate actions, so the same seed and equivalent actions give the
same trajectory whatever the option (``tests/envs/test_actions.py``). Decision-v0's
``Discrete(7)`` takes ``box`` (7 scores, arg-max) and ``multidiscrete``
(``MultiDiscrete([7])``) too.

Front doors: :func:`make_halfcourt` / :func:`make_decision` (the registered entry points
of ``hoopsim/HalfCourt-v0`` / ``hoopsim/Decision-v0``, so ``gym.make(id, actions="box")``
works), :func:`make_halfcourt_vector` (the ``vector_entry_point``) and
:func:`parallel_env` (the PettingZoo env).
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from pettingzoo.utils import BaseParallelWrapper

from engine.sim.step import N_DECISIONS

ACTIONS = ("dict", "box", "multidiscrete")


def check_actions(actions: str) -> str:
    if actions not in ACTIONS:
        raise ValueError(f"actions must be one of {ACTIONS}, got {actions!r}")
    return actions


class MoveGrid:
    """A fixed grid of moves: index 0 stands still, index 1 + d * len(speeds) + s moves in
    direction d (angle 2 pi d / n_dirs, 0 = +x towards the hoop) at ``speeds[s]`` of the
    speed cap. ``table`` (n, 2) float32 holds the move of each index."""

    def __init__(self, n_dirs: int = 8, speeds: tuple[float, ...] = (0.5, 1.0)) -> None:
        rows = [(0.0, 0.0)]
        for d in range(n_dirs):
            a = 2.0 * math.pi * d / n_dirs
            rows += [(s * math.cos(a), s * math.sin(a)) for s in speeds]
        self.table = np.asarray(rows, np.float32)
        self.n = len(rows)
        self._torch: dict = {}

    def moves_np(self, idx) -> np.ndarray:
        """(..., ) ints -> (..., 2) float32 fractions of the speed cap."""
        return self.table[np.asarray(idx, np.int64)]

    def moves_torch(self, idx: torch.Tensor) -> torch.Tensor:
        """(...) long tensor -> (..., 2) float32 on its device."""
        dev = idx.device
        if dev not in self._torch:
            self._torch[dev] = torch.as_tensor(self.table, device=dev)
        return self._torch[dev][idx.long()]

    def nearest(self, move) -> np.ndarray:
        """(..., 2) moves -> (...) the index of the nearest grid move (for converting a
        continuous policy's actions)."""
        d = ((np.asarray(move, np.float32)[..., None, :] - self.table) ** 2).sum(-1)
        return d.argmin(-1)


GRID = MoveGrid()


class Codec:
    """The translation of one action option for ``players`` moves and (``decision``) a
    decision: ``space`` and ``decode`` (numpy, one action) / ``decode_batch`` (torch,
    (B, ...)) -> (move (players, 2) or (B, players, 2), decision int / (B,) or None)."""

    def __init__(self, actions: str, players: int, decision: bool, grid: MoveGrid = GRID) -> None:
        self.actions, self.players, self.decision, self.grid = check_actions(actions), players, decision, grid
        nd = N_DECISIONS if decision else 0
        if actions == "box":
            self.space = spaces.Box(-1.0, 1.0, (2 * players + nd,), np.float32)
        elif actions == "multidiscrete":
            self.space = spaces.MultiDiscrete([grid.n] * players + ([nd] if nd else []))
        else:
            self.space = None

    def decode(self, a):
        a = np.asarray(a)
        p = self.players
        if self.actions == "box":
            move = a[:2 * p].astype(np.float32).reshape(p, 2)
            return move, (int(np.argmax(a[2 * p:])) if self.decision else None)
        move = self.grid.moves_np(a[:p])
        return move, (int(a[p]) if self.decision else None)

    def decode_batch(self, a: torch.Tensor):
        a = torch.as_tensor(a)
        p = self.players
        if self.actions == "box":
            move = a[:, :2 * p].float().reshape(-1, p, 2)
            return move, (a[:, 2 * p:].argmax(1) if self.decision else None)
        move = self.grid.moves_torch(a[:, :p])
        return move, (a[:, p].long() if self.decision else None)

    def encode(self, move, decision: int | None = None) -> np.ndarray:
        """The inverse for tests and converters: a native (move, decision) -> this option's
        action (``multidiscrete`` takes the nearest grid move)."""
        move = np.asarray(move, np.float32).reshape(self.players, 2)
        if self.actions == "box":
            scores = np.zeros(N_DECISIONS if self.decision else 0, np.float32)
            if self.decision:
                scores[int(decision)] = 1.0
            return np.concatenate([move.reshape(-1), scores])
        idx = list(self.grid.nearest(move)) + ([int(decision)] if self.decision else [])
        return np.asarray(idx, np.int64)


class HalfCourtActions(gym.ActionWrapper):
    """HalfCourt-v0 (or any env with its Dict action) with the ``box`` or
    ``multidiscrete`` action space."""

    def __init__(self, env: gym.Env, actions: str = "box") -> None:
        super().__init__(env)
        self.codec = Codec(actions, 5, True)
        if self.codec.space is None:
            raise ValueError("HalfCourtActions translates 'box' or 'multidiscrete'; "
                             "'dict' is the env itself")
        self.action_space = self.codec.space

    def action(self, action):
        move, dec = self.codec.decode(action)
        return {"move": move, "decision": dec}


class DiscreteActions(gym.ActionWrapper):
    """A ``Discrete(n)`` env (Decision-v0) with ``box`` (n scores, arg-max) or
    ``multidiscrete`` (``MultiDiscrete([n])``) actions."""

    def __init__(self, env: gym.Env, actions: str = "box") -> None:
        super().__init__(env)
        n = int(env.action_space.n)
        if check_actions(actions) == "box":
            self.action_space = spaces.Box(-1.0, 1.0, (n,), np.float32)
        elif actions == "multidiscrete":
            self.action_space = spaces.MultiDiscrete([n])
        else:
            raise ValueError("DiscreteActions translates 'box' or 'multidiscrete'")

    def action(self, action):
        a = np.asarray(action)
        return int(np.argmax(a)) if isinstance(self.action_space, spaces.Box) else int(a[0])


class VectorActions(gym.vector.VectorActionWrapper):
    """The torch vector env (:class:`envs.vector.HalfCourtVectorEnv`) with ``box``
    ((B, 17) floats) or ``multidiscrete`` ((B, 6) longs) actions, tensors or arrays."""

    def __init__(self, env, actions: str = "box") -> None:
        super().__init__(env)
        self.codec = Codec(actions, 5, True)
        if self.codec.space is None:
            raise ValueError("VectorActions translates 'box' or 'multidiscrete'")
        self.single_action_space = self.codec.space
        self.action_space = gym.vector.utils.batch_space(self.codec.space, env.num_envs)

    def actions(self, actions):
        a = torch.as_tensor(actions, device=self.env.unwrapped.device)
        move, dec = self.codec.decode_batch(a)
        return {"move": move, "decision": dec}


class ParallelActions(BaseParallelWrapper):
    """The PettingZoo env with ``box`` or ``multidiscrete`` per agent: an attacker takes
    ``Box(-1, 1, (9,))`` (move x, y, 7 decision scores) or ``MultiDiscrete([17, 7])``, a
    defender ``Box(-1, 1, (2,))`` (unchanged) or ``MultiDiscrete([17])``."""

    def __init__(self, env, actions: str = "box") -> None:
        super().__init__(env)
        self.codecs = {a: Codec(actions, 1, a.startswith("off_")) for a in env.possible_agents}
        if check_actions(actions) == "dict":
            raise ValueError("ParallelActions translates 'box' or 'multidiscrete'")
        self.actions_option = actions

    @property
    def render_mode(self):
        return self.env.render_mode

    def action_space(self, agent):
        return self.codecs[agent].space

    def step(self, actions: dict):
        native = {}
        for agent, a in actions.items():
            move, dec = self.codecs[agent].decode(a)
            native[agent] = move[0] if dec is None else {"move": move[0], "decision": dec}
        return self.env.step(native)


def make_halfcourt(actions: str = "dict", **kwargs) -> gym.Env:
    """HalfCourt-v0 with the chosen action option (kwargs go to HalfCourtEnv)."""
    from envs.halfcourt import HalfCourtEnv
    env = HalfCourtEnv(**kwargs)
    return env if check_actions(actions) == "dict" else HalfCourtActions(env, actions)


def make_decision(actions: str = "dict", **kwargs) -> gym.Env:
    """Decision-v0 with the chosen action option (``dict`` is its native Discrete(7))."""
    from envs.decision import DecisionEnv
    env = DecisionEnv(**kwargs)
    return env if check_actions(actions) == "dict" else DiscreteActions(env, actions)


def make_halfcourt_vector(actions: str = "dict", **kwargs):
    """The torch vector env with the chosen action option (kwargs: VectorConfig's fields,
    starts, outcomes, scheme, reward, sim_cfg)."""
    from envs.vector import HalfCourtVectorEnv
    env = HalfCourtVectorEnv(**kwargs)
    return env if check_actions(actions) == "dict" else VectorActions(env, actions)


def parallel_env(actions: str = "dict", **kwargs):
    """The PettingZoo ParallelEnv (envs.multiagent.HalfCourtParallelEnv; kwargs go to
    it, e.g. ``controlled``, ``render_mode``) with the chosen action option."""
    from envs.multiagent import HalfCourtParallelEnv
    env = HalfCourtParallelEnv(**kwargs)
    return env if check_actions(actions) == "dict" else ParallelActions(env, actions)


def make_decision_vector(actions: str = "dict", **kwargs):
    """The batched torch decision env (envs.decision_vector.DecisionVectorEnv); ``box``
    takes (B, 7) scores (arg-max), ``multidiscrete`` (B, 1)."""
    from envs.decision_vector import DecisionVectorEnv
    env = DecisionVectorEnv(**kwargs)
    return env if check_actions(actions) == "dict" else VectorDiscreteActions(env, actions)


class VectorDiscreteActions(gym.vector.VectorActionWrapper):
    """The batched decision env with ``box`` ((B, 7) scores) or ``multidiscrete``
    ((B, 1)) actions."""

    def __init__(self, env, actions: str = "box") -> None:
        super().__init__(env)
        n = int(env.single_action_space.n)
        self.box = check_actions(actions) == "box"
        self.single_action_space = (spaces.Box(-1.0, 1.0, (n,), np.float32) if self.box
                                    else spaces.MultiDiscrete([n]))
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, env.num_envs)

    def actions(self, actions):
        a = torch.as_tensor(actions, device=self.env.unwrapped.device)
        return a.argmax(1) if self.box else a[:, 0].long()
