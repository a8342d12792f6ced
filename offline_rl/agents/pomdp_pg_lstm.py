"""``pomdp_pg_lstm``: the offline policy gradient of :mod:`offline_rl.agents.pg` over an
LSTM belief of the possession's history window (zero state at the window's first step:
a window never crosses a possession boundary, so the belief resets there)."""

from __future__ import annotations

from offline_rl.agents.base import Budget, NetAgent
from offline_rl.agents.pg import fit_pg
from offline_rl.mdp import OfflineMDP

METHOD = "pomdp_pg_lstm"


def fit(mdp: OfflineMDP, budget: Budget, seed: int, folder, progress=False) -> NetAgent:
    return fit_pg(METHOD, "lstm", budget.window, mdp, budget, seed, folder, progress)
