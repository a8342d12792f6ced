"""The training data's support: what a plan may do before the executor runs it.

A :class:`Support` holds 1st-99th percentile ranges measured on the TRAINING games:

    shot_distance_ft   shooter's distance to the attacked hoop at release (ft)
    defender_ft        nearest defender's distance to the shooter at release (ft)
    speed_ftps         raw player step speeds of real windows (ft/s at the planning rate)

The shot ranges come from the outcome models fitted on the training games
(``engine.outcomes.OutcomeModels.support``: their tracked fit shots); the speed range
from the training windows (:func:`speed_range`). It travels with a checkpoint as a
plain dict (:meth:`Support.to_dict`). The executor uses the shot ranges to refuse shots
outside the data; :func:`reject_mask` rejects whole candidate plans before execution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from planners.windows import windows_to_positions


@dataclass
class Support:
    """Closed ranges (lo, hi); ``None`` means unchecked."""
    shot_distance_ft: tuple[float, float] | None = None
    defender_ft: tuple[float, float] | None = None
    speed_ftps: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        return {k: None if v is None else [float(v[0]), float(v[1])]
                for k, v in (("shot_distance_ft", self.shot_distance_ft),
                             ("defender_ft", self.defender_ft), ("speed_ftps", self.speed_ftps))}

    @classmethod
    def from_dict(cls, d: dict | None) -> Support:
        d = d or {}
        pair = lambda v: None if v is None or len(v) != 2 else (float(v[0]), float(v[1]))  # noqa: E731
        return cls(pair(d.get("shot_distance_ft")), pair(d.get("defender_ft")),
                   pair(d.get("speed_ftps")))

    @classmethod
    def from_outcomes(cls, models, speed_ftps: tuple[float, float] | None = None) -> Support:
        """Shot ranges from fitted outcome models' ``support`` (1st-99th percentiles of
        their fit shots: fit them on the training games only), plus a speed range."""
        sup = getattr(models, "support", {}) or {}
        pair = lambda v: (float(v[0]), float(v[1])) if v is not None and len(v) == 2 else None  # noqa: E731
        return cls(pair(sup.get("distance_ft")), pair(sup.get("defender_ft")), speed_ftps)


def speed_range(windows: np.ndarray, rate_hz: float, q: tuple[float, float] = (1.0, 99.0)
                ) -> tuple[float, float]:
    """The (q_lo, q_hi) percentiles of raw player step speeds (ft/s) of real windows
    (n, h, c) feet at ``rate_hz``."""
    pos = windows_to_positions(np.asarray(windows))[:, :, 1:, :2]
    v = np.linalg.norm(np.diff(pos, axis=1), axis=-1) * rate_hz
    return float(np.percentile(v, q[0])), float(np.percentile(v, q[1]))


def inside(value: torch.Tensor, rng: tuple[float, float] | None) -> torch.Tensor:
    """value (...) inside the closed range (all True when rng is None)."""
    if rng is None:
        return torch.ones_like(value, dtype=torch.bool)
    return (value >= rng[0]) & (value <= rng[1])


def shot_geometry_ft(shooter_xy: torch.Tensor, defenders_xy: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """shooter (b, 2) feet, defenders (b, 5, 2) feet -> (distance to the attacked hoop
    (b,) ft, nearest defender (b,) ft)."""
    hoop = torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=shooter_xy.device, dtype=shooter_xy.dtype)
    dist = (shooter_xy - hoop).norm(dim=-1)
    defender = (defenders_xy - shooter_xy[:, None]).norm(dim=-1).amin(dim=-1)
    return dist, defender


def speed_ok(plans: torch.Tensor, rate_hz: float, support: Support, first: int = 0,
             max_share: float = 0.05) -> torch.Tensor:
    """(b,) bool: at most ``max_share`` of the raw player step speeds of plans (b, h, c)
    feet, from frame ``first`` on, lie above the support's 99th percentile (real windows
    have 1% there; a per-step test would reject most real windows, whose 200 steps
    include a few fast ones). A plan may stand still: the 1st percentile is no limit."""
    ok = torch.ones(plans.shape[0], dtype=torch.bool, device=plans.device)
    if support.speed_ftps is None:
        return ok
    pos = windows_to_positions(plans)[:, first:, 1:, :2]
    v = (pos[:, 1:] - pos[:, :-1]).norm(dim=-1) * rate_hz                  # (b, h', 10)
    if v.shape[1] == 0:
        return ok
    return (v > support.speed_ftps[1]).float().mean(dim=(1, 2)) <= max_share
