"""Tiny synthetic possession sets and models for the planner tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.possessions.dataset import PossessionSet
from planners.diffusion import DiffusionConfig, PlannerModelConfig
from planners.normalizer import NormalizerConfig
from planners.unet import UNetConfig


def toy_possessions(n: int = 12, t_max: int = 20, rate_hz: float = 2.0, seed: int = 0) -> PossessionSet:
    """n possessions of 6..t_max frames: attackers drift toward the right hoop, defenders
    trail them, the ball follows attacker 0 (z = 4 ft). Rewards alternate 0 / 2 / 3."""
    rng = np.random.default_rng(seed)
    pos = np.zeros((n, t_max, 11, 3), np.float32)
    fv = np.zeros((n, t_max), bool)
    for i in range(n):
        length = int(rng.integers(6, t_max + 1))
        start = np.column_stack([rng.uniform(45, 70, 5), rng.uniform(5, 45, 5)])
        vel = np.column_stack([rng.uniform(1, 4, 5), rng.uniform(-1, 1, 5)])  # ft per frame
        for t in range(length):
            off = np.clip(start + vel * t, [0, 0], [94, 50])
            pos[i, t, 1:6, :2] = off
            pos[i, t, 6:11, :2] = off + [2.0, 0.5]
            pos[i, t, 0] = [off[0, 0], off[0, 1], 4.0]
        fv[i, :length] = True
    valid = np.repeat(fv[..., None], 11, axis=-1)
    meta = pd.DataFrame({
        "split": ["train" if i < n - 2 else "test" for i in range(n)],
        "points": [float((0, 2, 3)[i % 3]) for i in range(n)],
        "reward_playbest": [float((0, 2, 3)[i % 3]) for i in range(n)],
        "reward_reliable": [0.5 * i for i in range(n)],
    })
    return PossessionSet({"positions": pos, "frame_valid": fv, "valid": valid}, meta, rate_hz)


def tiny_config(horizon: int = 8, n_train_steps: int = 20, rate_hz: float = 2.0,
                sigma_data: float = 0.1) -> PlannerModelConfig:
    return PlannerModelConfig(unet=UNetConfig(widths=(16, 32)),
                              diffusion=DiffusionConfig(n_train_steps=n_train_steps, sigma_data=sigma_data),
                              normalizer=NormalizerConfig("feet"), horizon=horizon, rate_hz=rate_hz)
