"""Planner windows: fixed-length slices of possessions at the planning rate.

A window is ``(h, c)`` float32 with c = 23 channels in this order:
    ball (x, y, z), off_0..off_4 (x, y), def_0..def_4 (x, y)
feet, canonical orientation (offense attacks the right hoop at x = 88.75, y = 25).
The planning rate is at most the dataset's rate; a lower rate is reached by linear
interpolation in time. Frames past the end of a possession repeat its last frame and
carry ``mask`` False; so do frames that are missing (a gap, an untracked entity),
which hold the last tracked value instead of the dataset's zeros.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

log = logging.getLogger(__name__)

N_AGENTS = 11
CHANNELS = 23
CHANNEL_NAMES = (["ball_x", "ball_y", "ball_z"]
                 + [f"{side}{i}_{ax}" for side in ("off", "def") for i in range(5) for ax in "xy"])


@dataclass
class WindowSet:
    """Windows cut from a PossessionSet.

    windows  (n_w, h, c) float32 feet
    mask     (n_w, h)    bool, False past the possession's end or on a missing frame
    returns  (n_w,)      float32 return target (the possession's reward column)
    source   (n_w,)      int64 possession index in the PossessionSet
    start    (n_w,)      int64 first frame of the window (planning-rate frames)
    split    (n_w,)      object 'train' / 'test' (or '' when the meta has no split)
    """

    windows: np.ndarray
    mask: np.ndarray
    returns: np.ndarray
    source: np.ndarray
    start: np.ndarray
    split: np.ndarray
    rate_hz: float
    reward: str

    def __len__(self) -> int:
        return int(self.windows.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.windows.shape[1])

    def subset(self, keep: np.ndarray) -> WindowSet:
        keep = np.asarray(keep)
        return WindowSet(self.windows[keep], self.mask[keep], self.returns[keep],
                         self.source[keep], self.start[keep], self.split[keep],
                         self.rate_hz, self.reward)

    def select_split(self, name: str) -> WindowSet:
        return self.subset(self.split == name)


def positions_to_windows(positions):
    """(..., 11, 3) feet -> (..., 23) channels; numpy array or torch tensor."""
    ball = positions[..., 0, :3]
    players = positions[..., 1:, :2]
    flat = players.reshape(*players.shape[:-2], 20)
    if torch.is_tensor(positions):
        return torch.cat([ball, flat], dim=-1)
    return np.concatenate([ball, flat], axis=-1)


def windows_to_positions(windows):
    """(..., 23) channels -> (..., 11, 3) feet with players at z = 0; numpy or torch
    (differentiable)."""
    ball = windows[..., None, :3]
    players = windows[..., 3:].reshape(*windows.shape[:-1], 10, 2)
    if torch.is_tensor(windows):
        zero = torch.zeros_like(players[..., :1])
        return torch.cat([ball, torch.cat([players, zero], dim=-1)], dim=-2)
    zero = np.zeros_like(players[..., :1])
    return np.concatenate([ball, np.concatenate([players, zero], axis=-1)], axis=-2)


def _fill_missing(pos: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Forward-fill (then back-fill) entity positions over time where ``ok`` is False.

    pos (n, T, 11, 3), ok (n, T, 11) -> (n, T, 11, 3)."""
    t = ok.shape[1]
    idx = np.where(ok, np.arange(t)[None, :, None], -1)
    idx = np.maximum.accumulate(idx, axis=1)
    first = np.argmax(ok, axis=1)                                   # (n, 11) first tracked
    idx = np.where(idx < 0, first[:, None, :], idx)
    return np.take_along_axis(pos, idx[..., None], axis=1)


def _resample(pos: np.ndarray, ok: np.ndarray, length: np.ndarray, src_hz: float,
              dst_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear interpolation in time from ``src_hz`` to ``dst_hz`` (<= src_hz).

    pos (n, T, 11, 3), ok (n, T) frame usable, length (n,) frames -> same at new rate."""
    if abs(dst_hz - src_hz) < 1e-9:
        return pos, ok, length
    t_src = pos.shape[1]
    t_dst = int(np.floor((t_src - 1) * dst_hz / src_hz)) + 1
    s = np.arange(t_dst) * src_hz / dst_hz                         # source frame (float)
    lo = np.floor(s).astype(int)
    hi = np.minimum(lo + 1, t_src - 1)
    w = (s - lo).astype(np.float32)[None, :, None, None]
    out = pos[:, lo] * (1 - w) + pos[:, hi] * w
    ok_out = ok[:, lo] & (ok[:, hi] | (w[0, :, 0, 0] == 0))
    new_len = np.floor((length - 1) * dst_hz / src_hz).astype(int) + 1
    return out.astype(np.float32), ok_out, np.maximum(new_len, 0)


def _starts(length: np.ndarray, h: int, stride: int, min_frames: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Window (possession, start) pairs: starts every ``stride`` frames while at least
    ``min_frames`` real frames remain; a possession shorter than that gets one window."""
    src, start = [], []
    for i, n in enumerate(length):
        if n <= 0:
            continue
        last = max(int(n) - min(min_frames, h), 0)
        s = np.arange(0, last + 1, stride)
        src.append(np.full(s.size, i))
        start.append(s)
    if not src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(src).astype(np.int64), np.concatenate(start).astype(np.int64)


def make_windows(ds, horizon_s: float, rate_hz: float | None = None, stride: int | None = None,
                 reward: str = "reward_playbest", min_frames: int | None = None) -> WindowSet:
    """Cut every possession of ``ds`` (engine.possessions.dataset.PossessionSet) into windows.

    horizon_s   plan length in seconds; h = round(horizon_s * rate) frames (>= 2)
    rate_hz     planning rate, at most ``ds.rate_hz`` (None: the dataset's rate)
    stride      frames between window starts (None: h // 4, at least 1)
    reward      meta column used as every window's return target
    min_frames  real frames a window must hold (None: h // 2); shorter possessions
                still give one window starting at their first frame
    """
    rate = float(ds.rate_hz if rate_hz is None else rate_hz)
    if rate > ds.rate_hz + 1e-9:
        raise ValueError(f"planning rate {rate} Hz exceeds the dataset's {ds.rate_hz} Hz")
    if reward not in ds.meta.columns:
        raise KeyError(f"reward column {reward!r} not in the possession table "
                       f"(columns: {', '.join(map(str, ds.meta.columns))})")
    h = max(round(horizon_s * rate), 2)
    stride = max(h // 4, 1) if stride is None else int(stride)
    min_frames = max(h // 2, 1) if min_frames is None else int(min_frames)
    a = ds.arrays
    fv = a["frame_valid"].astype(bool)
    ent_ok = a["valid"].astype(bool) & fv[..., None] if "valid" in a else fv[..., None].repeat(11, -1)
    length = np.where(fv.any(1), fv.shape[1] - np.argmax(fv[:, ::-1], axis=1), 0)
    pos = _fill_missing(a["positions"].astype(np.float32), ent_ok)
    pos, ok, length = _resample(pos, ent_ok.all(-1), length, ds.rate_hz, rate)
    src, start = _starts(length, h, stride, min_frames)
    frame = start[:, None] + np.arange(h)[None, :]                 # (n_w, h)
    inside = frame < length[src][:, None]
    frame = np.minimum(frame, np.maximum(length[src] - 1, 0)[:, None])
    win = positions_to_windows(pos[src[:, None], frame]).astype(np.float32)
    mask = inside & ok[src[:, None], frame]
    returns = ds.meta[reward].to_numpy(np.float32)[src]
    split = (ds.meta["split"].to_numpy(object)[src] if "split" in ds.meta.columns
             else np.full(src.size, "", object))
    log.info("%d windows of %d frames at %.3f Hz from %d possessions", src.size, h, rate, len(ds))
    return WindowSet(win, mask, np.nan_to_num(returns), src, start, split, rate, reward)
