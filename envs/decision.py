"""``hoopsim/Decision-v0``: ReLiable's partially observed view of a possession: the
ball handler's choices at decision points, everyone else on autopilot."""

from __future__ import annotations

from dataclasses import dataclass, fields

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.runtime import torch_generator
from engine.sim import fast as sim_fast
from engine.sim.observe import (
    DECISION_OBS_DIM,
    decision_bounds,
    decision_features_one,
    observe_decision,
)
from engine.sim.step import BallMode, Decision, Outcome, hoop_xy
from envs.core import CoreConfig, HalfCourtCore
from envs.halfcourt import NOISE_BLOCK, FastPath, event_names, load_starts, start_index
from envs.spread import SpreadPolicy

HOLD, DRIVE, PASS_FIRST, SHOOT = 0, 1, 2, 6
N_ACTIONS = 7
OBS_DIM = DECISION_OBS_DIM


@dataclass
class DecisionConfig:
    """decision_every: sim steps between decision points (while the offense holds the
    ball); drive_steps: sim steps a drive lasts; obs_noise_ft: std of the Gaussian
    noise on every position but the handler's; view_ft: entities farther than this
    from the handler are masked (None: all visible); fast: run on the plain-Python fast
    path (None: whenever the scheme, reward and outcomes have float twins and the
    teammates play the default SpreadPolicy); defense / reward / max_steps (sim steps) /
    device / split / cutoff / offense_team / lineup as in HalfCourt-v0."""

    decision_every: int = 2
    drive_steps: int = 3
    obs_noise_ft: float = 0.0
    view_ft: float | None = None
    defense: str = "man_to_man"
    reward: str = "reliable"
    max_steps: int = 100
    device: str = "cpu"
    fast: bool | None = None
    split: str | None = None
    cutoff: str | None = None
    offense_team: str | None = None
    lineup: tuple[int, ...] | None = None


