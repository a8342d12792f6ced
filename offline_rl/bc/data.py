"""Training tensors for the behaviour-cloned offense, built from a PossessionSet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from offline_rl.bc.augment import perturb
from offline_rl.bc.features import (
    N_CTX,
    N_MATE,
    N_MOVE,
    action_onehot,
    decision_features,
    frame_index,
    gather_frames,
    impute_shot_clock,
    movement_features,
    sample_pairs,
)


@dataclass
class TrainingData:
    """move_feats (m, 5, N_MOVE); move_target (m, 5, 2) ft per frame; const_vel_disp
    (m, 5, 2) ft per frame (velocity * dt, the baseline); ctx (k, N_CTX); mates
    (k, 5, N_MATE); self_mask (k, 5) bool; cls (k,) long decision class; move_jittered
    (m,) bool: a perturbed state (its target teaches the mean only)."""

    move_feats: torch.Tensor
    move_target: torch.Tensor
    const_vel_disp: torch.Tensor
    ctx: torch.Tensor
    mates: torch.Tensor
    self_mask: torch.Tensor
    cls: torch.Tensor
    move_jittered: torch.Tensor | None = None


def _chunks(n: int, size: int = 50_000):
    for lo in range(0, n, size):
        yield slice(lo, min(lo + size, n))


def build_training_data(ds, dt_s: float, glitch_ftps: float, max_frames: int,
                        rng: np.random.Generator, jitter: dict | None = None) -> TrainingData:
    """Movement and decision samples of ``ds`` (at most ``max_frames`` of each, drawn by
    rng). ``jitter``: keyword arguments of :func:`offline_rl.bc.augment.perturb`
    (sigma_ft, frac, return_frames, sigma_ftps) applied to both kinds; None: logged
    states only."""
    jit = (lambda f: perturb(f, rng=rng, **jitter)) if jitter else (lambda f: f)  # noqa: E731
    idx = frame_index(ds, dt_s, glitch_ftps)
    sc = impute_shot_clock(ds)
    rows, cols = sample_pairs(idx["move"], max_frames, rng)
    mf, mt, cv, jt = [], [], [], []
    for s in _chunks(len(rows)):
        f = jit(gather_frames(ds, rows[s], cols[s], dt_s, sc, idx["cls"], idx["holder"]))
        mf.append(movement_features(f, action_onehot(f.holder, f.action)))
        mt.append(f.next_disp)
        cv.append(f.vel[:, 1:6] * dt_s)
        jt.append(f.jittered if f.jittered is not None else torch.zeros(len(f.holder), dtype=torch.bool))
    rows, cols = sample_pairs(idx["decision"], max_frames, rng)
    ctx, mates, mask, cls = [], [], [], []
    for s in _chunks(len(rows)):
        f = jit(gather_frames(ds, rows[s], cols[s], dt_s, sc, idx["cls"], idx["holder"]))
        c, m, k = decision_features(f)
        ctx.append(c)
        mates.append(m)
        mask.append(k)
        cls.append(f.action)
    cat = lambda xs, shape: torch.cat(xs) if xs else torch.zeros(shape)  # noqa: E731
    return TrainingData(cat(mf, (0, 5, N_MOVE)), cat(mt, (0, 5, 2)), cat(cv, (0, 5, 2)),
                        cat(ctx, (0, N_CTX)), cat(mates, (0, 5, N_MATE)),
                        cat(mask, (0, 5)).bool(), cat(cls, (0,)).long(), cat(jt, (0,)).bool())
