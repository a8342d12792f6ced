"""``pomdp_dqn_transformer``: ReLiable's POMDP DQN with a causal transformer belief.
The algorithm is :mod:`offline_rl.agents.pomdp_dqn`; this file is the belief network.

A transformer has no carried state: its "state" is the context. ``burn`` returns nothing
and ``steps`` runs over burn-in + trained steps together (the causal mask lets each step
see only its past), returning Q-values of the trained part only.
"""

from __future__ import annotations

import torch
from torch import nn

from offline_rl.agents.base import Budget, NetAgent
from offline_rl.agents.pomdp_dqn import PomdpDQNConfig, fit_pomdp_dqn
from offline_rl.mdp import OfflineMDP

METHOD = "pomdp_dqn_transformer"


class TransformerBelief(nn.Module):
    def __init__(self, core: nn.Module) -> None:
        super().__init__()
        self.core = core            # offline_rl.agents.nets.Transformer

    def burn(self, x: torch.Tensor, mask: torch.Tensor):
        return None

    def steps(self, x, mask, state, burn_x=None, burn_mask=None) -> torch.Tensor:
        if burn_x is None or burn_x.shape[1] == 0:
            return self.core.sequence(x, mask)
        q = self.core.sequence(torch.cat([burn_x, x], 1), torch.cat([burn_mask, mask], 1))
        return q[:, burn_x.shape[1]:]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.core(x, mask)


def fit(mdp: OfflineMDP, budget: Budget, cfg: PomdpDQNConfig, seed: int, folder, progress=False) -> NetAgent:
    return fit_pomdp_dqn(METHOD, "transformer", TransformerBelief, mdp, budget, cfg, seed, folder, progress)
