"""``pg``: offline policy gradient on frame-stacked observations (an MLP); the recurrent
``pomdp_pg_lstm`` (:mod:`offline_rl.agents.pomdp_pg_lstm`) is the same algorithm over an
LSTM belief of the history window.

One network, three heads over Decision-v0's 7 macro actions: the policy pi (logits), a
behaviour model mu (logits, fitted to the logged actions by cross-entropy) and a state
value V. With gamma = 1 and the reward paid on a possession's last decision point, the
return-to-go G_t is the possession's reward. The loss of a batch of logged decisions is

    - clip(pi(a|s) / mu(a|s), 0, rho_max) * (G - V(s)) * log pi(a|s)      (policy gradient,
                                                       ratio and advantage held constant)
    + (G - V(s))^2 + CE(mu, a) - entropy_coef * H(pi(.|s))

so the gradient is the off-policy (per-decision, truncated importance-weighted) policy
gradient of the expected points, estimated from the logs only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.runtime.training import TrainConfig, run_training, seeded_init
from offline_rl.agents.base import KIND, Budget, NetAgent
from offline_rl.agents.nets import build
from offline_rl.mdp import N_ACTIONS, OBS_DIM, OfflineMDP, windows

METHOD = "pg"
RHO_MAX = 2.0
ENTROPY = 0.01


class PolicyHeads(nn.Module):
    """core -> (b, 2 * 7 + 1): pi logits, mu logits, V; ``forward`` returns pi's logits
    (what the evaluation and the simulator use)."""

    def __init__(self, core: nn.Module) -> None:
        super().__init__()
        self.core = core

    def heads(self, x: torch.Tensor, mask: torch.Tensor):
        out = self.core(x, mask)
        return out[:, :N_ACTIONS], out[:, N_ACTIONS:2 * N_ACTIONS], out[:, -1]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.heads(x, mask)[0]


def make(spec: dict) -> PolicyHeads:
    return PolicyHeads(build(spec["net"], OBS_DIM, 2 * N_ACTIONS + 1, int(spec["hidden"]), int(spec["stack"])))


def returns_to_go(mdp: OfflineMDP) -> np.ndarray:
    """(N,) sum of the rewards from each decision point to its possession's end (gamma 1)."""
    ep = np.cumsum(mdp.episode_starts()) - 1
    total = np.bincount(ep, weights=mdp.reward)
    before = np.cumsum(mdp.reward) - mdp.reward
    start_cum = (np.cumsum(mdp.reward) - mdp.reward)[mdp.episode_starts()]
    return (total[ep] - (before - start_cum[ep])).astype(np.float32)


def pg_loss(model: PolicyHeads, x, m, a, g, idx) -> torch.Tensor:
    logit_pi, logit_mu, v = model.heads(x[idx], m[idx])
    logp = torch.log_softmax(logit_pi, -1)
    logp_a = logp.gather(1, a[idx, None])[:, 0]
    logmu_a = torch.log_softmax(logit_mu, -1).gather(1, a[idx, None])[:, 0]
    rho = (logp_a - logmu_a).exp().clamp(max=RHO_MAX).detach()
    adv = (g[idx] - v).detach()
    entropy = -(logp.exp() * logp).sum(-1)
    return (-(rho * adv * logp_a) + (g[idx] - v) ** 2
            + nn.functional.cross_entropy(logit_mu, a[idx], reduction="none") - ENTROPY * entropy).mean()


def fit_pg(method: str, net: str, window: int, mdp: OfflineMDP, budget: Budget, seed: int,
           folder: Path | None, progress: bool = False) -> NetAgent:
    """Train ``method`` with core ``net`` ('mlp' on the stack, 'lstm' on the window)."""
    spec = {"method": method, "family": "pg", "net": net, "hidden": budget.hidden, "stack": budget.stack,
            "window": window, "seed": seed, "steps": budget.steps, "lr": budget.lr,
            "rho_max": RHO_MAX, "entropy": ENTROPY}
    model = seeded_init(lambda: make(spec), seed)
    xw, mw = windows(mdp, window)
    x, m = torch.from_numpy(xw), torch.from_numpy(mw)
    a = torch.from_numpy(mdp.action.astype(np.int64))
    g = torch.from_numpy(returns_to_go(mdp))

    def loss_fn(gen: torch.Generator) -> torch.Tensor:
        return pg_loss(model, x, m, a, g, torch.randint(0, len(a), (budget.batch,), generator=gen))

    cfg = TrainConfig(lr=budget.lr, ema_decay=0.0, ema_start=0, seed=seed,
                      save_every=max(budget.steps // 4, 100), log_every=max(budget.steps // 10, 50))
    run_training(model, loss_fn, folder, budget.steps, torch.device("cpu"), {"config": spec}, cfg,
                 progress=progress, kind=KIND)
    return NetAgent(spec, model.eval())


def fit(mdp: OfflineMDP, budget: Budget, seed: int, folder, progress=False) -> NetAgent:
    return fit_pg(METHOD, "mlp", budget.stack, mdp, budget, seed, folder, progress)
