"""Thin adapters over d3rlpy 2.8's continuous algorithms for the attackers' movement:
``bcq``, ``cql``, ``iql``, ``td3_bc`` (d3rlpy's BCQ, CQL, IQL, TD3+BC).

Action (10 numbers in [-1, 1]): the five attackers' velocities (vx, vy per slot 1..5,
ft/s over the simulator's player speed cap) from each decision point to the next frame
(one interval later and fully tracked; else the velocity into the frame). Observations,
rewards and episode ends are the discrete MDP's (frame-stacked Decision-v0
observations). In the simulator these agents move the five attackers while the offense
holds the ball; the decisions (hold / drive / pass / shoot) and the movement while the ball
is in the air come from the behaviour-cloned offense (d3rlpy has no discrete IQL or
continuous-discrete hybrid: :class:`offline_rl.play.AgentMover`). They have no action-copy or
OPE row (no macro-action scores). d3rlpy is imported inside functions; logs go under the
run folder; weights in the project's checkpoint format with d3rlpy's serialised config.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.runtime.checkpoint import load_tensors, save_checkpoint
from offline_rl.agents.base import KIND, Budget
from offline_rl.mdp import MOVE_DIM, OBS_DIM, OfflineMDP, stacked

D3_CONTINUOUS = {"bcq": "BCQConfig", "cql": "CQLConfig", "iql": "IQLConfig", "td3_bc": "TD3PlusBCConfig"}


def to_continuous_dataset(mdp: OfflineMDP, stack: int):
    import d3rlpy

    return d3rlpy.dataset.MDPDataset(
        observations=stacked(mdp, stack), actions=mdp.move, rewards=mdp.reward.astype(np.float32),
        terminals=mdp.terminal.astype(np.float32), timeouts=mdp.timeout.astype(np.float32),
        action_space=d3rlpy.ActionSpace.CONTINUOUS, action_size=MOVE_DIM)


class MoverAgent:
    """A continuous d3rlpy agent: ``act(x, mask)`` -> (n, 10) velocities over the speed cap."""

    family = "d3rlpy_continuous"

    def __init__(self, method: str, algo, stack: int, spec: dict) -> None:
        self.method, self.algo, self.stack, self.spec = method, algo, stack, spec
        self.window = stack

    def act(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        flat = (x[:, -self.stack:] * mask[:, -self.stack:, None]).reshape(len(x), -1).astype(np.float32)
        return np.clip(self.algo.predict(flat), -1.0, 1.0) if len(flat) else np.zeros((0, MOVE_DIM), np.float32)

    def save(self, folder: Path) -> None:
        mods = self.algo.impl.modules.get_torch_modules()
        save_checkpoint(folder, {f"d3_{k}": m.state_dict() for k, m in mods.items()},
                        {"method": self.method, "family": self.family, "stack": self.stack,
                         "modules": sorted(mods), "d3rlpy_config": self.algo.config.serialize(),
                         "config": self.spec}, KIND)


def fit_mover(method: str, mdp: OfflineMDP, budget: Budget, seed: int, folder: Path,
              options: dict | None = None, progress: bool = False) -> MoverAgent:
    import d3rlpy

    d3rlpy.seed(seed)
    cls = getattr(d3rlpy.algos, D3_CONTINUOUS[method])
    enc = d3rlpy.models.VectorEncoderFactory(hidden_units=[2 * budget.hidden, 2 * budget.hidden])
    kwargs = {"batch_size": budget.batch, "actor_encoder_factory": enc, "critic_encoder_factory": enc,
              **(options or {})}
    if method == "bcq":
        kwargs["imitator_encoder_factory"] = enc
    algo = cls(**kwargs).create(device="cpu:0")
    steps = max(int(budget.steps), 1)
    algo.fit(to_continuous_dataset(mdp, budget.stack), n_steps=steps, n_steps_per_epoch=steps,
             experiment_name=method, with_timestamp=False, show_progress=progress, save_interval=10 ** 9,
             logger_adapter=d3rlpy.logging.FileAdapterFactory(root_dir=str(Path(folder) / "d3rlpy_logs")))
    return MoverAgent(method, algo, budget.stack, {"method": method, "stack": budget.stack, "steps": steps,
                                                   "seed": seed, "options": options or {}})


def load_mover(folder: Path, meta: dict) -> MoverAgent:
    import d3rlpy

    cls = getattr(d3rlpy.algos, D3_CONTINUOUS[meta["method"]])
    algo = cls.deserialize(meta["d3rlpy_config"]).create(device="cpu:0")
    algo.create_impl((OBS_DIM * int(meta["stack"]),), MOVE_DIM)
    mods = algo.impl.modules.get_torch_modules()
    for name in meta["modules"]:
        mods[name].load_state_dict(load_tensors(folder, f"d3_{name}"))
    return MoverAgent(meta["method"], algo, int(meta["stack"]), meta["config"])


