"""Features and training samples for the behaviour-cloned offense (:mod:`offline_rl.bc.offense`).

Everything is in the canonical orientation (the offense attacks the right hoop at
x = 88.75, y = 25), feet, seconds; slots ``[ball, off_0..4, def_0..4]``.

Two kinds of samples come out of a :class:`engine.possessions.dataset.PossessionSet`:

- movement: a frame ``t`` with frames ``t - 1`` and ``t + 1`` of the same possession,
  one frame interval apart, every entity tracked and no offensive player faster than
  ``glitch_ftps`` (identity swaps). Input: the state at ``t`` with velocities from
  ``t - 1 -> t``; target: each offensive player's displacement ``t -> t + 1`` (ft per frame).
- decision: a decision point (engine.possessions.labels: an offensive player holds the ball) with an
  action label HOLD / DRIVE / PASS (to an offensive slot) / SHOT.

Decision classes (``N_CLASSES = 8``): 0 hold, 1 drive, 2..6 pass to offensive slot 1..5,
7 shoot. A missing shot clock is imputed as ``24 - time since the possession started``
(capped by the game clock), the clock a possession restarts from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.court import (
    CORNER_LINE_LENGTH,
    COURT_LENGTH,
    THREE_ARC_RADIUS,
    THREE_CORNER_DIST,
)
from engine.possessions.dataset import PossessionSet
from engine.possessions.labels import Action
from engine.sim.step import DEF, OFF, SHOT_CLOCK_S, hoop_xy, segment_distance

N_CLASSES = 8
CLS_HOLD, CLS_DRIVE, CLS_PASS0, CLS_SHOT = 0, 1, 2, 7
N_MOVE = 31      # per-player movement features
N_CTX = 14       # handler context features of a decision
N_MATE = 10      # per-teammate features of a decision


@dataclass
class Frames:
    """A batch of states: pos (b, 11, 3) feet; vel (b, 11, 2) ft/s; holder (b,) long
    offensive slot 1..5 holding the ball or -1; shot_clock (b,) s; action (b,) long class
    of the holder's decision (-1 unknown); next_disp (b, 5, 2) ft per frame (movement
    target, NaN unknown); valid_move (b,) bool; jittered (b,) bool or None: the row is a
    perturbed state (:mod:`offline_rl.bc.augment`)."""

    pos: torch.Tensor
    vel: torch.Tensor
    holder: torch.Tensor
    shot_clock: torch.Tensor
    action: torch.Tensor
    next_disp: torch.Tensor
    valid_move: torch.Tensor
    jittered: torch.Tensor | None = None


def three_spot(xy: torch.Tensor) -> torch.Tensor:
    """(..., 2) feet -> (...,) bool: a shot from there is a three (right hoop)."""
    d = xy - hoop_xy(xy)
    corner = (xy[..., 0] >= COURT_LENGTH - CORNER_LINE_LENGTH) & (d[..., 1].abs() >= THREE_CORNER_DIST)
    return corner | (d.norm(dim=-1) >= THREE_ARC_RADIUS)


def _gather_slot(x: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
    """x (b, 11, c), slot (b,) -> (b, c)."""
    return torch.gather(x, 1, slot.clamp(0, 10)[:, None, None].expand(-1, 1, x.shape[-1]))[:, 0]


def action_onehot(holder: torch.Tensor, cls: torch.Tensor) -> torch.Tensor:
    """(b,) holder slot, (b,) class -> (b, 5, 4) one-hot of the holder's coarse action
    (hold, drive, pass, shot) on the holder's row, zeros elsewhere / when unknown."""
    coarse = torch.where(cls >= CLS_PASS0, 2, cls).where(cls < CLS_SHOT, torch.full_like(cls, 3))
    oh = torch.nn.functional.one_hot(coarse.clamp(0, 3), 4).to(torch.float32)
    oh = oh * (cls >= 0)[:, None].float()
    is_holder = (torch.arange(1, 6, device=holder.device)[None] == holder[:, None]).float()
    return is_holder[..., None] * oh[:, None, :]


