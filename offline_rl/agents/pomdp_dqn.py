"""ReLiable's POMDP DQN: double DQN over a recurrent belief of the observation history
(d3rlpy has no recurrent Q-function, so it is written here). The belief networks live in
:mod:`offline_rl.agents.pomdp_dqn_lstm` and :mod:`offline_rl.agents.pomdp_dqn_transformer`.

Training (R2D2-style, offline):
1. Possessions become padded sequences (p, t, f); the belief starts from zero at each
   possession's first decision point (hidden state reset at possession boundaries: a
   sequence never crosses one).
2. A batch draws possessions and a first trained step ``o``; the network runs over
   ``[o - burn_in, o + seq_len]`` (clipped to the possession). The first ``burn_in`` steps
   only warm the belief (no gradient, no loss); a chunk that starts at the possession's
   first step has nothing to burn in and its belief is exact.
3. Double-Q target at step t: r_t + gamma * Q_target(h_{t+1}, argmax_a Q_online(h_{t+1}, a)),
   with the bootstrap cut at the possession's last decision point (terminal; a truncated
   possession also stops there: its next state is not in the logs). Huber loss; the
   target network is copied from the online one every ``target_every`` updates.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine.runtime.training import TrainConfig, run_training, seeded_init
from offline_rl.agents.base import KIND, Budget, NetAgent
from offline_rl.mdp import OfflineMDP


@dataclass
class PomdpDQNConfig:
    burn_in: int = 8
    seq_len: int = 8
    gamma: float = 1.0
    target_every: int = 500
    batch_sequences: int = 32


def padded_sequences(mdp: OfflineMDP) -> dict[str, torch.Tensor]:
    """Per possession: obs (p, t, f), action (p, t) long, reward (p, t), length (p,)."""
    starts = np.flatnonzero(mdp.episode_starts())
    length = np.diff(np.r_[starts, len(mdp)])
    p, t = len(starts), int(length.max())
    col = np.arange(len(mdp)) - np.repeat(starts, length)
    row = np.repeat(np.arange(p), length)
    obs = np.zeros((p, t, mdp.obs.shape[1]), np.float32)
    act = np.zeros((p, t), np.int64)
    rew = np.zeros((p, t), np.float32)
    obs[row, col], act[row, col], rew[row, col] = mdp.obs, mdp.action, mdp.reward
    return {"obs": torch.from_numpy(obs), "action": torch.from_numpy(act),
            "reward": torch.from_numpy(rew), "length": torch.from_numpy(length)}


class DoubleQ(nn.Module):
    """Online and target belief Q-networks; ``updates`` counts gradient steps (saved
    with the weights, so a resumed run keeps the target schedule)."""

    def __init__(self, online: nn.Module) -> None:
        super().__init__()
        self.online = online
        self.target = copy.deepcopy(online).requires_grad_(False)
        self.register_buffer("updates", torch.zeros((), dtype=torch.long))


def chunk(seqs: dict, rows: torch.Tensor, first: torch.Tensor, cfg: PomdpDQNConfig):
    """Chunks of length burn_in + seq_len + 1 ending one step after the last trained
    step: x (b, L, f), mask (b, L) real steps, idx (b, L) positions in the possession,
    trained (b, L) the loss is taken at that step."""
    span = cfg.burn_in + cfg.seq_len + 1
    lo = first - cfg.burn_in
    idx = lo[:, None] + torch.arange(span)[None]
    length = seqs["length"][rows][:, None]
    mask = (idx >= 0) & (idx < length)
    safe = idx.clamp(0, seqs["obs"].shape[1] - 1)
    x = seqs["obs"][rows[:, None], safe] * mask[..., None]
    step = torch.arange(span)[None]
    trained = mask & (step >= cfg.burn_in) & (step < cfg.burn_in + cfg.seq_len)
    return x, mask, safe, trained


def td_loss(model: DoubleQ, seqs: dict, gen: torch.Generator, cfg: PomdpDQNConfig) -> torch.Tensor:
    """One batch's Huber loss of the double-Q targets (module docstring)."""
    n = len(seqs["length"])
    rows = torch.randint(0, n, (cfg.batch_sequences,), generator=gen)
    first = (torch.rand(cfg.batch_sequences, generator=gen) * seqs["length"][rows]).long()
    x, mask, idx, trained = chunk(seqs, rows, first, cfg)
    b = cfg.burn_in
    with torch.no_grad():                      # burn-in: warm the belief, no gradient
        state = model.online.burn(x[:, :b], mask[:, :b]) if b else None
        t_state = model.target.burn(x[:, :b], mask[:, :b]) if b else None
        q_next_online = model.online.steps(x[:, b:], mask[:, b:], state, x[:, :b], mask[:, :b])
        q_next_target = model.target.steps(x[:, b:], mask[:, b:], t_state, x[:, :b], mask[:, :b])
    q = model.online.steps(x[:, b:], mask[:, b:], state, x[:, :b], mask[:, :b])   # (B, S+1, A)
    act = seqs["action"][rows[:, None], idx[:, b:]]
    rew = seqs["reward"][rows[:, None], idx[:, b:]]
    q_taken = q.gather(-1, act[..., None])[..., 0][:, :-1]
    best = q_next_online[:, 1:].argmax(-1, keepdim=True)
    boot = q_next_target[:, 1:].gather(-1, best)[..., 0] * mask[:, b + 1:]
    target = rew[:, :-1] + cfg.gamma * boot
    w = trained[:, b:b + cfg.seq_len].float()
    loss = (nn.functional.smooth_l1_loss(q_taken, target, reduction="none") * w).sum() / w.sum().clamp_min(1)
    model.updates += 1
    if int(model.updates) % cfg.target_every == 0:
        model.target.load_state_dict(model.online.state_dict())
    return loss


def fit_pomdp_dqn(method: str, belief: str, wrap, mdp: OfflineMDP, budget: Budget, cfg: PomdpDQNConfig,
                  seed: int, folder: Path | None, progress: bool = False) -> NetAgent:
    """Train ``method`` with belief network ``belief`` ('lstm' | 'transformer': the
    offline_rl.agents.nets core, wrapped by ``wrap`` into the belief module with ``burn``
    and ``steps``) on the train split ``mdp``; the agent scores windows of burn_in +
    seq_len steps."""
    window = cfg.burn_in + cfg.seq_len
    spec = {"method": method, "family": "pomdp_dqn", "net": belief, "hidden": budget.hidden,
            "stack": budget.stack, "window": window, "seed": seed, "steps": budget.steps,
            "lr": budget.lr, "dqn": asdict(cfg)}
    model = DoubleQ(seeded_init(lambda: wrap(NetAgent.make_net(spec)), seed))
    seqs = padded_sequences(mdp)
    tcfg = TrainConfig(lr=budget.lr, ema_decay=0.0, ema_start=0, seed=seed, grad_clip=10.0,
                       save_every=max(budget.steps // 4, 100), log_every=max(budget.steps // 10, 50))
    run_training(model, lambda g: td_loss(model, seqs, g, cfg), folder, budget.steps,
                 torch.device("cpu"), {"config": spec}, tcfg, progress=progress, kind=KIND)
    return NetAgent(spec, model.online.eval())
