"""``hoopsim/HalfCourt-v0``: one agent plays the five offensive players of a
half-court possession against a scripted defense."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from engine.outcomes.scalar_eval import ScalarOutcomes
from engine.runtime import torch_generator
from engine.sim import fast as sim_fast
from engine.sim.observe import OBS_DIM, bounds, observe, observe_fast
from engine.sim.step import N_DECISIONS, N_NOISE, Outcome
from envs.core import CoreConfig, HalfCourtCore, default_outcome_arrays
from envs.defense.fast import fast_twin
from envs.starts import StartStates, scenario_starts

EVENTS = ("pass", "catch", "interception", "steal", "shot", "foul", "made", "miss", "oreb",
          "dreb", "shot_clock_violation", "period_end")
NOISE_BLOCK = 64
_OUTCOME_NAMES = {int(o): o.name for o in Outcome}


@dataclass
class HalfCourtConfig:
    """defense: scheme name (envs.defense.DEFENSES); reward: 'playbest', 'points',
    'expected_points' or 'reliable'; max_steps: truncation; device: torch device of
    the torch path; fast: use the float fast path (None: whenever the scheme, the
    reward and the outcomes have float twins); offense_team: keep only starts of this
    offense (abbreviation or team id); lineup: 5 player ids whose shooting replaces
    the starts' offense; split / cutoff: which real starts (StartStates.from_dataset)."""

    defense: str = "man_to_man"
    reward: str = "playbest"
    max_steps: int = 100
    device: str = "cpu"
    fast: bool | None = None
    offense_team: str | None = None
    lineup: tuple[int, ...] | None = None
    split: str | None = None
    cutoff: str | None = None


def load_starts(starts, cfg: HalfCourtConfig) -> StartStates | None:
    """StartStates, a ``.npz`` path, a dataset cache folder, a PossessionSet or None
    (named scenarios), filtered by cfg.offense_team."""
    if starts is None:
        return None
    if isinstance(starts, (str, Path)):
        path = Path(starts)
        if path.suffix == ".npz":
            starts = StartStates.load(path)
        else:
            from engine.possessions.dataset import load_cache
            starts = load_cache(path)[0]
    if not isinstance(starts, StartStates):
        starts = StartStates.from_dataset(starts, cfg.split, cfg.cutoff)
    return starts.for_team(cfg.offense_team) if cfg.offense_team is not None else starts


def _host(x: torch.Tensor) -> np.ndarray:
    """A numpy copy of ``x`` from any device (one transfer; ``.numpy()`` alone fails off
    the CPU)."""
    return x.cpu().numpy()


def event_names(ev: dict, row: int | None = 0) -> list[str]:
    """Names of the events that happened: torch events (row ``row``) or fast-path ones."""
    if row is None:
        return [k for k in EVENTS if ev.get(k)]
    return [k for k in EVENTS if bool(ev[k][row])]


def start_index(core: HalfCourtCore, rng: np.random.Generator, start) -> np.ndarray:
    """(1,) start row: drawn by ``rng`` (start None), a row index, or a scenario name
    (appended to the core's starts when they lack it)."""
    starts = core.starts
    if start is None:
        return starts.sample(rng, 1)
    if isinstance(start, str):
        if start in set(starts.name.tolist()):
            return np.array([starts.index_of(start)])
        core.starts = StartStates.concat([starts, scenario_starts([start])])
        return np.array([len(core.starts) - 1])
    if not 0 <= int(start) < len(starts):
        raise ValueError(f"start index {start} outside 0..{len(starts) - 1}")
    return np.array([int(start)])


