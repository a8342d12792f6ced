"""A torch vector env: B half-court possessions stepped together on one device, with
finished rows reset in place."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from engine.runtime import torch_generator
from engine.sim.observe import OBS_DIM, bounds, observe
from engine.sim.step import N_DECISIONS
from envs.core import CoreConfig, CoreState, HalfCourtCore
from envs.defense import ManToMan, Zone23
from envs.spread import SpreadPolicy

MAX_TABLE_ROWS = 100_000   # start rows precomputed for auto-reset (~0.5 KB each)


@dataclass
class VectorConfig:
    """num_envs: B; defense / reward / max_steps / device as in envs.core.CoreConfig
    (device 'auto' picks cuda when available); compile: run the sim step through
    torch.compile (worth it on a GPU, a long warm-up on a CPU)."""

    num_envs: int = 256
    defense: str = "man_to_man"
    reward: str = "playbest"
    max_steps: int = 100
    device: str = "auto"
    compile: bool = False


class HalfCourtVectorEnv(gym.vector.VectorEnv):
    """B copies of ``hoopsim/HalfCourt-v0`` as batched torch tensors.

    ## Description
    The offense of every row is controlled (as in HalfCourt-v0); the defense follows
    the configured scheme. Everything stays on ``device``: actions in, tensors out.

    ## Action Space
    A dict of tensors: ``move`` (B, 5, 2) in [-1, 1] (fractions of the speed cap) and
    ``decision`` (B,) long :class:`engine.sim.step.Decision`.

    ## Observation Space
    (B, 88) float32, the index map of :mod:`engine.sim.observe`.

    ## Rewards
    Per step and row, as in HalfCourt-v0 (:mod:`envs.reward_fns`).

    ## Starting State
    Start rows drawn uniformly: at reset by the env's ``np_random``; on auto-reset by
    a second torch generator (B draws every step), so the sim's noise stream is the
    one a single env with the same seed sees.

    ## Episode End
    Rows that end (terminated) or reach ``max_steps`` (truncated) are reset in the
    same step ("same-step" autoreset, gymnasium >= 1.1's ``AutoresetMode.SAME_STEP``;
    the project's pinned gymnasium 1.0.0 has its own vector envs reset on the *next*
    step, this env does not): the returned observation of such a row is already the
    new possession's. ``info["final_obs"]`` (B, 88) is the observation every row
    reached in this step before any reset (equal to the returned one where nothing
    ended), with the mask ``info["_final_obs"]`` (B,) of the rows that ended: bootstrap
    a truncated row from ``final_obs``, never from the returned observation.
    ``info`` also holds the finished rows' ``final_points``, ``final_outcome`` and
    ``final_steps`` (0 elsewhere) with the mask ``_final`` (= ``_final_obs``), and
    ``events``, the step's :func:`engine.sim.step.step` events.

    ## Arguments
    ``cfg`` (:class:`VectorConfig`) or its fields as keywords; ``starts``,
    ``outcomes``, ``scheme``, ``reward``, ``sim_cfg`` as in HalfCourt-v0. Registered
    as the ``vector_entry_point`` of ``hoopsim/HalfCourt-v0``:
    ``gym.make_vec("hoopsim/HalfCourt-v0", num_envs=B,
    vectorization_mode="vector_entry_point", device="cpu")`` builds it (keywords go to
    :class:`VectorConfig`).

    ## Version History
    * v0: first version.
    """

    metadata = {"autoreset_mode": "same-step"}   # gymnasium >= 1.1: AutoresetMode.SAME_STEP

    def __init__(self, cfg: VectorConfig | None = None, starts=None, outcomes=None, scheme=None,
                 reward=None, sim_cfg=None, **overrides) -> None:
        cfg = VectorConfig(**{**(cfg or VectorConfig()).__dict__, **overrides})
        self.cfg = cfg
        core_cfg = CoreConfig(defense=cfg.defense, reward=cfg.reward, max_steps=cfg.max_steps,
                              device=cfg.device)
        self.core = HalfCourtCore(core_cfg, starts, outcomes, scheme, reward=reward,
                                  sim_cfg=sim_cfg)
        self.device = self.core.device
        self.num_envs = cfg.num_envs
        low, high = bounds()
        self.single_observation_space = spaces.Box(low, high, (OBS_DIM,), np.float32)
        self.single_action_space = spaces.Dict({
            "move": spaces.Box(-1.0, 1.0, (5, 2), np.float32),
            "decision": spaces.Discrete(N_DECISIONS)})
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space,
                                                              self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self.speed = self.core.sim_cfg.player_speed_ftps
        self._step = self.core.step
        if cfg.compile:
            self.core.sim_advance = torch.compile(self.core.sim_advance, dynamic=False)
        self._cs: CoreState | None = None
        self._table: tuple | None = None   # (key, start table CoreState, its (n, 88) observations)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """-> (obs (B, 88) tensor, info {}). options={"start": index or (B,) indices}."""
        if seed is not None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random(seed)
        idx = (options or {}).get("start")
        if idx is None:
            idx = self.core.starts.sample(self.np_random, self.num_envs)
        idx = np.broadcast_to(np.asarray(idx, np.int64), (self.num_envs,))
        self._gen = torch_generator(self.np_random, self.device)
        self._reset_gen = torch_generator(self.np_random, self.device)
        self._cs = self.core.start(idx, self._gen)
        return observe(self._cs.sim, self.speed), {}

    def step(self, actions):
        """actions {"move": (B, 5, 2), "decision": (B,)} -> (obs (B, 88), reward (B,),
        terminated (B,), truncated (B,), info): torch tensors on the env's device."""
        if self._cs is None:
            raise RuntimeError("call reset() before step()")
        move = torch.as_tensor(actions["move"], device=self.device, dtype=self.core.dtype)
        dec = torch.as_tensor(actions["decision"], device=self.device).long()
        off = move.clamp(-1.0, 1.0) * self.speed
        prev = self._cs
        cs, ev, reward = self._step(prev, self._gen, off, None, dec)
        terminated = ev["done"]
        truncated = self.core.truncated(cs)
        final = terminated | truncated
        final_obs = observe(cs.sim, self.speed)
        info = {"events": ev, "_final": final, "final_obs": final_obs, "_final_obs": final,
                "final_points": torch.where(final, cs.sim.points, 0.0),
                "final_outcome": torch.where(final, cs.sim.outcome, 0),
                "final_steps": torch.where(final, cs.t, 0)}
        self._cs, obs = self._auto_reset(prev, cs, final, final_obs)
        return obs, reward, terminated, truncated, info

    def _auto_reset(self, prev: CoreState, cs: CoreState, final: torch.Tensor,
                    obs: torch.Tensor) -> tuple[CoreState, torch.Tensor]:
        """Replace finished rows by fresh starts, in the state and in a copy of ``obs``
        (B, 88); the start draws happen every step."""
        pick = torch.randint(0, len(self.core.starts), (self.num_envs,),
                             generator=self._reset_gen, device=self.device)
        rows = torch.nonzero(final).flatten()
        if rows.numel() == 0:
            return cs, obs
        table = self._start_table()
        if table is None:
            fresh = self.core.start(pick[rows].cpu().numpy(), self._reset_gen)
            fresh_obs = observe(fresh.sim, self.speed)
        else:   # rows of the precomputed starts: the same values, without a start per step
            chosen = pick.index_select(0, rows)
            fresh, fresh_obs = _take(table[0], chosen), table[1].index_select(0, chosen)
        return _scatter(cs, rows, fresh, prev), obs.clone().index_copy_(0, rows, fresh_obs)

    def _start_table(self) -> tuple[CoreState, torch.Tensor] | None:
        """Every start row as a CoreState and its (n, 88) observations (built once), when
        a start is a pure function of its row: scripted man / zone scheme (per-row first
        assignment), the default offense policy (empty memory, no draws) and not too
        many rows."""
        core = self.core
        key = (id(core.starts), len(core.starts))
        if self._table is not None and self._table[0] == key:
            return self._table[1]
        pure = (type(core.defense) in (ManToMan, Zone23) and type(core.policy) is SpreadPolicy
                and len(core.starts) <= MAX_TABLE_ROWS)
        table = None
        if pure:
            rows = core.start(np.arange(len(core.starts)), torch.Generator(device=self.device))
            table = (rows, observe(rows.sim, self.speed))
        self._table = (key, table)
        return table

    def state(self) -> CoreState:
        return self._cs


