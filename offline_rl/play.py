"""Any offline agent as the simulator's offense (an engine.policy.SimPolicy).

Discrete agents choose the ball handler's decision; the movement of all five attackers
comes from the behaviour-cloned offense (:class:`offline_rl.bc.BCOffense`, the same for
every agent and labelled so in the results), conditioned on the chosen decision as the
BC offense conditions on its own (a drive closes on the rim, a pass goes to the chosen
team-mate). The agent sees Decision-v0's observation of the live state
(:func:`engine.sim.observe.observe_decision`, the encoder the offline MDP used) and its
history window of the possession's decision points, kept per row in the policy memory:
a fresh possession (``init``) starts from an empty history, so a recurrent belief resets
at possession boundaries.

``mode``: ``greedy`` (argmax of the scores: the DQN family) or ``sample`` (softmax of the
scores at ``temperature``: the classifiers and behaviour cloning, whose argmax would
almost never pass or shoot). One uniform per row is drawn on every call whatever the
state, so the same seed gives the same rollout.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.sim.observe import observe_decision
from engine.sim.state import SimConfig
from engine.sim.step import SimState
from offline_rl.agents.base import Agent
from offline_rl.bc.features import action_onehot, movement_features
from offline_rl.bc.offense import BCOffense, FittedOffense
from offline_rl.mdp import OBS_DIM, class_of_macro

SAMPLED_METHODS = ("base_rate", "logistic", "cnn1d", "lstm", "gru", "transformer", "d3_bc")


def play_mode(agent: Agent) -> str:
    """``continuous movement`` for the d3rlpy continuous agents (decisions from BC);
    ``sample`` for the classifiers, base_rate and behaviour cloning; ``greedy`` for the Q agents and majority (always its one action)."""
    if not hasattr(agent, "scores"):
        return "continuous movement"
    return "sample" if agent.method in SAMPLED_METHODS else "greedy"


class AgentOffense(BCOffense):
    """SimPolicy: ``agent`` decides, the BC offense ``fit`` moves (module docstring)."""

    def __init__(self, fit: FittedOffense, agent: Agent, mode: str | None = None,
                 temperature: float = 1.0, speed_ftps: float = SimConfig.player_speed_ftps) -> None:
        super().__init__(fit)
        self.agent, self.mode = agent, mode or play_mode(agent)
        self.temperature, self.speed = temperature, speed_ftps
        self.window = max(int(agent.window), 1)

    def init(self, state: SimState, generator: torch.Generator) -> dict[str, torch.Tensor]:
        b = state.batch_size
        return {"hist": torch.zeros(b, self.window, OBS_DIM, device=state.device),
                "hmask": torch.zeros(b, self.window, dtype=torch.bool, device=state.device)}

    def _choose(self, hist: torch.Tensor, hmask: torch.Tensor, u: torch.Tensor) -> np.ndarray:
        s = self.agent.scores(hist.cpu().numpy(), hmask.cpu().numpy())
        if self.mode == "greedy":
            return s.argmax(-1)
        p = self.agent.policy(s, self.temperature)
        return np.minimum((u.cpu().numpy()[:, None] > p.cumsum(-1)).sum(-1), p.shape[1] - 1)

    @torch.no_grad()
    def act(self, state: SimState, memory: dict, generator: torch.Generator):
        """-> off_vel (b, 5, 2) ft/s, decision (b,) long Decision, memory with the history."""
        self.net.to(state.device)
        b, dev = state.batch_size, state.device
        z = torch.randn((b, 5, 2), generator=generator, device=dev)
        u = torch.rand((b,), generator=generator, device=dev)
        f = self._frames(state)
        held = f.holder >= 1
        obs = torch.from_numpy(observe_decision(state, self.speed)).to(dev)
        hist = torch.where(held[:, None, None], torch.cat([memory["hist"][:, 1:], obs[:, None]], 1), memory["hist"])
        hmask = torch.where(held[:, None], torch.cat([memory["hmask"][:, 1:], held[:, None]], 1), memory["hmask"])
        cls = torch.full_like(f.holder, -1)
        if held.any():
            rows = held.nonzero()[:, 0]
            action = self._choose(hist[rows], hmask[rows], u[rows])
            holder = f.holder[rows].cpu().numpy()
            cls[rows] = torch.as_tensor(class_of_macro(action, holder), device=dev, dtype=cls.dtype)
        mean, log_std = self.net.move(movement_features(f, action_onehot(f.holder, cls)))
        vel = (mean + self.cfg.move_noise * log_std.exp() * z) / self.cfg.dt_s
        vel = self._drive(f, cls, vel)
        return vel, self._to_decision(cls), {"hist": hist, "hmask": hmask}


class AgentMover(BCOffense):
    """SimPolicy for the continuous agents (``bcq``, ``cql``, ``iql``, ``td3_bc``): while
    the offense holds the ball the agent sets the five attackers' velocities; the decision
    (and the movement while the ball is in the air) comes from the BC offense's decision
    head and movement model. History as in :class:`AgentOffense`."""

    def __init__(self, fit: FittedOffense, agent, speed_ftps: float = SimConfig.player_speed_ftps) -> None:
        super().__init__(fit)
        self.agent, self.speed, self.mode = agent, speed_ftps, "continuous movement"
        self.window = max(int(agent.window), 1)

    init = AgentOffense.init

    @torch.no_grad()
    def act(self, state: SimState, memory: dict, generator: torch.Generator):
        vel, decision, _ = super().act(state, {}, generator)      # BC: decision + movement
        # d3rlpy's BCQ samples actions from torch's global generator: seed it from ours
        # (one draw per call whatever the state) inside a forked RNG, so rollouts repeat
        seed = int(torch.randint(0, 2 ** 31 - 1, (1,), generator=generator, device=state.device))
        f = self._frames(state)
        held = f.holder >= 1
        obs = torch.from_numpy(observe_decision(state, self.speed)).to(state.device)
        hist = torch.where(held[:, None, None], torch.cat([memory["hist"][:, 1:], obs[:, None]], 1), memory["hist"])
        hmask = torch.where(held[:, None], torch.cat([memory["hmask"][:, 1:], held[:, None]], 1), memory["hmask"])
        if held.any():
            rows = held.nonzero()[:, 0]
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                move = self.agent.act(hist[rows].cpu().numpy(), hmask[rows].cpu().numpy())
            vel = vel.clone()
            vel[rows] = torch.as_tensor(move.reshape(-1, 5, 2) * self.speed, device=vel.device, dtype=vel.dtype)
        return vel, decision, {"hist": hist, "hmask": hmask}


def offline_policy(fit: FittedOffense, agent, temperature: float = 1.0):
    """The SimPolicy that plays ``agent``: AgentMover for a continuous agent (it has
    ``act``), else AgentOffense."""
    if hasattr(agent, "act") and not hasattr(agent, "scores"):
        return AgentMover(fit, agent)
    return AgentOffense(fit, agent, temperature=temperature)