class FastPath:
    """The plain-Python fast path a single-possession gym env shares (HalfCourt-v0,
    Decision-v0): float twins of the scheme, outcomes and reward (:mod:`engine.sim.fast`),
    the start state of a row, and the sim noise drawn from the env's torch generator in
    blocks of ``NOISE_BLOCK`` rows (the same numbers, in the same order, as one
    ``torch.rand((1, N_NOISE))`` per step on the torch path). Needs ``self.core``,
    ``self.cfg.lineup`` and ``self.speed``."""

    def _setup_fast(self, fast: bool | None, outcomes) -> None:
        twin = fast_twin(self.core.defense)
        scalar_reward = hasattr(self.core.reward_fn, "scalar")
        params = getattr(outcomes, "params", None) if outcomes is not None else None
        able = twin is not None and scalar_reward and (outcomes is None or params is not None)
        if fast and not able:
            raise ValueError("fast=True needs a scheme with a float twin (man_to_man, "
                             "loose_man, switch_everything, zone_2_3), a named reward and "
                             "outcome models with params")
        self.fast = able if fast is None else bool(fast)
        if self.fast:
            self._twin = twin
            self._out = ScalarOutcomes(self.core.outcomes if params is not None
                                       else default_outcome_arrays())

    def _fast_start(self, i: int) -> sim_fast.FastState:
        """Start row i as a FastState, equal to the torch path's (float32 inputs)."""
        st = self.core.starts
        if getattr(self, "_tables_n", -1) != len(st):
            ids = st.player_ids[:, 1:6] if self.cfg.lineup is None else \
                np.broadcast_to(np.asarray(self.cfg.lineup, np.int64), (len(st), 5))
            ids = torch.as_tensor(np.ascontiguousarray(ids), device=self.core.device)
            out = self.core.outcomes
            self._adj = out.player_logit_adj(ids).float().cpu().double().numpy()
            self._ft = out.player_ft_pct(ids).float().cpu().double().numpy()
            self._tables_n = len(st)
        s = sim_fast.initial_state(st.positions[i], int(st.handler[i]), float(st.shot_clock[i]),
                                   float(st.game_clock[i]), st.velocities[i], self._adj[i],
                                   self._ft[i], self.core.sim_cfg)
        s.pos, s.vel = s.pos.tolist(), s.vel.tolist()
        return s

    def _next_noise(self) -> list:
        if self._k >= NOISE_BLOCK:
            block = torch.rand((NOISE_BLOCK, N_NOISE), generator=self._gen,
                               device=self.core.device, dtype=self.core.dtype)
            self._noise, self._k = block.cpu().double().tolist(), 0
        self._k += 1
        return self._noise[self._k - 1]

    def _fast_defense(self, pos: list) -> list:
        """The scheme's float twin as wanted defender velocities (5 x [vx, vy]) ft/s."""
        nxt, self._assign = self._twin(pos, self._assign)
        dt = self.core.sim_cfg.dt_s
        return [[(n[0] - p[0]) / dt, (n[1] - p[1]) / dt] for n, p in zip(nxt, pos[6:])]


