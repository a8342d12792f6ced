"""The two policy protocols that connect layers without importing each other.

``Policy``: what a planner or an RL agent is to an environment (observation in,
action out). ``planners/`` and ``offline_rl/`` implement it; ``envs/`` runs it in the
rollout loop; ``hoopsim/`` wires one to the other.

``SimPolicy``: a batched team policy on the simulator's state (the scripted plays,
the behaviour-cloned offense, a random walk). It keeps per-row memory (a play's
phase, a target) in a dict of (b, ...) tensors that the caller hands back, so a
vector env can reset single rows with :func:`engine.sim.step.merge`-style selection.
Randomness comes only from the generator passed in, and a policy draws the same
number of values on every call whatever the state, so the same seed gives the same
rollout in every env face.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from engine.sim.step import SimState

Memory = dict[str, torch.Tensor]


class Policy(Protocol):
    def reset(self, seed: int | None = None) -> None: ...

    def act(self, observation: Any, info: dict | None = None) -> Any: ...


class SimPolicy(Protocol):
    """Offense policy on the simulator state.

    init(state, generator) -> memory for a fresh batch of possessions;
    act(state, memory, generator) -> (off_vel (b, 5, 2) ft/s wanted velocities,
    decision (b,) long engine.sim.step.Decision, new memory)."""

    def init(self, state: SimState, generator: torch.Generator) -> Memory: ...

    def act(self, state: SimState, memory: Memory,
            generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, Memory]: ...


def select_memory(mask: torch.Tensor, new: Memory, old: Memory) -> Memory:
    """Rows of ``new`` where mask (b,) is True, else ``old``."""
    return {k: torch.where(mask.view(-1, *([1] * (v.ndim - 1))), v, old[k]) for k, v in new.items()}
