"""``pomdp_dqn_lstm``: ReLiable's POMDP DQN with an LSTM belief over the observation
history. The algorithm (double-Q targets, burn-in, hidden state reset at possession
boundaries) is :mod:`offline_rl.agents.pomdp_dqn`; this file is the belief network.

The belief carries (h, c) across steps: ``burn`` runs the burn-in steps and returns the
state, ``steps`` continues from it and returns Q-values (b, s, 7) at every step, and
``forward`` (what the evaluation and the simulator call) runs a whole window from zero.
"""

from __future__ import annotations

import torch
from torch import nn

from offline_rl.agents.base import Budget, NetAgent
from offline_rl.agents.pomdp_dqn import PomdpDQNConfig, fit_pomdp_dqn
from offline_rl.mdp import OfflineMDP

METHOD = "pomdp_dqn_lstm"


class LSTMBelief(nn.Module):
    def __init__(self, core: nn.Module) -> None:
        super().__init__()
        self.core = core            # offline_rl.agents.nets.Recurrent (cell 'lstm')

    def burn(self, x: torch.Tensor, mask: torch.Tensor):
        return self.core.sequence(x, mask)[1]

    def steps(self, x, mask, state, burn_x=None, burn_mask=None) -> torch.Tensor:
        return self.core.sequence(x, mask, state)[0]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.core(x, mask)


def fit(mdp: OfflineMDP, budget: Budget, cfg: PomdpDQNConfig, seed: int, folder, progress=False) -> NetAgent:
    return fit_pomdp_dqn(METHOD, "lstm", LSTMBelief, mdp, budget, cfg, seed, folder, progress)
