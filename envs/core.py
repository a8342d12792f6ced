"""The machinery every env face shares: start states, outcome models, the defense
scheme, the policy of uncontrolled offensive players, the reward, and one batched
step of the simulator (:mod:`engine.sim.step`).

Randomness. A face owns a ``torch.Generator`` seeded from its gymnasium
``np_random`` at reset (:func:`engine.runtime.torch_generator`). Each step draws, in
this order and in fixed counts whatever the state: the offense policy's numbers (only
when some offense input is missing), then ``torch.rand((b, N_NOISE))`` for the
simulator. So the gym env, the PettingZoo env and the vector env give the same
trajectory for the same seed and actions, and the numpy fast path can take the same
noise in blocks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from engine.policy import Memory, SimPolicy, select_memory
from engine.runtime import resolve_device
from engine.sim.step import DEF, SimConfig, SimState, advance, merge, player_xy
from envs.defense import DEFENSES, DefenseState, ManToMan
from envs.reward_fns import REWARDS
from envs.spread import SpreadPolicy
from envs.starts import StartStates, scenario_starts
from envs.team_step import Override, team_step

log = logging.getLogger(__name__)


def default_sim_config() -> SimConfig:
    """SimConfig with the measured caps of engine.outcomes.limits.default_limits() when that
    exists (and matches the step length), else SimConfig's defaults."""
    try:
        from engine.outcomes.limits import default_limits
        lim = default_limits()
    except (ImportError, OSError, ValueError) as exc:
        log.debug("no measured movement limits (%s): SimConfig defaults", exc)
        return SimConfig()
    return SimConfig(dt_s=round(1.0 / lim.rate_hz, 4) if lim.rate_hz else SimConfig.dt_s,
                     player_speed_ftps=float(lim.player_speed_ftps),
                     player_accel_ftps2=float(lim.player_accel_ftps2))


def default_outcomes(device: torch.device):
    """OutcomeTensors of the shipped outcome models on ``device``."""
    from engine.outcomes.models import default_models
    from engine.outcomes.torch_eval import OutcomeTensors
    return OutcomeTensors.from_models(default_models(), device)


def default_outcome_arrays():
    """The numpy twin (OutcomeArrays) of the shipped outcome models."""
    from engine.outcomes.models import default_models
    from engine.outcomes.torch_eval import OutcomeArrays
    return OutcomeArrays.from_models(default_models())


@dataclass
class CoreConfig:
    """defense: a scripted scheme name of envs.defense.DEFENSES (its config gets the
    sim's dt and speed cap; ``bc`` needs a fitted model: pass it as scheme=); reward: a
    name of envs.reward_fns.REWARDS; max_steps: steps
    before truncation; device: 'auto', 'cpu', 'cuda', ...; dtype: the state's float
    dtype name."""

    defense: str = "man_to_man"
    reward: str = "playbest"
    max_steps: int = 100
    device: str = "auto"
    dtype: str = "float32"


@dataclass
class CoreState:
    """A batch of possessions in play: the sim state, each defender's assignment
    (b, 5) long, the offense policy's memory, steps taken (b,) long."""

    sim: SimState
    assignment: torch.Tensor
    memory: Memory
    t: torch.Tensor


