"""``hoopsim/Decision-v0``: ReLiable's partially observed view of a possession: the
ball handler's choices at decision points, everyone else on autopilot."""

from __future__ import annotations

from dataclasses import dataclass, fields

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from engine.runtime import torch_generator
from engine.sim.observe import DECISION_OBS_DIM, decision_bounds, observe_decision
from engine.sim.step import BallMode, Decision, Outcome, hoop_xy
from envs.core import CoreConfig, HalfCourtCore
from envs.halfcourt import event_names, load_starts, start_index

HOLD, DRIVE, PASS_FIRST, SHOOT = 0, 1, 2, 6
N_ACTIONS = 7
OBS_DIM = DECISION_OBS_DIM


@dataclass
class DecisionConfig:
    """decision_every: sim steps between decision points (while the offense holds the
    ball); drive_steps: sim steps a drive lasts; obs_noise_ft: std of the Gaussian
    noise on every position but the handler's; view_ft: entities farther than this
    from the handler are masked (None: all visible); defense / reward / max_steps
    (sim steps) / device / split / cutoff / offense_team / lineup as in HalfCourt-v0."""

    decision_every: int = 2
    drive_steps: int = 3
    obs_noise_ft: float = 0.0
    view_ft: float | None = None
    defense: str = "man_to_man"
    reward: str = "reliable"
    max_steps: int = 100
    device: str = "cpu"
    split: str | None = None
    cutoff: str | None = None
    offense_team: str | None = None
    lineup: tuple[int, ...] | None = None


class DecisionEnv(gym.Env):
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
        self._cs = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        idx = start_index(self.core, self.np_random, (options or {}).get("start"))
        self._gen = torch_generator(self.np_random, self.core.device)
        self._cs = self.core.reset(1, self.np_random, self._gen, indices=idx)
        self._t = 0
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

    def step(self, action):
        if self._cs is None:
            raise RuntimeError("call reset() before step()")
        action = int(action)
        if not 0 <= action < N_ACTIONS:
            raise ValueError(f"action {action} outside Discrete({N_ACTIONS})")
        length = self.cfg.drive_steps if action == DRIVE else self.cfg.decision_every
        total, events, n = 0.0, [], 0
        while True:
            ev, r = self._sub_step(action, n == 0)
            total, n, self._t = total + r, n + 1, self._t + 1
            events += event_names(ev)
            sim = self._cs.sim
            done = bool(sim.done[0])
            if done or self._t >= self.cfg.max_steps:
                break
            if n >= max(length, 1) and int(sim.ball_mode[0]) == BallMode.HELD:
                break
        return (self._observe(), total, done, self._t >= self.cfg.max_steps and not done,
                self._info(events, n))

    # ------------------------------------------------------------------ views
    def _observe(self) -> np.ndarray:
        """(OBS_DIM,) float32: :func:`engine.sim.observe.observe_decision`, its noise
        drawn from the env's ``np_random`` (a fixed count per call)."""
        return observe_decision(self._cs.sim, self.speed, self.np_random, self.cfg.obs_noise_ft,
                                self.cfg.view_ft)[0]

    def _info(self, events: list[str], sim_steps: int) -> dict:
        sim = self._cs.sim
        return {"events": events, "outcome": Outcome(int(sim.outcome[0])).name,
                "points": float(sim.points[0]), "sim_steps": sim_steps}

    def state_for_render(self) -> tuple[np.ndarray, np.ndarray, int, dict]:
        """(positions (11, 3) feet, valid (11,), handler slot or -1, clocks dict)."""
        sim = self._cs.sim
        held = int(sim.ball_mode[0]) == BallMode.HELD and not bool(sim.done[0])
        return (sim.pos[0].double().cpu().numpy().copy(), np.ones(11, bool),
                int(sim.handler[0]) if held else -1,
                {"shot_clock": float(sim.shot_clock[0]), "game_clock": float(sim.game_clock[0])})