def movement_features(f: Frames, act_onehot: torch.Tensor) -> torch.Tensor:
    """Per offensive player features (b, 5, N_MOVE = 31): own - hoop (2), hoop distance (1),
    own velocity (2, ft/s), ball - own (2), ball height (1), holder flag (1), ball held by
    the offense (1), holder - own (2), two nearest defenders - own (4), team-mates - own
    sorted by distance (8), shot clock / 24 (1), defender centroid - hoop (2), the
    holder's action one-hot (4, only on the holder's row)."""
    h = hoop_xy(f.pos)
    own = f.pos[:, OFF, :2]
    b = own.shape[0]
    ball = f.pos[:, 0, :2][:, None]
    held = (f.holder >= 1).float()
    is_holder = (torch.arange(1, 6, device=own.device)[None] == f.holder[:, None]).float()
    holder_xy = _gather_slot(f.pos[..., :2], f.holder)[:, None]
    to_holder = (holder_xy - own) * held[:, None, None]
    dfn = f.pos[:, DEF, :2][:, None] - own[:, :, None]               # (b, 5, 5, 2)
    order = dfn.norm(dim=-1).argsort(dim=-1)[..., :2]
    near = torch.gather(dfn, 2, order[..., None].expand(-1, -1, -1, 2)).reshape(b, 5, 4)
    mates = own[:, None] - own[:, :, None]                           # (b, 5, 5, 2) j - i
    order = mates.norm(dim=-1).argsort(dim=-1)[..., 1:]              # drop self (distance 0)
    mates = torch.gather(mates, 2, order[..., None].expand(-1, -1, -1, 2)).reshape(b, 5, 8)
    sc = (f.shot_clock / SHOT_CLOCK_S).clamp(0, 1)[:, None, None].expand(b, 5, 1)
    centroid = (f.pos[:, DEF, :2].mean(1) - h)[:, None].expand(b, 5, 2)
    return torch.cat([own - h, (own - h).norm(dim=-1, keepdim=True), f.vel[:, OFF],
                      ball - own, f.pos[:, 0, 2][:, None, None].expand(b, 5, 1),
                      is_holder[..., None], held[:, None, None].expand(b, 5, 1), to_holder,
                      near, mates, sc, centroid, act_onehot], dim=-1)


