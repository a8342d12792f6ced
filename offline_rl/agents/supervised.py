"""Action-copy baselines: ``majority``, ``base_rate`` and the supervised classifiers
``logistic``, ``cnn1d``, ``lstm``, ``gru``, ``transformer``, all trained with the same
budget (:class:`offline_rl.agents.base.Budget`) by cross-entropy on the train split's
decision points through engine.runtime's training loop (resumable checkpoints)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from engine.runtime.training import TrainConfig, run_training, seeded_init
from offline_rl.agents.base import KIND, Budget, NetAgent, PriorAgent
from offline_rl.mdp import N_ACTIONS

SUPERVISED = ("logistic", "cnn1d", "lstm", "gru", "transformer")
PRIORS = ("majority", "base_rate")


def fit_prior(method: str, action: np.ndarray) -> PriorAgent:
    freq = np.bincount(action, minlength=N_ACTIONS).astype(np.float64)
    return PriorAgent(method, freq / freq.sum())


def fit_supervised(method: str, x: np.ndarray, mask: np.ndarray, action: np.ndarray,
                   budget: Budget, seed: int, folder: Path | None, progress: bool = False) -> NetAgent:
    """Cross-entropy on windows x (n, h, f), mask (n, h), labels action (n,)."""
    spec = {"method": method, "family": "supervised", "net": method, "hidden": budget.hidden,
            "stack": budget.stack, "window": budget.window, "seed": seed,
            "steps": budget.steps, "batch": budget.batch, "lr": budget.lr}
    net = seeded_init(lambda: NetAgent.make_net(spec), seed)
    xt = torch.from_numpy(np.ascontiguousarray(x[:, -budget.window:]))
    mt = torch.from_numpy(np.ascontiguousarray(mask[:, -budget.window:]))
    yt = torch.from_numpy(action.astype(np.int64))

    def loss_fn(gen: torch.Generator) -> torch.Tensor:
        i = torch.randint(0, len(yt), (budget.batch,), generator=gen)
        return torch.nn.functional.cross_entropy(net(xt[i], mt[i]), yt[i])

    cfg = TrainConfig(lr=budget.lr, ema_decay=0.0, ema_start=0, seed=seed,
                      save_every=max(budget.steps // 4, 100), log_every=max(budget.steps // 10, 50))
    run_training(net, loss_fn, folder, budget.steps, torch.device("cpu"), {"config": spec},
                 cfg, progress=progress, kind=KIND)
    return NetAgent(spec, net)
