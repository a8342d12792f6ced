"""Planner windows: fixed-length slices of possessions at the planning rate.

A window is ``(h, c)`` float32 with c = 46 channels: 23 position channels
    ball (x, y, z), off_0..off_4 (x, y), def_0..def_4 (x, y)
feet, canonical orientation (offense attacks the right hoop at x = 88.75, y = 25),
then the same 23 channels as per-frame velocities: the backward difference of the
positions in ft per planning frame (frame 0 of a window takes the difference to the
frame before it when that frame is tracked, else copies frame 1's). Positions are what
a plan is decoded from; the velocity channels are auxiliary (PlayBest's dx, dy, dz).

Only windows fully inside a possession are cut: every frame inside the possession and
tracked for all 11 entities (no frozen tail past the end, no gap); starts every
``stride`` frames plus one window aligned to end at the possession's last frame.
Possessions shorter than the horizon give no window; those whose orientation check
failed (meta ``side_check`` False) are dropped.

Role order (not slot order): the offense is ordered handler-first -- the ball handler
at the window's frame 0, or, when nobody holds the ball, the attacker nearest the
ball -- then the other four attackers by distance to the attacked hoop, nearest first.
Each defender is matched greedily to the attackers in that order: attacker role 0
takes the nearest defender, role 1 the nearest of the rest, and so on (distances at
frame 0). ``WindowSet.perm`` keeps, per window, the simulator slot of each role entity
(``perm[:, r]`` is the slot shown at role r; ``perm[:, 0] == 0`` is the ball), so a plan
maps back to slots with :func:`roles_to_slots`.

The planning rate is at most the dataset's rate; a lower rate is reached by linear
interpolation in time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields

import numpy as np
import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X

log = logging.getLogger(__name__)

N_AGENTS = 11
POS_CHANNELS = 23
CHANNELS = 2 * POS_CHANNELS
_POS_NAMES = (["ball_x", "ball_y", "ball_z"]
              + [f"{side}{i}_{ax}" for side in ("off", "def") for i in range(5) for ax in "xy"])
CHANNEL_NAMES = _POS_NAMES + ["d" + n for n in _POS_NAMES]


@dataclass
class WindowSet:
    """Windows cut from a PossessionSet (role order, see the module docstring).

    windows  (n_w, h, c) float32, c = 46: feet, then ft per planning frame
    mask     (n_w, h)    bool, every frame usable (all True: windows lie inside possessions)
    returns  (n_w,)      float32 return target (the possession's reward column)
    bucket   (n_w,)      int64 the possession's points clipped to 0..3
    handler  (n_w, h)    int8 role index 0..4 of the attacker holding the ball, -1 none
    perm     (n_w, 11)   int64 simulator slot of each role entity (perm[:, 0] = 0)
    source   (n_w,)      int64 possession index in the PossessionSet
    start    (n_w,)      int64 first frame of the window (planning-rate frames)
    split    (n_w,)      object 'train' / 'test' (or '' when the meta has no split)
    end      (n_w,)      int64 last frame of the window's possession (planning-rate
                         frames, same origin as ``start``); None for sets made elsewhere
    """

    windows: np.ndarray
    mask: np.ndarray
    returns: np.ndarray
    bucket: np.ndarray
    handler: np.ndarray
    perm: np.ndarray
    source: np.ndarray
    start: np.ndarray
    split: np.ndarray
    rate_hz: float
    reward: str
    end: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.windows.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.windows.shape[1])

    def subset(self, keep: np.ndarray) -> WindowSet:
        keep = np.asarray(keep)
        arrays = {f.name: getattr(self, f.name)[keep] for f in fields(self)
                  if isinstance(getattr(self, f.name), np.ndarray)}
        return WindowSet(**arrays, rate_hz=self.rate_hz, reward=self.reward)  # end: an array field

    def select_split(self, name: str) -> WindowSet:
        return self.subset(self.split == name)


def positions_to_windows(positions):
    """(..., 11, 3) feet -> (..., 23) position channels; numpy array or torch tensor."""
    ball = positions[..., 0, :3]
    players = positions[..., 1:, :2]
    flat = players.reshape(*players.shape[:-2], 20)
    if torch.is_tensor(positions):
        return torch.cat([ball, flat], dim=-1)
    return np.concatenate([ball, flat], axis=-1)


def windows_to_positions(windows):
    """(..., 23) or (..., 46) channels -> (..., 11, 3) feet from the position channels,
    players at z = 0; numpy or torch (differentiable)."""
    ball = windows[..., None, :3]
    players = windows[..., 3:POS_CHANNELS].reshape(*windows.shape[:-1], 10, 2)
    if torch.is_tensor(windows):
        zero = torch.zeros_like(players[..., :1])
        return torch.cat([ball, torch.cat([players, zero], dim=-1)], dim=-2)
    zero = np.zeros_like(players[..., :1])
    return np.concatenate([ball, np.concatenate([players, zero], axis=-1)], axis=-2)


def with_velocity(pos_windows, first=None):
    """(..., h, 23) position channels -> (..., h, 46) with backward-difference velocity
    channels (ft per frame). ``first`` (..., 23): the velocity of frame 0 (None: frame
    1's, or zero when h == 1). numpy or torch (differentiable)."""
    is_t = torch.is_tensor(pos_windows)
    cat = (lambda xs, ax: torch.cat(xs, dim=ax)) if is_t else np.concatenate
    diff = pos_windows[..., 1:, :] - pos_windows[..., :-1, :]
    if first is None:
        first = diff[..., :1, :] if pos_windows.shape[-2] > 1 else pos_windows[..., :1, :] * 0
    else:
        first = first[..., None, :]
    return cat([pos_windows, cat([first, diff], -2)], -1)


def fuse_channels(windows: torch.Tensor, fixed, weight: float = 1.0) -> torch.Tensor:
    """Decode a (b, h, 46) window (feet) whose position and velocity channels disagree
    into positions that agree with both in the least-squares sense: p minimises
    sum_t |p_t - x_t|^2 + weight * sum_t |p_t - p_(t-1) - v_t|^2 over the frames not in
    ``fixed`` (conditioned frames keep their given positions); velocity channels are
    then recomputed from p. The model predicts both groups of channels; taking the
    positions alone keeps their per-frame jitter (accelerations several times the real
    ones), integrating the velocities alone drifts. weight 0 returns the positions
    channels unchanged. A decoder, not a constraint: no court, speed or ball rule."""
    if weight <= 0 or windows.shape[-1] <= POS_CHANNELS:
        return windows
    b, h, _ = windows.shape
    pos, vel = windows[..., :POS_CHANNELS], windows[..., POS_CHANNELS:2 * POS_CHANNELS]
    dev, dt = windows.device, torch.float64
    diff = torch.zeros(h - 1, h, dtype=dt, device=dev)
    idx = torch.arange(h - 1, device=dev)
    diff[idx, idx], diff[idx, idx + 1] = -1.0, 1.0
    a = torch.eye(h, dtype=dt, device=dev) + weight * diff.T @ diff
    rhs = pos.to(dt) + weight * torch.einsum("th,bhc->btc", diff.T, vel[:, 1:].to(dt))
    keep = sorted(int(t) for t in fixed)
    if keep:
        a[keep] = 0.0
        a[keep, keep] = 1.0
        rhs[:, keep] = pos[:, keep].to(dt)
    fused = torch.linalg.solve(a, rhs).to(windows.dtype)
    out = with_velocity(fused, windows[:, 0, POS_CHANNELS:2 * POS_CHANNELS])
    if keep:
        out[:, keep] = windows[:, keep, :2 * POS_CHANNELS]
    return out


def roles_to_slots(role_positions, perm):
    """Role-ordered positions (n, [h,] 11, 3) or ([h,] 11, 3) and their windows' perm
    (n, 11) or (11,) -> slot-ordered positions of the same shape (the inverse of taking
    ``positions[..., perm, :]``); numpy."""
    role_positions = np.asarray(role_positions)
    perm = np.asarray(perm)
    if role_positions.ndim == perm.ndim + 2:                      # a time axis
        perm = perm[..., None, :]
    idx = np.broadcast_to(perm[..., None], role_positions.shape[:-1] + (1,))
    out = np.empty_like(role_positions)
    np.put_along_axis(out, idx, role_positions, axis=-2)
    return out


def role_order(frame0: np.ndarray, handler: np.ndarray) -> np.ndarray:
    """Role permutation of each window (module docstring).

    frame0 (n, 11, 3) feet in slot order at the window's first frame, handler (n,) slot
    of the ball handler there (1..5 offense; anything else: nobody on offense) ->
    perm (n, 11) int64 slot per role."""
    n = frame0.shape[0]
    off = frame0[:, 1:6, :2]
    d_ball = np.linalg.norm(off - frame0[:, None, 0, :2], axis=-1)                 # (n, 5)
    lead = np.where((handler >= 1) & (handler <= 5), handler - 1, d_ball.argmin(1))
    d_hoop = np.linalg.norm(off - np.array([RIGHT_HOOP_X, HOOP_Y]), axis=-1)
    d_hoop[np.arange(n), lead] = -np.inf                                           # handler first
    off_order = np.argsort(d_hoop, axis=1, kind="stable")                          # (n, 5)
    d_def = np.linalg.norm(frame0[:, 6:11, None, :2] - off[:, None], axis=-1)      # (n, 5 def, 5 off)
    taken = np.zeros((n, 5), bool)
    def_order = np.zeros((n, 5), np.int64)
    for r in range(5):
        d = np.take_along_axis(d_def, off_order[:, None, r:r + 1], axis=2)[..., 0]  # (n, 5 def)
        d = np.where(taken, np.inf, d)
        pick = d.argmin(1)
        def_order[:, r] = pick
        taken[np.arange(n), pick] = True
    return np.concatenate([np.zeros((n, 1), np.int64), off_order + 1, def_order + 6], axis=1)


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


def _starts(length: np.ndarray, ok: np.ndarray, h: int, stride: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """(possession, start) of every window fully inside a possession: starts every
    ``stride`` frames plus the one ending at the last frame; kept when all h frames are
    usable. length (n,), ok (n, T) -> two (n_w,) int64 arrays."""
    bad = np.concatenate([np.zeros((ok.shape[0], 1), int), np.cumsum(~ok, axis=1)], axis=1)
    src, start = [], []
    for i, n in enumerate(length):
        if n < h:
            continue
        s = np.unique(np.append(np.arange(0, n - h + 1, stride), n - h))
        s = s[bad[i, s + h] == bad[i, s]]
        src.append(np.full(s.size, i))
        start.append(s)
    if not src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(src).astype(np.int64), np.concatenate(start).astype(np.int64)


def _window_handler(handler_src: np.ndarray, src, frame, ratio: float, perm) -> np.ndarray:
    """Role index (n_w, h) int8 of the offensive ball handler at each window frame (-1
    none). handler_src (n, T) dataset slots; ``frame`` planning-rate frames; ``ratio``
    dataset frames per planning frame."""
    f_src = np.minimum(np.rint(frame * ratio).astype(int), handler_src.shape[1] - 1)
    slot = handler_src[src[:, None], f_src]                                        # (n_w, h)
    match = slot[..., None] == perm[:, None, 1:6]                                  # (n_w, h, 5)
    return np.where(match.any(-1), match.argmax(-1), -1).astype(np.int8)


def make_windows(ds, horizon_s: float, rate_hz: float | None = None, stride: int | None = None,
                 reward: str = "reward_playbest") -> WindowSet:
    """Cut every possession of ``ds`` (engine.possessions.dataset.PossessionSet) into windows.

    horizon_s   plan length in seconds; h = round(horizon_s * rate) frames (>= 2)
    rate_hz     planning rate, at most ``ds.rate_hz`` (None: the dataset's rate)
    stride      frames between window starts (None: h // 4, at least 1)
    reward      meta column used as every window's return target
    """
    rate = float(ds.rate_hz if rate_hz is None else rate_hz)
    if rate > ds.rate_hz + 1e-9:
        raise ValueError(f"planning rate {rate} Hz exceeds the dataset's {ds.rate_hz} Hz")
    if reward not in ds.meta.columns:
        raise KeyError(f"reward column {reward!r} not in the possession table "
                       f"(columns: {', '.join(map(str, ds.meta.columns))})")
    h = max(round(horizon_s * rate), 2)
    stride = max(h // 4, 1) if stride is None else int(stride)
    a = ds.arrays
    fv = a["frame_valid"].astype(bool)
    ent_ok = a["valid"].astype(bool) & fv[..., None] if "valid" in a else fv[..., None].repeat(11, -1)
    length = np.where(fv.any(1), fv.shape[1] - np.argmax(fv[:, ::-1], axis=1), 0)
    if "side_check" in ds.meta.columns:                     # orientation failures
        length = np.where(ds.meta["side_check"].to_numpy(object) == False, 0, length)  # noqa: E712
    pos = _fill_missing(a["positions"].astype(np.float32), ent_ok)
    pos, ok, length = _resample(pos, ent_ok.all(-1), length, ds.rate_hz, rate)
    src, start = _starts(length, ok, h, stride)
    frame = start[:, None] + np.arange(h)[None, :]                                 # (n_w, h)
    win_pos = pos[src[:, None], frame]                                             # (n_w, h, 11, 3)
    handler_src = a["handler"] if "handler" in a else np.full(fv.shape, -1, np.int8)
    f0 = np.minimum(np.rint(start * ds.rate_hz / rate).astype(int), fv.shape[1] - 1)
    perm = role_order(win_pos[:, 0], handler_src[src, f0])
    win_pos = np.take_along_axis(win_pos, perm[:, None, :, None], axis=2)
    chans = positions_to_windows(win_pos)
    prev = np.take_along_axis(pos[src, np.maximum(start - 1, 0)], perm[:, :, None], axis=1)
    has_prev = (start > 0) & ok[src, np.maximum(start - 1, 0)]
    first = np.where(has_prev[:, None], chans[:, 0] - positions_to_windows(prev), chans[:, 1] - chans[:, 0])
    win = with_velocity(chans, first).astype(np.float32)
    points = ds.meta["points"].to_numpy(np.float64) if "points" in ds.meta.columns else np.zeros(len(ds))
    split = (ds.meta["split"].to_numpy(object)[src] if "split" in ds.meta.columns
             else np.full(src.size, "", object))
    log.info("%d windows of %d frames at %.3f Hz from %d possessions", src.size, h, rate, len(ds))
    return WindowSet(win, np.ones((src.size, h), bool),
                     np.nan_to_num(ds.meta[reward].to_numpy(np.float32)[src]),
                     np.clip(np.nan_to_num(points), 0, 3).astype(np.int64)[src],
                     _window_handler(handler_src, src, frame, ds.rate_hz / rate, perm),
                     perm, src, start, split, rate, reward, (length[src] - 1).astype(np.int64))
