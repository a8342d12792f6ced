"""Data as demonstrator with the model's own errors (Venkatraman et al., AAAI 2015).

Isotropic jitter (:mod:`offline_rl.bc.augment`) shows the model states a few feet off
the log in random directions; closed loop the errors are not random: the cloned
attackers drift together towards the rim (``benchmarks/bc_drift.py``). Here the
movement model is rolled from logged frames for up to ``horizon`` steps with its own
predictions (mean + learned spread x ``noise``), the defenders, the ball handler and his
action staying the logged ones (the ball moves with its holder); every visited state
(frame t of the window) is labelled with the displacement that brings each attacker
back to his logged position at t + 1, spread over ``return_frames`` frames. The
samples go into the movement data flagged as perturbed (they teach the mean only) and
the model is trained again on the union.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.sim.step import OFF
from offline_rl.bc.features import (
    N_MOVE,
    action_onehot,
    frame_index,
    gather_frames,
    impute_shot_clock,
    movement_features,
    sample_pairs,
)


def windows(move: np.ndarray, horizon: int) -> np.ndarray:
    """(n, T) movement-usable mask -> (n, T) bool: frames t whose frames t .. t + horizon
    - 1 are all movement-usable (a rollout of ``horizon`` steps stays in the log)."""
    ok = move.copy()
    for k in range(1, horizon):
        ok[:, :-k] &= move[:, k:]
        ok[:, -k:] = False
    return ok


@torch.no_grad()
def rollout_samples(net, ds, dt_s: float, glitch_ftps: float, horizon: int, n_windows: int,
                    rng: np.random.Generator, gen: torch.Generator, noise: float = 1.0,
                    return_frames: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Visited states of ``n_windows`` model rollouts of ``horizon`` steps from logged
    frames of ``ds`` -> (feats (m, 5, N_MOVE), target (m, 5, 2) ft per frame), m <=
    n_windows * horizon (steps 1 .. horizon of each window)."""
    idx = frame_index(ds, dt_s, glitch_ftps)
    sc = impute_shot_clock(ds)
    rows, cols = sample_pairs(windows(idx["move"], horizon + 1), n_windows, rng)
    feats, targets = [], []
    f = gather_frames(ds, rows, cols, dt_s, sc, idx["cls"], idx["holder"])
    own, vel = f.pos[:, OFF, :2].clone(), f.vel[:, OFF].clone()
    for k in range(horizon):
        f = gather_frames(ds, rows, cols + k, dt_s, sc, idx["cls"], idx["holder"])
        if k > 0:            # back to the logged position at t + 1 over return_frames
            back = (f.pos[:, OFF, :2] - own) / max(return_frames, 1e-6)
            targets.append(f.next_disp + back)
            f = _with_attackers(f, own, vel)
            feats.append(movement_features(f, action_onehot(f.holder, f.action)))
        mean, log_std = net.move(movement_features(f, action_onehot(f.holder, f.action)))
        step = mean + noise * log_std.exp() * torch.randn(mean.shape, generator=gen)
        own, vel = own + step, step / dt_s
    if not feats:
        return torch.zeros(0, 5, N_MOVE), torch.zeros(0, 5, 2)
    return torch.cat(feats), torch.cat(targets)


def _with_attackers(f, own: torch.Tensor, vel: torch.Tensor):
    """Frames ``f`` with the attackers at ``own`` (b, 5, 2) moving at ``vel`` (ft/s); the
    ball shifts with its holder."""
    pos, v = f.pos.clone(), f.vel.clone()
    shift = own - pos[:, OFF, :2]
    pos[:, OFF, :2] = own
    v[:, OFF] = vel
    b = pos.shape[0]
    held = (f.holder >= 1)[:, None].float()
    pos[:, 0, :2] += held * shift[torch.arange(b), (f.holder - 1).clamp(0, 4)]
    return type(f)(**{**f.__dict__, "pos": pos, "vel": v})