class DecisionEnv(FastPath, gym.Env):
    """The handler's decisions, partially observed.

    ## Description
    At each decision point the ball handler picks a macro action; his teammates move
    by the offense policy (SpreadPolicy by default), the defense by its scheme, and
    the simulator runs ``decision_every`` steps (``drive_steps`` for a drive), longer
    while a pass or shot is in the air, until the offense holds the ball again.

    ## Action Space
    ``Discrete(7)``: 0 hold (keep moving as the offense policy says), 1 drive (run at
    the rim at full speed), 2..5 pass to teammate k (the other four offensive slots in
    slot order), 6 shoot.

    ## Observation Space
    ``Box(62,)`` float32 (:func:`engine.sim.observe.observe_decision`): per entity ``[ball, off_0..4, def_0..4]`` five numbers
    (x / 94, y / 50, vx / speed cap, vy / speed cap, visible), then the handler
    one-hot (5), shot clock / 24 and game clock / 720. Positions other than the
    handler's carry Gaussian noise (``obs_noise_ft``); entities farther than
    ``view_ft`` from the handler are zeros with visible = 0.

    ## Rewards
    The sum of the per-step reward over the macro's sim steps (default ``reliable``,
    paid when the possession ends; see :mod:`envs.reward_fns`).

    ## Starting State
    As HalfCourt-v0: a real start or a named scenario (``options={"start": ...}``).

    ## Episode End
    Terminated when the possession ends; truncated after ``max_steps`` sim steps.

    ## Speed
    With a scheme, reward and outcome models that have float twins and the default
    teammates (SpreadPolicy), the sub-steps run on the plain-Python fast path
    (:mod:`engine.sim.fast`), the twin of the torch path (same draws, positions within
    1e-3 ft, same events). The batched torch version is
    :class:`envs.decision_vector.DecisionVectorEnv`.

    ## Arguments
    ``cfg`` (:class:`DecisionConfig`) or its fields as keywords; ``starts``,
    ``outcomes``, ``scheme``, ``reward`` (callable), ``sim_cfg`` as in HalfCourt-v0;
    ``offense_policy`` (engine.policy.SimPolicy) for the teammates.

    ## Version History
    * v0: first version.
    """

    metadata = {"render_modes": [], "render_fps": 2}

    def __init__(self, cfg: DecisionConfig | None = None, starts=None, outcomes=None, scheme=None,
                 reward=None, sim_cfg=None, offense_policy=None, **overrides) -> None:
        known = {f.name for f in fields(DecisionConfig)}
        if set(overrides) - known:
            raise TypeError(f"unknown DecisionEnv options {sorted(set(overrides) - known)}")
        self.cfg = cfg = DecisionConfig(**{**(cfg or DecisionConfig()).__dict__, **overrides})
        core_cfg = CoreConfig(defense=cfg.defense, reward=cfg.reward, max_steps=cfg.max_steps,
                              device=cfg.device)
        self.core = HalfCourtCore(core_cfg, load_starts(starts, cfg), outcomes, scheme,
                                  offense_policy, reward, sim_cfg, lineup=cfg.lineup)
        self.speed = self.core.sim_cfg.player_speed_ftps
        self.action_space = spaces.Discrete(N_ACTIONS)
        low, high = decision_bounds()
        self.observation_space = spaces.Box(low, high, (OBS_DIM,), np.float32)
        policy_ok = type(self.core.policy) is SpreadPolicy
        if cfg.fast and not policy_ok:
            raise ValueError("fast=True needs the default teammates (SpreadPolicy)")
        self._setup_fast(cfg.fast if policy_ok else False, outcomes)
        self._cs = self._fs = None
        self._hoop = (RIGHT_HOOP_X, HOOP_Y)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        idx = start_index(self.core, self.np_random, (options or {}).get("start"))
        self._gen = torch_generator(self.np_random, self.core.device)
        self._t = 0
        if self.fast:
            self._fs, self._assign = self._fast_start(int(idx[0])), None
            self._noise, self._k = [], NOISE_BLOCK
        else:
            self._cs = self.core.reset(1, self.np_random, self._gen, indices=idx)
        return self._observe(), self._info([], 0)

    # ------------------------------------------------------------------ macro
    def _handler_velocity(self, sim) -> torch.Tensor:
        """(1, 2) ft/s: full speed from the handler at the rim."""
        h = sim.handler.clamp(1, 5)
        xy = sim.pos[0, h[0], :2]
        d = hoop_xy(xy) - xy
        return (d / d.norm().clamp_min(1e-6) * self.speed)[None]

    def _sub_step(self, action: int, first: bool):
        """One sim step of a macro: teammates by the policy, the handler by ``action``."""
        cs = self._cs
        vel, _, memory = self.core.policy.act(cs.sim, cs.memory, self._gen)
        cs.memory = memory
        held = int(cs.sim.ball_mode[0]) == BallMode.HELD
        h = int(cs.sim.handler[0]) - 1
        if action == DRIVE and held:
            vel = vel.clone()
            vel[0, h] = self._handler_velocity(cs.sim)[0]
        dec = Decision.HOLD
        if first and held and action == SHOOT:
            dec = Decision.SHOOT
        elif first and held and PASS_FIRST <= action < SHOOT:
            mates = [k for k in range(5) if k != h]
            dec = Decision.PASS_0 + mates[action - PASS_FIRST]
        self._cs, ev, reward = self.core.step(cs, self._gen, vel, None,
                                              torch.tensor([int(dec)], device=self.core.device))
        return ev, float(reward[0])

    def _sub_step_fast(self, action: int, first: bool):
        """:meth:`_sub_step` on the fast path (floats, the same draws)."""
        s, speed = self._fs, self.speed
        vel, _ = self.core.policy.act_lists(s.pos, s.shot_clock)
        held = s.ball_mode == BallMode.HELD
        h = min(max(s.handler, 1), 5)
        if action == DRIVE and held:
            x, y = s.pos[h][0], s.pos[h][1]
            dx, dy = self._hoop[0] - x, self._hoop[1] - y
            norm = max((dx * dx + dy * dy) ** 0.5, 1e-6)
            vel[h - 1] = [dx / norm * speed, dy / norm * speed]
        dec = Decision.HOLD
        if first and held and action == SHOOT:
            dec = Decision.SHOOT
        elif first and held and PASS_FIRST <= action < SHOOT:
            mates = [k for k in range(5) if k != s.handler - 1]
            dec = Decision.PASS_0 + mates[action - PASS_FIRST]
        new, ev = sim_fast.step(s, vel, self._fast_defense(s.pos), int(dec),
                                self._next_noise(), self._out, self.core.sim_cfg, lists=True)
        self._fs = new
        return ev, float(self.core.reward_fn.scalar(ev, new))

    def step(self, action):
        if self._cs is None and self._fs is None:
            raise RuntimeError("call reset() before step()")
        action = int(action)
        if not 0 <= action < N_ACTIONS:
            raise ValueError(f"action {action} outside Discrete({N_ACTIONS})")
        length = self.cfg.drive_steps if action == DRIVE else self.cfg.decision_every
        total, events, n = 0.0, [], 0
        while True:
            if self.fast:
                ev, r = self._sub_step_fast(action, n == 0)
                events += event_names(ev, None)
                done, mode = bool(self._fs.done), self._fs.ball_mode
            else:
                ev, r = self._sub_step(action, n == 0)
                events += event_names(ev)
                sim = self._cs.sim
                done, mode = bool(sim.done[0]), int(sim.ball_mode[0])
            total, n, self._t = total + r, n + 1, self._t + 1
            if done or self._t >= self.cfg.max_steps:
                break
            if n >= max(length, 1) and mode == BallMode.HELD:
                break
        return (self._observe(), total, done, self._t >= self.cfg.max_steps and not done,
                self._info(events, n))

    # ------------------------------------------------------------------ views
    def _observe(self) -> np.ndarray:
        """(OBS_DIM,) float32: :func:`engine.sim.observe.observe_decision`, its noise
        drawn from the env's ``np_random`` (a fixed count per call)."""
        if self.fast:
            s = self._fs
            noise = self.np_random.normal(0.0, 1.0, size=(11, 2))   # the torch path's count
            noise = (noise * self.cfg.obs_noise_ft).tolist() if self.cfg.obs_noise_ft else None
            return decision_features_one(s.pos, s.vel, s.handler, s.ball_mode == BallMode.HELD,
                                         s.shot_clock, s.game_clock, self.speed, noise,
                                         self.cfg.view_ft)
        return observe_decision(self._cs.sim, self.speed, self.np_random, self.cfg.obs_noise_ft,
                                self.cfg.view_ft)[0]

    def _info(self, events: list[str], sim_steps: int) -> dict:
        if self.fast:
            outcome, points = int(self._fs.outcome), float(self._fs.points)
        else:
            outcome, points = int(self._cs.sim.outcome[0]), float(self._cs.sim.points[0])
        return {"events": events, "outcome": Outcome(outcome).name, "points": points,
                "sim_steps": sim_steps}

    def state_for_render(self) -> tuple[np.ndarray, np.ndarray, int, dict]:
        """(positions (11, 3) feet, valid (11,), handler slot or -1, clocks dict)."""
        if self.fast:
            s = self._fs
            held = s.ball_mode == BallMode.HELD and not s.done
            return (np.array(s.pos, float), np.ones(11, bool), s.handler if held else -1,
                    {"shot_clock": s.shot_clock, "game_clock": s.game_clock})
        sim = self._cs.sim
        held = int(sim.ball_mode[0]) == BallMode.HELD and not bool(sim.done[0])
        return (sim.pos[0].double().cpu().numpy().copy(), np.ones(11, bool),
                int(sim.handler[0]) if held else -1,
                {"shot_clock": float(sim.shot_clock[0]), "game_clock": float(sim.game_clock[0])})
