"""A batched torch Decision-v0: B ball handlers' decisions stepped together on one
device, finished rows reset in place (large-batch DQN-family training)."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.runtime import torch_generator
from engine.sim.observe import DECISION_OBS_DIM, decision_bounds, observe_decision_torch
from engine.sim.step import BallMode, Decision
from envs.core import CoreState
from envs.decision import DRIVE, N_ACTIONS, PASS_FIRST, SHOOT
from envs.vector import HalfCourtVectorEnv, VectorConfig, _scatter, _take


@dataclass
class DecisionVectorConfig:
    """num_envs: B; decision_every / drive_steps / obs_noise_ft / view_ft as in
    envs.decision.DecisionConfig; defense / reward / max_steps (sim steps) / device as
    in envs.vector.VectorConfig (device 'auto' picks cuda when available)."""

    num_envs: int = 4096
    decision_every: int = 2
    drive_steps: int = 3
    obs_noise_ft: float = 0.0
    view_ft: float | None = None
    defense: str = "man_to_man"
    reward: str = "reliable"
    max_steps: int = 100
    device: str = "auto"


def macro_inputs(policy, sim, memory, act: torch.Tensor, first, speed: float,
                 generator: torch.Generator):
    """One sim step of Decision-v0 macros, batched: teammates by ``policy`` (a SimPolicy),
    the handler of a row whose macro ``act`` (k,) is a drive runs at the rim at ``speed``,
    and on the macro's ``first`` step a pass (2..5: teammates in slot order) or a shot
    is the decision. Returns (off_vel (k, 5, 2) ft/s, decision (k,) long, memory)."""
    vel, _, memory = policy.act(sim, memory, generator)
    dev = vel.device
    held = sim.ball_mode == BallMode.HELD
    h = sim.handler.clamp(1, 5) - 1
    k = sim.batch_size
    drive = (act == DRIVE) & held
    if bool(drive.any()):
        xy = sim.pos[torch.arange(k, device=dev), h + 1, :2]
        d = torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=dev, dtype=xy.dtype) - xy
        toward = d / d.norm(dim=1, keepdim=True).clamp_min(1e-6) * speed
        mine = (torch.arange(5, device=dev)[None] == h[:, None]) & drive[:, None]
        vel = torch.where(mine[..., None], toward[:, None, :].to(vel.dtype), vel)
    dec = torch.full((k,), int(Decision.HOLD), device=dev, dtype=torch.long)
    if first is not False:                 # a bool for every row, or (k,) bool per row
        now = held if first is True else held & first
        mate = act - PASS_FIRST
        target = torch.where(mate >= h, mate + 1, mate)      # teammates in slot order
        passing = now & (act >= PASS_FIRST) & (act < SHOOT)
        dec = torch.where(passing, int(Decision.PASS_0) + target, dec)
        dec = torch.where(now & (act == SHOOT), int(Decision.SHOOT), dec)
    return vel, dec, memory


class DecisionVectorEnv(HalfCourtVectorEnv):
    """B copies of ``hoopsim/Decision-v0`` as batched torch tensors.

    ## Description
    Each row's macro action runs as in Decision-v0 (teammates by SpreadPolicy or the
    given offense policy, the defense by its scheme, ``decision_every`` sim steps,
    ``drive_steps`` for a drive, longer while the ball is in the air). Rows whose macro
    has ended wait while the others finish theirs: the sub-steps run on the rows still
    going only (rows taken out and written back), so a step costs about as many full
    batch sub-steps as the typical macro, not the longest one.

    ## Action Space
    (B,) long in 0..6 (Decision-v0's ``Discrete(7)``).

    ## Observation Space
    (B, 62) float32 (:func:`engine.sim.observe.observe_decision_torch`; position noise
    from the env's own torch generator, B x 11 x 2 normals per observation).

    ## Rewards
    Per row, the sum of the sim-step reward over its macro (default ``reliable``).

    ## Starting State / Episode End
    As :class:`envs.vector.HalfCourtVectorEnv` (same-step auto-reset, ``final_obs`` /
    ``_final_obs``, ``final_points``, ``final_outcome``, ``final_steps`` in info), plus
    ``info["sim_steps"]`` (B,) sim steps each row's macro took. With B = 1, no noise and
    the same seed, it follows Decision-v0's torch path exactly.

    ## Arguments
    ``cfg`` (:class:`DecisionVectorConfig`) or its fields as keywords; ``starts``,
    ``outcomes``, ``scheme``, ``reward``, ``sim_cfg``, ``offense_policy``. Registered as
    the ``vector_entry_point`` of ``hoopsim/Decision-v0``.

    ## Version History
    * v0: first version.
    """

    def __init__(self, cfg: DecisionVectorConfig | None = None, starts=None, outcomes=None,
                 scheme=None, reward=None, sim_cfg=None, offense_policy=None, **overrides) -> None:
        cfg = DecisionVectorConfig(**{**(cfg or DecisionVectorConfig()).__dict__, **overrides})
        vcfg = VectorConfig(num_envs=cfg.num_envs, defense=cfg.defense, reward=cfg.reward,
                            max_steps=cfg.max_steps, device=cfg.device)
        super().__init__(vcfg, starts, outcomes, scheme, reward, sim_cfg)
        if offense_policy is not None:
            self.core.policy = offense_policy
        self.dcfg = cfg
        low, high = decision_bounds()
        self.single_observation_space = spaces.Box(low, high, (DECISION_OBS_DIM,), np.float32)
        self.single_action_space = spaces.Discrete(N_ACTIONS)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space,
                                                              self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """-> (obs (B, 62) tensor, info {})."""
        super().reset(seed=seed, options=options)
        self._obs_gen = torch_generator(self.np_random, self.device)
        return self._observe(self._cs, self._noise()), {}

    def _noise(self) -> torch.Tensor | None:
        """(B, 11, 2) feet of position noise for one observation (None without noise)."""
        if not self.dcfg.obs_noise_ft:
            return None
        return torch.randn((self.num_envs, 11, 2), generator=self._obs_gen,
                           device=self.device) * self.dcfg.obs_noise_ft

    def _observe(self, cs: CoreState, noise: torch.Tensor | None) -> torch.Tensor:
        return observe_decision_torch(cs.sim, self.speed, noise, self.dcfg.view_ft)

    def _inputs(self, part: CoreState, act: torch.Tensor, first: bool):
        return macro_inputs(self.core.policy, part.sim, part.memory, act, first, self.speed,
                            self._gen)

    def step(self, actions):
        """actions (B,) long -> (obs (B, 62), reward (B,), terminated (B,), truncated (B,),
        info): torch tensors on the env's device."""
        if self._cs is None:
            raise RuntimeError("call reset() before step()")
        act = torch.as_tensor(actions, device=self.device).long().reshape(self.num_envs)
        length = torch.where(act == DRIVE, self.dcfg.drive_steps, self.dcfg.decision_every).clamp_min(1)
        prev = cs = self._cs
        total = torch.zeros(self.num_envs, device=self.device, dtype=self.core.dtype)
        n = torch.zeros(self.num_envs, device=self.device, dtype=torch.long)
        rows, first = None, True        # rows None: every row still in its macro
        while True:
            part = cs if rows is None else _take(cs, rows)
            a = act if rows is None else act.index_select(0, rows)
            vel, dec, memory = self._inputs(part, a, first)
            part = CoreState(part.sim, part.assignment, memory, part.t)
            new, _, reward = self._step(part, self._gen, vel, None, dec)
            if rows is None:
                cs, total, n = new, total + reward, n + 1
                n_rows, len_rows = n, length
            else:
                cs = _scatter(cs, rows, new, prev)
                total = total.index_add(0, rows, reward)
                n = n.index_add(0, rows, torch.ones_like(rows))
                n_rows, len_rows = n.index_select(0, rows), length.index_select(0, rows)
            sim = new.sim
            over = sim.done | (new.t >= self.cfg.max_steps) | \
                ((n_rows >= len_rows) & (sim.ball_mode == BallMode.HELD))
            keep = torch.nonzero(~over).flatten()
            if keep.numel() == 0:
                break
            rows = keep if rows is None else rows.index_select(0, keep)
            first = False
        return self._finish(prev, cs, total, n)

    def _finish(self, prev: CoreState, cs: CoreState, total: torch.Tensor, n: torch.Tensor):
        terminated = cs.sim.done.clone()
        truncated = self.core.truncated(cs)
        final = terminated | truncated
        noise = self._noise()
        final_obs = self._observe(cs, noise)
        info = {"sim_steps": n, "_final": final, "final_obs": final_obs, "_final_obs": final,
                "final_points": torch.where(final, cs.sim.points, 0.0),
                "final_outcome": torch.where(final, cs.sim.outcome, 0),
                "final_steps": torch.where(final, cs.t, 0)}
        pick = torch.randint(0, len(self.core.starts), (self.num_envs,),
                             generator=self._reset_gen, device=self.device)
        rows = torch.nonzero(final).flatten()
        obs = final_obs
        if rows.numel():
            table = self._start_table()
            fresh = (_take(table[0], pick.index_select(0, rows)) if table is not None
                     else self.core.start(pick[rows].cpu().numpy(), self._reset_gen))
            cs = _scatter(cs, rows, fresh, prev)
            obs = self._observe(cs, noise)    # the same noise: unchanged rows keep final_obs
        self._cs = cs
        return obs, total, terminated, truncated, info

