"""Thin adapters over d3rlpy 2.8's discrete algorithms on frame-stacked observations:
``d3_bc`` (DiscreteBC), ``dqn``, ``double_dqn``, ``discrete_cql``, ``discrete_bcq``.

d3rlpy is imported inside functions (importing it changes global torch state). Its logs
go under the run folder (``<training folder>/d3rlpy_logs``), never ``./d3rlpy_logs``. The trained
modules are saved in the project's checkpoint format (safetensors + checkpoint.json,
engine.runtime.checkpoint) with d3rlpy's own serialised config, so loading rebuilds the
algorithm with ``create_impl`` and loads the weights; no pickle.

Scores: Q-values (expected Q) for the DQN family; DiscreteBC's logits; DiscreteBCQ's
Q-values with the actions its imitator rules out (probability below
``action_flexibility`` x the best) pushed 1e4 below, as its greedy choice does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from engine.runtime.checkpoint import load_tensors, save_checkpoint
from offline_rl.agents.base import KIND, Agent, Budget
from offline_rl.mdp import N_ACTIONS, OBS_DIM, OfflineMDP, stacked

D3_DISCRETE = {"d3_bc": "DiscreteBCConfig", "dqn": "DQNConfig", "double_dqn": "DoubleDQNConfig",
               "discrete_cql": "DiscreteCQLConfig", "discrete_bcq": "DiscreteBCQConfig"}


def to_mdp_dataset(mdp: OfflineMDP, stack: int):
    """d3rlpy MDPDataset of the decision points (observations frame-stacked ``stack``
    deep; the action space and its size given explicitly: DISCRETE, 7). A possession
    that ended by play is terminal; one cut by the clock ends in a timeout."""
    import d3rlpy

    return d3rlpy.dataset.MDPDataset(
        observations=stacked(mdp, stack), actions=mdp.action.astype(np.int64),
        rewards=mdp.reward.astype(np.float32), terminals=mdp.terminal.astype(np.float32),
        timeouts=mdp.timeout.astype(np.float32), action_space=d3rlpy.ActionSpace.DISCRETE,
        action_size=N_ACTIONS)


def make_config(method: str, budget: Budget, options: dict | None = None):
    import d3rlpy

    cls = getattr(d3rlpy.algos, D3_DISCRETE[method])
    enc = d3rlpy.models.VectorEncoderFactory(hidden_units=[2 * budget.hidden, 2 * budget.hidden])
    kwargs = {"batch_size": budget.batch, "encoder_factory": enc, "learning_rate": budget.lr,
              **(options or {})}
    return cls(**kwargs)


class D3Agent(Agent):
    def __init__(self, method: str, algo, stack: int, spec: dict) -> None:
        self.method, self.algo, self.stack, self.spec = method, algo, stack, spec
        self.window = stack

    @torch.no_grad()
    def _scores_t(self, x: torch.Tensor) -> torch.Tensor:
        impl = self.algo.impl
        if self.method == "d3_bc":
            return impl.modules.imitator(x).logits
        q = impl._q_func_forwarder.compute_expected_q(x)
        if self.method == "discrete_bcq":
            logp = torch.log_softmax(impl.modules.imitator(x).logits, dim=1)
            ok = (logp - logp.max(1, keepdim=True).values) > np.log(self.algo.config.action_flexibility)
            q = torch.where(ok, q, q - 1e4)
        return q

    def scores(self, x, mask):
        flat = (x[:, -self.stack:] * mask[:, -self.stack:, None]).reshape(len(x), -1)
        out = [self._scores_t(torch.from_numpy(np.ascontiguousarray(flat[i:i + 4096])))
               for i in range(0, len(flat), 4096)]
        return torch.cat(out).numpy() if out else np.zeros((0, N_ACTIONS), np.float32)

    def save(self, folder: Path) -> None:
        mods = self.algo.impl.modules.get_torch_modules()
        save_checkpoint(folder, {f"d3_{k}": m.state_dict() for k, m in mods.items()},
                        {"method": self.method, "family": "d3rlpy", "stack": self.stack,
                         "modules": sorted(mods), "d3rlpy_config": self.algo.config.serialize(),
                         "config": self.spec}, KIND)


def fit_d3(method: str, mdp: OfflineMDP, budget: Budget, seed: int, folder: Path,
           options: dict | None = None, progress: bool = False) -> D3Agent:
    """Train d3rlpy's ``method`` for budget.steps updates (logs under ``folder``)."""
    import d3rlpy

    d3rlpy.seed(seed)
    dataset = to_mdp_dataset(mdp, budget.stack)
    algo = make_config(method, budget, options).create(device="cpu:0")
    steps = max(int(budget.steps), 1)
    algo.fit(dataset, n_steps=steps, n_steps_per_epoch=steps, experiment_name=method,
             with_timestamp=False, show_progress=progress, save_interval=10 ** 9,
             logger_adapter=d3rlpy.logging.FileAdapterFactory(root_dir=str(Path(folder) / "d3rlpy_logs")))
    spec = {"method": method, "stack": budget.stack, "steps": steps, "seed": seed,
            "options": options or {}}
    return D3Agent(method, algo, budget.stack, spec)


def load_d3(folder: Path, meta: dict) -> D3Agent:
    import d3rlpy

    cls = getattr(d3rlpy.algos, D3_DISCRETE[meta["method"]])
    algo = cls.deserialize(meta["d3rlpy_config"]).create(device="cpu:0")
    algo.create_impl((OBS_DIM * int(meta["stack"]),), N_ACTIONS)
    mods = algo.impl.modules.get_torch_modules()
    for name in meta["modules"]:
        mods[name].load_state_dict(load_tensors(folder, f"d3_{name}"))
    return D3Agent(meta["method"], algo, int(meta["stack"]), meta["config"])


