"""A rubric as a reward, a planner preference and an offline relabelling.

- :func:`rubric_scores`: exact rubric score of trajectories (b, h, 11, 3) (numpy; the
  planner ranks candidates on it, so plans stay the model's own samples);
- :func:`soft_rubric_score`: the differentiable surrogate over the smooth features
  (engine.tactics.soft) for gradient guides; items without a smooth twin are left out;
- :class:`RubricStepReward`: an env reward ``(events, state) -> (b,)`` (the callable form
  envs accept) paying the rubric score of each possession's trajectory at the step it
  ends (0 before);
- :func:`relabel_possessions`: rewards for the offline datasets: a possession set
  (engine.possessions.PossessionSet) -> (n, T) float32 with each possession's rubric
  score on its last valid frame, 0 elsewhere. The MDP export (offline_rl) calls it.
"""

from __future__ import annotations

import numpy as np

from engine.tactics import SOFT_FEATURES, soft_features, spec, tactical_features
from language.rubric import Rubric


def rubric_scores(rubric: Rubric, positions: np.ndarray, rate_hz: float,
                  frame_valid: np.ndarray | None = None) -> np.ndarray:
    """positions (b, h, 11, 3) feet, canonical -> (b,) rubric scores (0 where a
    trajectory has no valid frame)."""
    feats = tactical_features(positions, rate_hz, frame_valid)
    b = len(positions)
    rows = [{k: float(v[i]) for k, v in feats.items()} for i in range(b)]
    return np.array([rubric.score(r) for r in rows], np.float64)


def soft_rubric_score(rubric: Rubric, positions, rate_hz: float):
    """positions (b, h, 11, 3) torch feet -> (b,) differentiable score over the items
    with a smooth twin (quantity items use their plain signed form)."""
    import torch

    soft = soft_features(positions, rate_hz)
    total = torch.zeros(positions.shape[0], dtype=positions.dtype, device=positions.device)
    for it in rubric.items:
        if it.feature in SOFT_FEATURES:
            total = total + it.weight * it.sign * soft[it.feature] / spec(it.feature).scale
    return total


class RubricStepReward:
    """Env reward (envs accept any ``(events, state) -> (b,)`` callable): the rubric score
    of a row's trajectory since its last reset, paid at the step it ends."""

    def __init__(self, rubric: Rubric, rate_hz: float):
        self.rubric, self.rate_hz = rubric, float(rate_hz)
        self.frames: list[np.ndarray] = []
        self.start: np.ndarray | None = None

    def __call__(self, ev: dict, state):
        import torch

        pos = state.pos.detach().cpu().numpy().astype(np.float64)            # (b, 11, 3)
        done = state.done.detach().cpu().numpy().astype(bool)
        if self.start is None or len(self.start) != len(pos):
            self.frames, self.start = [], np.zeros(len(pos), int)
        self.frames.append(pos)
        out = np.zeros(len(pos))
        for i in np.flatnonzero(done):
            traj = np.stack([f[i] for f in self.frames[self.start[i]:]])[None]
            out[i] = rubric_scores(self.rubric, traj, self.rate_hz)[0]
            self.start[i] = len(self.frames)
        return torch.as_tensor(out, dtype=state.pos.dtype, device=state.pos.device)


def relabel_possessions(ds, rubric: Rubric) -> np.ndarray:
    """PossessionSet -> (n, T) float32 rewards: the rubric score of each possession on
    its last valid frame (a terminal reward), 0 elsewhere."""
    fv = ds.arrays["frame_valid"]
    scores = rubric_scores(rubric, ds.arrays["positions"], ds.rate_hz, fv)
    out = np.zeros(fv.shape, np.float32)
    has = fv.any(axis=1)
    last = fv.shape[1] - 1 - np.argmax(fv[:, ::-1], axis=1)
    out[np.flatnonzero(has), last[has]] = scores[has]
    return out
