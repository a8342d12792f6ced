"""Load any agent saved by :meth:`offline_rl.agents.base.Agent.save` (the one loader:
priors, supervised networks, ReLiable's belief Q-networks, d3rlpy agents)."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.checkpoint import load_meta, load_tensors
from offline_rl.agents.base import KIND, Agent, NetAgent, PriorAgent


def load_agent(folder: str | Path) -> Agent:
    """The agent saved in ``folder`` (continuous agents: a MoverAgent)."""
    folder = Path(folder)
    meta = load_meta(folder, KIND)
    if meta["family"] == "prior":
        return PriorAgent(meta["method"], load_tensors(folder, "weights")["freq"].numpy())
    if meta["family"] == "d3rlpy":
        from offline_rl.agents.d3 import load_d3

        return load_d3(folder, meta)
    if meta["family"] == "d3rlpy_continuous":
        from offline_rl.agents.d3_continuous import load_mover

        return load_mover(folder, meta)
    spec = meta["config"]
    net = NetAgent.make_net(spec)
    if meta["family"] == "pg":                 # policy, behaviour and value heads
        from offline_rl.agents.pg import make

        net = make(spec)
    elif meta["family"] == "pomdp_dqn":          # the belief wrapper the weights were saved in
        from offline_rl.agents.pomdp_dqn_lstm import LSTMBelief
        from offline_rl.agents.pomdp_dqn_transformer import TransformerBelief

        net = (LSTMBelief if spec["net"] == "lstm" else TransformerBelief)(net)
    net.load_state_dict(load_tensors(folder, "weights"))
    return NetAgent(spec, net)
