"""Per-channel normaliser of planner windows.

``feet`` (the default) is fixed, not fitted: every channel stays on one foot scale so
that the loss weighs positions and velocities alike -- x minus the attacked half's
centre (70.5 ft), y minus 25 ft, ball z minus 5 ft, all divided by ``position_ft``
(25 ft); velocity channels (ft per planning frame) divided by ``velocity_ft`` (5 ft).
(Under ``limits`` one unit of position was ~47 ft while velocities were scaled to a
few ft, and the loss ignored the positions: ../shared/PLANNER_NOTES.md.)
``limits`` (Diffuser's default) maps each channel's [min, max] over valid frames to
[-1, 1]; ``gaussian`` subtracts the mean and divides by the standard deviation. The
statistics travel with every checkpoint (to_dict / from_dict).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class NormalizerConfig:
    kind: str = "feet"        # "feet" fixed foot scale | "limits" -> [-1, 1] | "gaussian"
    eps: float = 1e-3         # smallest range / std (a constant channel stays finite)
    position_ft: float = 25.0     # feet: one unit of a position channel
    velocity_ft: float = 5.0      # feet: one unit of a velocity channel (ft per frame)


KINDS = ("feet", "limits", "gaussian")
HALF_COURT_X = 70.5        # centre of the attacked half (canonical orientation)


def feet_stats(c: int, position_ft: float = 25.0, velocity_ft: float = 5.0
               ) -> tuple[np.ndarray, np.ndarray]:
    """(shift, scale) (c,) of the ``feet`` kind for c = 23 (positions) or 46 (positions
    then velocities) channels."""
    if c not in (23, 46):
        raise ValueError(f"the feet normalizer needs 23 or 46 channels, got {c}")
    shift = np.array([HALF_COURT_X, 25.0, 5.0] + [HALF_COURT_X, 25.0] * 10, np.float32)
    scale = np.full(23, position_ft, np.float32)
    if c == 46:
        shift = np.concatenate([shift, np.zeros(23, np.float32)])
        scale = np.concatenate([scale, np.full(23, velocity_ft, np.float32)])
    return shift, scale


class Normalizer:
    """normalize / unnormalize over the last axis (c channels); numpy or torch (the
    torch path is differentiable and follows the input's device and dtype)."""

    def __init__(self, kind: str, shift: np.ndarray, scale: np.ndarray):
        if kind not in KINDS:
            raise ValueError(f"unknown normalizer kind {kind!r} ({' | '.join(KINDS)})")
        self.kind = kind
        self.shift = np.asarray(shift, np.float32)   # (c,) subtracted
        self.scale = np.asarray(scale, np.float32)   # (c,) divided by

    @classmethod
    def fit(cls, windows: np.ndarray, mask: np.ndarray | None = None,
            cfg: NormalizerConfig | None = None) -> Normalizer:
        """windows (n_w, h, c), mask (n_w, h) frames to use -> fitted normaliser."""
        cfg = cfg or NormalizerConfig()
        if cfg.kind == "feet":
            return cls("feet", *feet_stats(windows.shape[-1], cfg.position_ft, cfg.velocity_ft))
        flat = windows.reshape(-1, windows.shape[-1])
        if mask is not None:
            flat = flat[np.asarray(mask, bool).reshape(-1)]
        if flat.shape[0] == 0:
            raise ValueError("cannot fit a normalizer on zero valid frames")
        if cfg.kind == "limits":
            lo, hi = flat.min(0), flat.max(0)
            half = np.maximum((hi - lo) / 2, cfg.eps)
            return cls("limits", (hi + lo) / 2, half)
        mean, std = flat.mean(0), flat.std(0)
        return cls(cfg.kind, mean, np.maximum(std, cfg.eps))

    def _stats(self, x):
        if torch.is_tensor(x):
            return (torch.as_tensor(self.shift, dtype=x.dtype, device=x.device),
                    torch.as_tensor(self.scale, dtype=x.dtype, device=x.device))
        return self.shift, self.scale

    def normalize(self, x):
        """(..., c) feet -> (..., c) normalised."""
        shift, scale = self._stats(x)
        return (x - shift) / scale

    def unnormalize(self, x):
        """(..., c) normalised -> (..., c) feet."""
        shift, scale = self._stats(x)
        return x * scale + shift

    def to_dict(self) -> dict:
        return {"kind": self.kind, "shift": self.shift.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Normalizer:
        return cls(d["kind"], np.asarray(d["shift"], np.float32), np.asarray(d["scale"], np.float32))