class HalfCourtCore:
    """Shared by all faces. Arguments: cfg (CoreConfig); starts: StartStates (default:
    the named scenarios); outcomes: OutcomeTensors (default: shipped models); scheme:
    a defense callable overriding cfg.defense (e.g. envs.defense.bc.BCDefense);
    offense_policy: SimPolicy for offensive inputs a caller leaves out (default
    SpreadPolicy); reward: overrides cfg.reward (a REWARDS name or a callable (events, state) -> (b,)); sim_cfg: SimConfig
    (default :func:`default_sim_config`); lineup: 5 player ids replacing the starts'."""

    def __init__(self, cfg: CoreConfig | None = None, starts: StartStates | None = None,
                 outcomes=None, scheme=None, offense_policy: SimPolicy | None = None,
                 reward=None, sim_cfg: SimConfig | None = None, lineup=None) -> None:
        self.cfg = cfg or CoreConfig()
        self.device = resolve_device(self.cfg.device)
        self.dtype = getattr(torch, self.cfg.dtype)
        self.sim_cfg = sim_cfg or default_sim_config()
        self.starts = starts if starts is not None else scenario_starts()
        self.outcomes = outcomes if outcomes is not None else default_outcomes(self.device)
        self.defense_name = self.cfg.defense if scheme is None else type(scheme).__name__
        self.defense = scheme if scheme is not None else self._scheme(self.cfg.defense)
        self.policy = offense_policy if offense_policy is not None else SpreadPolicy()
        reward = reward if reward is not None else self.cfg.reward
        self.reward_fn = reward if callable(reward) else REWARDS.make(reward)
        self.lineup = lineup
        self.sim_advance = advance   # engine.sim.step.advance; a vector env may swap in a compiled one
        # man-to-man keeps its match-ups: its per-coordinate step skips the (b, 5, 2) round trip
        self._planar_defense = type(self.defense) is ManToMan and not self.defense.switch
        self._valid: dict[int, torch.Tensor] = {}

    def _scheme(self, name: str):
        """The named scheme of :data:`envs.defense.DEFENSES` with the sim's dt and speed cap."""
        return DEFENSES.make(name, {"speed_ftps": self.sim_cfg.player_speed_ftps,
                                    "dt": self.sim_cfg.dt_s})

    def valid(self, b: int) -> torch.Tensor:
        if b not in self._valid:
            self._valid[b] = torch.ones(b, 11, dtype=torch.bool, device=self.device)
        return self._valid[b]

    # ------------------------------------------------------------------ reset
    def start(self, indices: np.ndarray, generator: torch.Generator) -> CoreState:
        """Possessions from start rows ``indices`` (b,): sim state, fresh defensive
        assignment (the scheme's first-step one), fresh policy memory."""
        sim = self.starts.to_sim(indices, self.device, self.outcomes, self.sim_cfg,
                                 lineup=self.lineup, dtype=self.dtype)
        _, dstate = self.defense(sim.pos, self.valid(sim.batch_size), None)
        memory = self.policy.init(sim, generator)
        t = torch.zeros(sim.batch_size, dtype=torch.long, device=self.device)
        return CoreState(sim, dstate.assignment, memory, t)

    def reset(self, n: int, rng: np.random.Generator, generator: torch.Generator,
              indices=None) -> CoreState:
        """n possessions; start rows drawn by ``rng`` unless ``indices`` are given."""
        idx = self.starts.sample(rng, n) if indices is None else np.atleast_1d(indices)
        return self.start(idx, generator)

    # ------------------------------------------------------------------ step
    def defense_velocity(self, sim: SimState, assignment: torch.Tensor):
        """Wanted defender velocities (b, 5, 2) ft/s from the scheme's next positions."""
        nxt, dstate = self.defense(sim.pos, self.valid(sim.batch_size), DefenseState(assignment))
        return (nxt - sim.pos[:, DEF, :2]) / self.sim_cfg.dt_s, dstate.assignment

    def _defense_xy(self, sim: SimState, players: tuple, assignment: torch.Tensor):
        """defense_velocity per coordinate: (vx, vy) (b, 5) ft/s and the assignment."""
        px, py = players[0], players[1]
        if self._planar_defense:
            cx, cy = px[:, 5:], py[:, 5:]
            nx, ny = self.defense.next_xy(px[:, :5], py[:, :5], cx, cy, assignment)
            dt = self.sim_cfg.dt_s
            return (nx - cx) / dt, (ny - cy) / dt, assignment
        vel, assignment = self.defense_velocity(sim, assignment)
        return vel[..., 0], vel[..., 1], assignment

    def step(self, cs: CoreState, generator: torch.Generator, off_vel=None, def_vel=None,
             decision=None) -> tuple[CoreState, dict, torch.Tensor]:
        """One sim step of every row through :func:`envs.team_step.team_step`. off_vel /
        def_vel (b, 5, 2) ft/s and decision (b,) long; a missing offense input comes from
        the offense policy, a missing def_vel from the scheme. Returns (new core state,
        events, reward (b,))."""
        sim = cs.sim
        players = player_xy(sim)
        assignment = cs.assignment

        def defend():
            nonlocal assignment
            if def_vel is not None:
                return def_vel[..., 0], def_vel[..., 1]
            dvx, dvy, assignment = self._defense_xy(sim, players, assignment)
            return dvx, dvy

        offense = Override(self.policy, off_vel, decision)
        new, ev, memory, _ = team_step(sim, offense, cs.memory, defend, generator, self.outcomes,
                                       self.sim_cfg, advance_fn=self.sim_advance, players=players)
        reward = self.reward_fn(ev, new).to(self.dtype)
        t = cs.t + (~sim.done).long()
        return CoreState(new, assignment, memory, t), ev, reward

    @staticmethod
    def merge(mask: torch.Tensor, new: CoreState, old: CoreState) -> CoreState:
        """Rows of ``new`` where mask (b,) is True, else ``old``."""
        return CoreState(merge(mask, new.sim, old.sim),
                         torch.where(mask[:, None], new.assignment, old.assignment),
                         select_memory(mask, new.memory, old.memory),
                         torch.where(mask, new.t, old.t))

    def truncated(self, cs: CoreState) -> torch.Tensor:
        return (cs.t >= self.cfg.max_steps) & ~cs.sim.done