class HalfCourtEnv(FastPath, gym.Env):
    """Half-court possession, offense controlled.

    ## Description
    The agent moves the five attackers and decides for the ball handler; defenders
    follow a scripted scheme (man-to-man by default). One step is ``dt_s`` = 0.52 s of
    :mod:`engine.sim.step` (the 2 Hz tracking rate); shots, passes, interceptions, fouls
    and rebounds are drawn from outcome models fitted on NBA logs.

    ## Action Space
    ``Dict(move=Box(-1, 1, (5, 2)), decision=Discrete(7))``: wanted velocity of each
    attacker as a fraction of the speed cap (the sim also caps acceleration), and the
    handler's :class:`engine.sim.step.Decision`: 0 hold, 1..5 pass to off_0..off_4, 6 shoot.

    ## Observation Space
    ``Box(88,)`` float32, the index map of :mod:`engine.sim.observe`.

    ## Rewards
    Per step, by name (:mod:`envs.reward_fns`): ``playbest`` (default, PlayBest's event
    table), ``points``, ``expected_points``, ``reliable`` (paid at the end).

    ## Starting State
    A real possession's first set-up frame (:class:`envs.starts.StartStates`), drawn
    uniformly, or one of the named scenarios (the default without data). Choose one
    with ``reset(options={"start": index or scenario name})``.

    ## Episode End
    Terminated when the possession ends (made shot, defensive rebound, turnover,
    shot-clock violation, free throws, period end); truncated after ``max_steps``.

    ## Arguments
    ``cfg`` (:class:`HalfCourtConfig`) or its fields as keywords; ``starts``
    (StartStates, .npz, cache folder or PossessionSet); ``outcomes`` (OutcomeTensors);
    ``scheme`` (a defense callable overriding cfg.defense, e.g. envs.defense.bc.BCDefense); ``reward`` (a
    callable overriding cfg.reward); ``sim_cfg`` (engine.sim.step.SimConfig).

    ## Version History
    * v0: first version.
    """

    metadata = {"render_modes": [], "render_fps": 2}

    def __init__(self, cfg: HalfCourtConfig | None = None, starts=None, outcomes=None,
                 scheme=None, reward=None, sim_cfg=None, **overrides) -> None:
        cfg = cfg or HalfCourtConfig()
        known = {f.name for f in fields(HalfCourtConfig)}
        if set(overrides) - known:
            raise TypeError(f"unknown HalfCourtEnv options {sorted(set(overrides) - known)}")
        self.cfg = cfg = HalfCourtConfig(**{**cfg.__dict__, **overrides})
        core_cfg = CoreConfig(defense=cfg.defense, reward=cfg.reward, max_steps=cfg.max_steps,
                              device=cfg.device)
        self.core = HalfCourtCore(core_cfg, load_starts(starts, cfg), outcomes, scheme,
                                  reward=reward, sim_cfg=sim_cfg, lineup=cfg.lineup)
        self.speed = self.core.sim_cfg.player_speed_ftps
        self.action_space = spaces.Dict({"move": spaces.Box(-1.0, 1.0, (5, 2), np.float32),
                                         "decision": spaces.Discrete(N_DECISIONS)})
        low, high = bounds()
        self.observation_space = spaces.Box(low, high, (OBS_DIM,), np.float32)
        self._setup_fast(cfg.fast, outcomes)
        self._cs = self._fs = None
        self._ready = False

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        idx = start_index(self.core, self.np_random, (options or {}).get("start"))
        self._gen = torch_generator(self.np_random, self.core.device)
        self._t = 0
        if self.fast:
            self._fs, self._assign = self._fast_start(int(idx[0])), None
            self._noise, self._k, self._ready = [], NOISE_BLOCK, True
            return observe_fast(self._fs, self.speed), self._info([], 0.0)
        self._cs = self.core.reset(1, self.np_random, self._gen, indices=idx)
        self._ready = True
        return _host(observe(self._cs.sim, self.speed)[0]), self._info([], 0.0)

    def step(self, action):
        if not self._ready:
            raise RuntimeError("call reset() before step()")
        self._t += 1
        if self.fast:
            return self._step_fast(action)
        move = torch.as_tensor(np.asarray(action["move"], np.float32), device=self.core.device)
        off = move.clamp(-1.0, 1.0)[None] * self.speed
        dec = torch.tensor([int(action["decision"])], device=self.core.device)
        self._cs, ev, reward = self.core.step(self._cs, self._gen, off, None, dec)
        s = self._cs.sim
        obs = _host(observe(s, self.speed)[0])
        done = bool(s.done[0])
        return (obs, float(reward[0]), done, self._t >= self.cfg.max_steps and not done,
                self._info(event_names(ev), float(ev["points"][0])))

    def _step_fast(self, action):
        s, cfg = self._fs, self.core.sim_cfg
        sp = self.speed
        off = [[(-1.0 if x < -1.0 else 1.0 if x > 1.0 else x) * sp for x in xy]
               for xy in np.asarray(action["move"], np.float32).tolist()]
        def_vel = self._fast_defense(s.pos)
        new, ev = sim_fast.step(s, off, def_vel, int(action["decision"]),
                                self._next_noise(), self._out, cfg, lists=True)
        self._fs = new
        done = bool(new.done)
        return (observe_fast(new, self.speed), float(self.core.reward_fn.scalar(ev, new)), done,
                self._t >= self.cfg.max_steps and not done,
                self._info(event_names(ev, None), float(ev["points"]), new))

    def _info(self, events: list[str], step_points: float, fs=None) -> dict:
        s = fs if fs is not None else (self._fs if self.fast else None)
        if s is None:
            sim = self._cs.sim
            outcome, points = int(sim.outcome[0]), float(sim.points[0])
        else:
            outcome, points = int(s.outcome), float(s.points)
        return {"events": events, "outcome": _OUTCOME_NAMES[outcome], "points": points,
                "step_points": step_points}

    # ------------------------------------------------------------------ viz
    def state_for_render(self) -> tuple[np.ndarray, np.ndarray, int, dict]:
        """(positions (11, 3) feet, valid (11,), handler slot or -1, clocks dict)."""
        if not self._ready:
            raise RuntimeError("call reset() before state_for_render()")
        if self.fast:
            s = self._fs
            pos, held, handler = s.pos, s.ball_mode == 0 and not s.done, s.handler
            clocks = {"shot_clock": s.shot_clock, "game_clock": s.game_clock}
        else:
            sim = self._cs.sim
            pos, handler = sim.pos[0].double().cpu().numpy(), int(sim.handler[0])
            held = int(sim.ball_mode[0]) == 0 and not bool(sim.done[0])
            clocks = {"shot_clock": float(sim.shot_clock[0]), "game_clock": float(sim.game_clock[0])}
        return np.asarray(pos, float).copy(), np.ones(11, bool), handler if held else -1, clocks
