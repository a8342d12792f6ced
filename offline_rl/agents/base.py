"""What every offline agent is to the evaluation: scores over Decision-v0's 7 macro
actions from a history window, a prediction for action copy, a softmax policy for
off-policy evaluation, and one checkpoint format (engine.runtime.checkpoint).

``scores(x, mask)``: x (n, h, f) float32 windows (:func:`offline_rl.mdp.windows`), mask
(n, h) bool -> (n, 7) float32: class logits (supervised, BC) or Q-values (DQN family).
``predict``: the action-copy prediction (argmax; ``base_rate`` samples). ``policy``:
softmax(scores / temperature), the stochastic version OPE evaluates (a greedy policy
gives zero importance ratios almost everywhere).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from engine.runtime.checkpoint import has_checkpoint, save_checkpoint
from offline_rl.agents.nets import build
from offline_rl.mdp import N_ACTIONS, OBS_DIM

log = logging.getLogger(__name__)
KIND = "offline-agent"


@dataclass
class Budget:
    """The same budget for every learned method of a preset: gradient updates, batch,
    learning rate, width, history window (recurrent / convolutional models), frame stack
    (feed-forward and d3rlpy models), tuning trials (0: hyperparameters fixed in conf)."""

    steps: int = 2000
    batch: int = 256
    lr: float = 1e-3
    hidden: int = 64
    window: int = 8
    stack: int = 4
    tuning_trials: int = 0


class Agent:
    """Base: subclasses set ``method`` and implement :meth:`scores`."""

    method = "agent"
    window = 1

    def scores(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict(self, s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return s.argmax(-1)

    def policy(self, s: np.ndarray, temperature: float) -> np.ndarray:
        z = s / max(temperature, 1e-6)
        z = z - z.max(-1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(-1, keepdims=True)

    def save(self, folder: Path) -> None:
        raise NotImplementedError


class PriorAgent(Agent):
    """``majority`` (always the most frequent macro action) and ``base_rate`` (draws the
    action from the training frequencies). Scores: log frequencies."""

    def __init__(self, method: str, freq: np.ndarray) -> None:
        self.method, self.freq = method, np.asarray(freq, np.float64)

    def scores(self, x, mask):
        return np.broadcast_to(np.log(np.maximum(self.freq, 1e-9)), (len(x), N_ACTIONS)).astype(np.float32)

    def predict(self, s, rng):
        if self.method == "majority":
            return np.full(len(s), int(self.freq.argmax()))
        return rng.choice(N_ACTIONS, size=len(s), p=self.freq / self.freq.sum())

    def policy(self, s, temperature):
        return np.broadcast_to(self.freq / self.freq.sum(), s.shape).copy()

    def save(self, folder: Path) -> None:
        save_checkpoint(folder, {"weights": {"freq": torch.tensor(self.freq)}},
                        {"method": self.method, "family": "prior", "config": {}}, KIND)


class NetAgent(Agent):
    """A torch network over windows (:mod:`offline_rl.agents.nets`); ``spec``: method,
    family, net kind, hidden, stack, window (JSON-ready, saved with the weights)."""

    def __init__(self, spec: dict, net: torch.nn.Module) -> None:
        self.spec, self.net = spec, net.eval()
        self.method, self.window = spec["method"], int(spec["window"])

    @staticmethod
    def make_net(spec: dict) -> torch.nn.Module:
        return build(spec["net"], OBS_DIM, N_ACTIONS, int(spec["hidden"]), int(spec["stack"]))

    @torch.no_grad()
    def scores(self, x, mask):
        x, mask = x[:, -self.window:], mask[:, -self.window:]
        out = [self.net(torch.from_numpy(np.ascontiguousarray(x[i:i + 4096])),
                        torch.from_numpy(np.ascontiguousarray(mask[i:i + 4096])))
               for i in range(0, len(x), 4096)]
        return torch.cat(out).numpy() if out else np.zeros((0, N_ACTIONS), np.float32)

    def save(self, folder: Path) -> None:
        save_checkpoint(folder, {"weights": self.net.state_dict()},
                        {"method": self.method, "family": self.spec["family"], "config": self.spec}, KIND)


def is_saved(folder: str | Path) -> bool:
    return has_checkpoint(folder)


def budget_dict(b: Budget) -> dict:
    return asdict(b)