def _take(cs: CoreState, idx: torch.Tensor) -> CoreState:
    """Rows ``idx`` (k,) of cs."""
    sim = cs.sim.map(lambda t: t.index_select(0, idx))
    return CoreState(sim, cs.assignment.index_select(0, idx),
                     {k: v.index_select(0, idx) for k, v in cs.memory.items()},
                     cs.t.index_select(0, idx))


def _scatter(cs: CoreState, rows: torch.Tensor, fresh: CoreState, prev: CoreState) -> CoreState:
    """cs with rows ``rows`` (k,) replaced by the k rows of ``fresh``. Tensors the step
    made anew are written in place; those still shared with ``prev`` (which a caller
    may hold) are copied first."""
    def put(a: torch.Tensor, b: torch.Tensor, old) -> torch.Tensor:
        if a is old:
            a = a.clone()
        return a.index_copy_(0, rows, b)
    sim = cs.sim.map(lambda t: t)   # shallow copy
    for name in vars(sim):
        setattr(sim, name, put(getattr(cs.sim, name), getattr(fresh.sim, name),
                               getattr(prev.sim, name)))
    memory = {k: put(v, fresh.memory[k], prev.memory.get(k)) for k, v in cs.memory.items()}
    return CoreState(sim, put(cs.assignment, fresh.assignment, prev.assignment), memory,
                     put(cs.t, fresh.t, prev.t))
