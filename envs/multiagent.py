"""A PettingZoo ParallelEnv of the half-court possession: the ten players as agents."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

import gymnasium
import numpy as np
import torch
from gymnasium import spaces
from pettingzoo import ParallelEnv

from engine.runtime import torch_generator
from engine.sim import fast as sim_fast
from engine.sim.observe import OBS_DIM, bounds, observe, observe_fast
from engine.sim.step import N_DECISIONS, Decision, Outcome
from envs.core import CoreConfig, HalfCourtCore
from envs.halfcourt import NOISE_BLOCK, FastPath, event_names, load_starts, start_index

OFFENSE = tuple(f"off_{k}" for k in range(5))
DEFENSE = tuple(f"def_{k}" for k in range(5))
CONTROLLED = {"offense": OFFENSE, "defense": DEFENSE, "both": OFFENSE + DEFENSE}


@dataclass
class MultiAgentConfig:
    """controlled: 'offense', 'defense' or 'both' (the other team plays by its
    policy / scheme); fast: with ``controlled='offense'``, step on the plain-Python fast
    path of HalfCourt-v0 (None: whenever it has float twins); the rest as in HalfCourt-v0."""

    controlled: str = "offense"
    fast: bool | None = None
    defense: str = "man_to_man"
    reward: str = "playbest"
    max_steps: int = 100
    device: str = "cpu"
    offense_team: str | None = None
    lineup: tuple[int, ...] | None = None
    split: str | None = None
    cutoff: str | None = None


class HalfCourtParallelEnv(FastPath, ParallelEnv):
    """Half-court possession, one agent per player.

    ## Description
    Agents ``off_0..off_4`` and ``def_0..def_4`` (slots 1..10); ``controlled`` picks
    which of them are agents, the other team follows the offense policy
    (SpreadPolicy by default) or the defensive scheme.

    ## Action Space
    Offense: ``Dict(move=Box(-1, 1, (2,)), decision=Discrete(7))`` (the move is a
    fraction of the speed cap; only the current ball handler's decision counts).
    Defense: ``Box(-1, 1, (2,))``.

    ## Observation Space
    ``Box(98,)`` float32: the shared 88 numbers of :mod:`engine.sim.observe`, then a
    one-hot of the agent's own index (off_0..off_4, def_0..def_4).

    ## Rewards
    The HalfCourt-v0 step reward to every offensive agent, its negative to every
    defender.

    ## Starting State
    As HalfCourt-v0 (``options={"start": index or scenario name}``).

    ## Episode End
    All agents terminate when the possession ends and truncate after ``max_steps``.

    ## State
    ``state()`` is the shared 88-number observation (``state_space``, a ``Box(88,)``):
    what a centralised critic sees.

    ## Rendering
    ``render_mode="ansi"``: ``render()`` returns the half court as text (digits 1-5 the
    attackers, letters a-e the defenders, ``*`` the ball, ``H`` the hoop, clocks on top).
    Pictures (``rgb_array``, ``human``) come from ``viz.gym_render.ParallelRenderWrapper``
    (rendering never lives inside an env).

    ## Arguments
    ``cfg`` (:class:`MultiAgentConfig`) or its fields as keywords; ``starts``,
    ``outcomes``, ``scheme``, ``reward``, ``sim_cfg``, ``offense_policy``;
    ``render_mode`` (None or "ansi"). Other action spaces (``box``,
    ``multidiscrete``): :func:`envs.actions.parallel_env`.

    ## Version History
    * v0: first version.
    """

    metadata = {"name": "hoopsim_halfcourt_v0", "render_modes": ["ansi"], "render_fps": 2,
                "is_parallelizable": True}

    def __init__(self, cfg: MultiAgentConfig | None = None, starts=None, outcomes=None,
                 scheme=None, reward=None, sim_cfg=None, offense_policy=None,
                 render_mode: str | None = None, **overrides) -> None:
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, "
                             f"got {render_mode!r} (pictures: viz.gym_render.ParallelRenderWrapper)")
        self.render_mode = render_mode
        known = {f.name for f in fields(MultiAgentConfig)}
        if set(overrides) - known:
            raise TypeError(f"unknown HalfCourtParallelEnv options {sorted(set(overrides) - known)}")
        self.cfg = cfg = MultiAgentConfig(**{**(cfg or MultiAgentConfig()).__dict__, **overrides})
        if cfg.controlled not in CONTROLLED:
            raise ValueError(f"controlled must be one of {sorted(CONTROLLED)}, got {cfg.controlled!r}")
        core_cfg = CoreConfig(defense=cfg.defense, reward=cfg.reward, max_steps=cfg.max_steps,
                              device=cfg.device)
        self.core = HalfCourtCore(core_cfg, load_starts(starts, cfg), outcomes, scheme,
                                  offense_policy, reward, sim_cfg, lineup=cfg.lineup)
        self.speed = self.core.sim_cfg.player_speed_ftps
        self.possible_agents = list(CONTROLLED[cfg.controlled])
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(OFFENSE + DEFENSE)}
        self._np_random = None
        if cfg.fast and cfg.controlled != "offense":
            raise ValueError("fast=True needs controlled='offense' (the defense plays its scheme's float twin)")
        self._setup_fast(cfg.fast if cfg.controlled == "offense" else False, outcomes)
        self._cs = self._fs = None
        low, high = bounds()
        self.state_space = spaces.Box(low, high, (OBS_DIM,), np.float32)

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str) -> spaces.Box:
        low, high = bounds()
        low = np.concatenate([low, np.zeros(10, np.float32)])
        high = np.concatenate([high, np.ones(10, np.float32)])
        return spaces.Box(low, high, (OBS_DIM + 10,), np.float32)

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str) -> spaces.Space:
        move = spaces.Box(-1.0, 1.0, (2,), np.float32)
        if agent.startswith("off_"):
            return spaces.Dict({"move": move, "decision": spaces.Discrete(N_DECISIONS)})
        return move

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None or self._np_random is None:
            self._np_random, _ = gymnasium.utils.seeding.np_random(seed)
        idx = start_index(self.core, self._np_random, (options or {}).get("start"))
        self._gen = torch_generator(self._np_random, self.core.device)
        if self.fast:
            self._fs, self._assign = self._fast_start(int(idx[0])), None
            self._noise, self._k = [], NOISE_BLOCK
        else:
            self._cs = self.core.reset(1, self._np_random, self._gen, indices=idx)
        self._t = 0
        self.agents = list(self.possible_agents)
        return self._observations(), {a: self._info([]) for a in self.agents}

    def _inputs(self, actions: dict):
        """Actions -> (off_vel, def_vel, decision) tensors, None for a side not controlled."""
        dev, dt = self.core.device, self.core.dtype
        off = dec = dfn = None
        if self.cfg.controlled in ("offense", "both"):
            moves = [np.asarray(actions.get(a, {"move": np.zeros(2)})["move"], np.float32)
                     for a in OFFENSE]
            off = torch.as_tensor(np.stack(moves), device=dev).to(dt).clamp(-1.0, 1.0)[None] * self.speed
            handler = f"off_{int(self._cs.sim.handler[0]) - 1}"
            choice = int(actions[handler]["decision"]) if handler in actions else int(Decision.HOLD)
            dec = torch.tensor([choice], device=dev)
        if self.cfg.controlled in ("defense", "both"):
            moves = [np.asarray(actions.get(a, np.zeros(2)), np.float32) for a in DEFENSE]
            dfn = torch.as_tensor(np.stack(moves), device=dev).to(dt).clamp(-1.0, 1.0)[None] * self.speed
        return off, dfn, dec

    def _step_fast(self, actions: dict):
        """The offense's step on the fast path -> (reward, done, events)."""
        s, sp = self._fs, self.speed
        off = []
        for a in OFFENSE:
            xy = np.asarray(actions[a]["move"], np.float32).tolist() if a in actions else [0.0, 0.0]
            off.append([(-1.0 if x < -1.0 else 1.0 if x > 1.0 else x) * sp for x in xy])
        handler = f"off_{s.handler - 1}"
        choice = int(actions[handler]["decision"]) if handler in actions else int(Decision.HOLD)
        new, ev = sim_fast.step(s, off, self._fast_defense(s.pos), choice, self._next_noise(),
                                self._out, self.core.sim_cfg, lists=True)
        self._fs = new
        return float(self.core.reward_fn.scalar(ev, new)), bool(new.done), event_names(ev, None)

    def step(self, actions: dict):
        if (self._cs is None and self._fs is None) or not self.agents:
            raise RuntimeError("call reset() before step() (and after the episode ends)")
        if self.fast:
            r, done, events = self._step_fast(actions)
        else:
            off, dfn, dec = self._inputs(actions)
            self._cs, ev, reward = self.core.step(self._cs, self._gen, off, dfn, dec)
            r, done, events = float(reward[0]), bool(self._cs.sim.done[0]), event_names(ev)
        self._t += 1
        trunc = self._t >= self.cfg.max_steps and not done
        agents = self.agents
        obs = self._observations()
        rewards = {a: (r if a.startswith("off_") else -r) for a in agents}
        info = self._info(events)
        out = (obs, rewards, {a: done for a in agents}, {a: trunc for a in agents},
               {a: dict(info) for a in agents})
        if done or trunc:
            self.agents = []
        return out

    def _observations(self) -> dict:
        shared = self.state()
        out = {}
        for a in self.agents:
            own = np.zeros(10, np.float32)
            own[self._index[a]] = 1.0
            out[a] = np.concatenate([shared, own])
        return out

    def _info(self, events: list[str]) -> dict:
        if self.fast:
            outcome, points = int(self._fs.outcome), float(self._fs.points)
        else:
            outcome, points = int(self._cs.sim.outcome[0]), float(self._cs.sim.points[0])
        return {"events": events, "outcome": Outcome(outcome).name, "points": points}

    def state(self) -> np.ndarray:
        """(88,) float32: the shared observation of the whole court (``state_space``)."""
        if self._cs is None and self._fs is None:
            raise RuntimeError("call reset() before state()")
        if self.fast:
            return observe_fast(self._fs, self.speed)
        return observe(self._cs.sim, self.speed)[0].cpu().numpy()

    def render(self) -> str | None:
        """``ansi``: the court as text; None (with no render_mode)."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() without a render_mode: pass render_mode='ansi', "
                                  "or wrap with viz.gym_render.ParallelRenderWrapper")
            return None
        if self._cs is None and self._fs is None:
            return "(not reset)"
        return court_text(*self.state_for_render())

    def close(self) -> None:
        pass

    def state_for_render(self) -> tuple[np.ndarray, np.ndarray, int, dict]:
        if self.fast:
            s = self._fs
            held = s.ball_mode == 0 and not s.done
            return (np.array(s.pos, float), np.ones(11, bool), s.handler if held else -1,
                    {"shot_clock": s.shot_clock, "game_clock": s.game_clock})
        sim = self._cs.sim
        held = int(sim.ball_mode[0]) == 0 and not bool(sim.done[0])
        return (sim.pos[0].double().cpu().numpy().copy(), np.ones(11, bool),
                int(sim.handler[0]) if held else -1,
                {"shot_clock": float(sim.shot_clock[0]), "game_clock": float(sim.game_clock[0])})


def court_text(pos: np.ndarray, valid: np.ndarray, handler: int, clocks: dict,
               cell_ft: float = 2.0) -> str:
    """The attacked half court (x 47..94 ft) as text, ``cell_ft`` feet per character:
    1-5 off_0..off_4, a-e def_0..def_4, ``*`` the ball when loose or in the air, ``H``
    the hoop; the handler's digit is bracketed in the header."""
    cols, rows = int(47 / cell_ft) + 1, int(50 / (2 * cell_ft)) + 1
    grid = [[" "] * cols for _ in range(rows)]

    def put(x: float, y: float, ch: str) -> None:
        c = int(np.clip(round((x - 47.0) / cell_ft), 0, cols - 1))
        r = int(np.clip(round(y / (2 * cell_ft)), 0, rows - 1))
        grid[r][c] = ch
    put(88.75, 25.0, "H")
    if handler < 0:
        put(pos[0, 0], pos[0, 1], "*")
    for k in range(1, 11):
        if valid[k]:
            put(pos[k, 0], pos[k, 1], str(k) if k <= 5 else "abcde"[k - 6])
    head = (f"shot clock {clocks.get('shot_clock', 0.0):4.1f}  game clock "
            f"{clocks.get('game_clock', 0.0):5.1f}  ball: "
            + (f"[{handler}]" if handler > 0 else "in the air / loose"))
    edge = "+" + "-" * cols + "+"
    return "\n".join([head, edge, *("|" + "".join(r) + "|" for r in grid), edge])