def decision_features(f: Frames) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Holder-centric features of a decision point.

    Returns ctx (b, N_CTX): holder - hoop (2), hoop distance (1), velocity (2), closing
    speed on the hoop (1), three-point spot (1), nearest defender offset (2) and distance
    (1), defenders within 6 ft (1), shot clock / 24 (1), defender centroid - hoop (2);
    mates (b, 5, N_MATE) per offensive slot: offset from the holder (2), distance (1),
    offset from the hoop (2), hoop distance (1), nearest defender distance (1), passing
    lane clearance (1), three-point spot (1), is-holder flag (1); self_mask (b, 5) bool.
    """
    h = hoop_xy(f.pos)
    xy = _gather_slot(f.pos[..., :2], f.holder)
    v = _gather_slot(f.vel, f.holder)
    to_h = h - xy
    closing = (v * to_h).sum(-1) / to_h.norm(dim=-1).clamp_min(1e-3)
    dfn = f.pos[:, DEF, :2] - xy[:, None]
    dd = dfn.norm(dim=-1)
    near = torch.gather(dfn, 1, dd.argmin(1)[:, None, None].expand(-1, 1, 2))[:, 0]
    ctx = torch.cat([xy - h, (xy - h).norm(dim=-1, keepdim=True), v, closing[:, None],
                     three_spot(xy).float()[:, None], near, dd.min(1).values[:, None],
                     (dd < 6.0).float().sum(1, keepdim=True),
                     (f.shot_clock / SHOT_CLOCK_S).clamp(0, 1)[:, None],
                     f.pos[:, DEF, :2].mean(1) - h], dim=-1)
    mates = f.pos[:, OFF, :2]
    rel = mates - xy[:, None]
    open_ft = (f.pos[:, DEF, :2][:, None] - mates[:, :, None]).norm(dim=-1).min(-1).values
    lane = torch.stack([segment_distance(f.pos[:, DEF, :2], xy, mates[:, k]).min(1).values
                        for k in range(5)], dim=1)
    self_mask = torch.arange(1, 6, device=xy.device)[None] == f.holder[:, None]
    m = torch.cat([rel, rel.norm(dim=-1, keepdim=True), mates - h,
                   (mates - h).norm(dim=-1, keepdim=True), open_ft[..., None], lane[..., None],
                   three_spot(mates).float()[..., None], self_mask.float()[..., None]], dim=-1)
    return ctx, m, self_mask


# ------------------------------------------------------------------ samples from data
def impute_shot_clock(ds: PossessionSet) -> np.ndarray:
    """(n, T) seconds: the shot clock, missing values filled with 24 - time since the
    possession started, capped by the game clock and at 0."""
    a = ds.arrays
    fill = np.minimum(np.clip(SHOT_CLOCK_S - a["time_s"], 0.0, SHOT_CLOCK_S), a["game_clock"])
    sc = np.where(np.isfinite(a["shot_clock"]), a["shot_clock"], fill)
    return np.nan_to_num(np.clip(sc, 0.0, SHOT_CLOCK_S), nan=SHOT_CLOCK_S).astype(np.float32)


def action_class(action: np.ndarray, target: np.ndarray, holder: np.ndarray) -> np.ndarray:
    """Label arrays (any shape) -> decision class (-1 where no usable label)."""
    cls = np.full(action.shape, -1, np.int64)
    cls[action == Action.HOLD] = CLS_HOLD
    cls[action == Action.DRIVE] = CLS_DRIVE
    cls[action == Action.SHOT] = CLS_SHOT
    ok_pass = (action == Action.PASS) & (target >= 1) & (target <= 5) & (target != holder)
    cls[ok_pass] = CLS_PASS0 + target[ok_pass].astype(np.int64) - 1
    cls[~((holder >= 1) & (holder <= 5))] = -1
    return cls


def decision_holder(ds: PossessionSet) -> np.ndarray:
    """(n, T) int64 offensive slot deciding at each frame, -1 none: the labelled handler,
    or at a shot release whose handler is not an attacker (at 2 Hz the ball has often
    left the hand, or a defender is nearest), the attacker nearest the ball."""
    a = ds.arrays
    h = a["handler"].astype(np.int64)
    off = (h >= 1) & (h <= 5)
    gap = np.linalg.norm(a["positions"][:, :, OFF, :2] - a["positions"][:, :, :1, :2], axis=-1)
    nearest = gap.argmin(-1) + 1
    shot = (a["action"] == Action.SHOT) & ~off
    return np.where(off, h, np.where(shot, nearest, -1))


def frame_index(ds: PossessionSet, dt_s: float, glitch_ftps: float) -> dict[str, np.ndarray]:
    """Usable frames (possession i, frame t): ``state`` (all tracked, frame t - 1 one interval
    earlier and tracked, or t = 0 with zero velocity), ``move`` (also t + 1 usable and no
    glitch), ``decision`` (state frame with a decision label). Returns (n, T) bool masks."""
    a = ds.arrays
    ok = a["frame_valid"] & a["valid"].all(-1)
    t = a["time_s"]
    gap = np.abs(np.diff(t, axis=1) - dt_s) < 0.3 * dt_s             # (n, T-1)
    pair = ok[:, :-1] & ok[:, 1:] & gap
    prev = np.concatenate([np.ones_like(ok[:, :1]), pair], axis=1)
    state = ok & prev
    step = np.linalg.norm(np.diff(a["positions"][:, :, OFF, :2], axis=1), axis=-1).max(-1)
    fine = pair & (step / dt_s < glitch_ftps)
    move = state & np.concatenate([fine, np.zeros_like(ok[:, :1])], axis=1)
    holder = decision_holder(ds)
    cls = action_class(a["action"], a["pass_target"], holder)
    return {"state": state, "move": move, "decision": state & (cls >= 0), "cls": cls,
            "holder": holder}


def gather_frames(ds: PossessionSet, rows: np.ndarray, cols: np.ndarray, dt_s: float,
                  shot_clock: np.ndarray, cls: np.ndarray, holder: np.ndarray) -> Frames:
    """Frames (rows[j], cols[j]) of ``ds`` -> :class:`Frames` (velocities from the
    previous frame, zero at a possession's first frame); shot_clock, cls, holder (n, T)."""
    a = ds.arrays
    pos = a["positions"][rows, cols].astype(np.float32)
    prv = a["positions"][rows, np.maximum(cols - 1, 0)].astype(np.float32)
    vel = np.where((cols > 0)[:, None, None], (pos - prv)[..., :2] / dt_s, 0.0)
    nxt = a["positions"][rows, np.minimum(cols + 1, a["positions"].shape[1] - 1)]
    disp = (nxt[:, OFF, :2] - pos[:, OFF, :2]).astype(np.float32)
    holder = holder[rows, cols]
    return Frames(pos=torch.from_numpy(pos), vel=torch.from_numpy(vel.astype(np.float32)),
                  holder=torch.from_numpy(holder),
                  shot_clock=torch.from_numpy(shot_clock[rows, cols]),
                  action=torch.from_numpy(cls[rows, cols]), next_disp=torch.from_numpy(disp),
                  valid_move=torch.ones(len(rows), dtype=torch.bool))


def sample_pairs(mask: np.ndarray, max_n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(n, T) bool -> (rows, cols) of at most ``max_n`` True cells, drawn by ``rng``."""
    idx = np.flatnonzero(mask.reshape(-1))
    if len(idx) > max_n:
        idx = np.sort(rng.choice(idx, size=max_n, replace=False))
    return np.divmod(idx, mask.shape[1])
