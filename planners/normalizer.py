"""Per-channel normaliser of planner windows, fitted on the train split.

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
    kind: str = "limits"      # "limits" -> [-1, 1] | "gaussian" -> zero mean, unit std
    eps: float = 1e-3         # smallest range / std (a constant channel stays finite)


class Normalizer:
    """normalize / unnormalize over the last axis (c channels); numpy or torch (the
    torch path is differentiable and follows the input's device and dtype)."""

    def __init__(self, kind: str, shift: np.ndarray, scale: np.ndarray):
        if kind not in ("limits", "gaussian"):
            raise ValueError(f"unknown normalizer kind {kind!r} (limits | gaussian)")
        self.kind = kind
        self.shift = np.asarray(shift, np.float32)   # (c,) subtracted
        self.scale = np.asarray(scale, np.float32)   # (c,) divided by

    @classmethod
    def fit(cls, windows: np.ndarray, mask: np.ndarray | None = None,
            cfg: NormalizerConfig | None = None) -> Normalizer:
        """windows (n_w, h, c), mask (n_w, h) frames to use -> fitted normaliser."""
        cfg = cfg or NormalizerConfig()
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
