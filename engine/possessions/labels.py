"""Decision points and action labels for a possession in canonical orientation.

At ~2 Hz a dribble is invisible, so labels are per decision point, not per frame: a
decision point is a frame where an offensive player holds the ball. Its label is

- ``shot``  the frame is the release the alignment assigned to a play-by-play shot;
- ``pass``  the next frame with a holder has a different offensive holder (target kept);
- ``drive`` the holder keeps the ball and closes on the hoop faster than ``drive_speed``
            from within ``drive_start_ft`` of it (bringing the ball up the floor is not a drive);
- ``hold``  otherwise.

Frames without an offensive holder are not decision points (label ``NONE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from engine.court import distance_to_hoop


class Action(IntEnum):
    NONE = -1
    HOLD = 0
    DRIVE = 1
    PASS = 2
    SHOT = 3


@dataclass
class LabelConfig:
    drive_speed_ftps: float = 4.0  # closing speed on the hoop that counts as a drive
    drive_start_ft: float = 30.0   # ...starting this close to the hoop (a few feet beyond the arc)


def decision_mask(handler: np.ndarray, action: np.ndarray) -> np.ndarray:
    """(..., T) bool decision points: an offensive slot (1..5) holds the ball, or the
    frame is a shot release (at 2 Hz the ball is often already in flight there).
    handler, action: same-shape arrays of slots and :class:`Action` codes."""
    handler = np.asarray(handler)
    return ((handler >= 1) & (handler <= 5)) | (np.asarray(action) == Action.SHOT)


def label_actions(pos: np.ndarray, handler: np.ndarray, time_s: np.ndarray,
                  release_frames: list[int], cfg: LabelConfig | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Label decision points of one possession.

    pos (T, 11, 3) canonical feet; handler (T,) slot or -1; time_s (T,) seconds;
    release_frames: frame indices of shot releases.
    Returns (action (T,) int8 of Action, pass_target (T,) int8 slot or -1).
    """
    cfg = cfg or LabelConfig()
    t_len = handler.shape[0]
    action = np.full(t_len, Action.NONE, np.int8)
    target = np.full(t_len, -1, np.int8)
    offense = (handler >= 1) & (handler <= 5)
    held = np.flatnonzero(handler > 0)
    hoop_d = distance_to_hoop(pos[:, :, :2], "right")  # (T, 11)
    for k, f in enumerate(held):
        if not offense[f]:
            continue
        nxt = held[k + 1] if k + 1 < held.size else -1
        action[f] = _label_one(f, nxt, handler, hoop_d, time_s, cfg)
        if action[f] == Action.PASS:
            target[f] = handler[nxt]
    for f in release_frames:
        if 0 <= f < t_len:
            action[f] = Action.SHOT
            target[f] = -1
    return action, target


def _label_one(f: int, nxt: int, handler: np.ndarray, hoop_d: np.ndarray,
               time_s: np.ndarray, cfg: LabelConfig) -> Action:
    if nxt < 0:
        return Action.HOLD
    if handler[nxt] != handler[f]:
        return Action.PASS if 1 <= handler[nxt] <= 5 else Action.HOLD
    dt = max(time_s[nxt] - time_s[f], 1e-6)
    start = hoop_d[f, handler[f]]
    closing = (start - hoop_d[nxt, handler[f]]) / dt
    drive = closing >= cfg.drive_speed_ftps and start <= cfg.drive_start_ft
    return Action.DRIVE if drive else Action.HOLD


def summarise_window(action: np.ndarray) -> int:
    """Coarse label of a run of fine-rate frames: shot > pass > drive (majority) > hold."""
    a = action[action >= 0]
    if a.size == 0:
        return int(Action.NONE)
    if (a == Action.SHOT).any():
        return int(Action.SHOT)
    if (a == Action.PASS).any():
        return int(Action.PASS)
    return int(Action.DRIVE) if (a == Action.DRIVE).mean() >= 0.5 else int(Action.HOLD)


def downsample_agreement(pos: np.ndarray, valid: np.ndarray, time_s: np.ndarray, step: int,
                         cfg: LabelConfig | None = None) -> dict:
    """Label at the native rate and at every ``step``-th frame; report agreement.

    pos (T, 11, 3) canonical feet, valid (T, 11), time_s (T,). The coarse label of
    frame i*step is compared with the summary of the fine labels in [i*step, (i+1)*step).
    Returns {"n", "agree", "by_label": {name: [n, agree]}}.
    """
    from engine.possessions.align import ball_handler

    fine, _ = label_actions(pos, ball_handler(pos, valid), time_s, [], cfg)
    coarse_pos = pos[::step]
    coarse, _ = label_actions(coarse_pos, ball_handler(coarse_pos, valid[::step]),
                              time_s[::step], [], cfg)
    out = {"n": 0, "agree": 0, "by_label": {}}
    for i, c in enumerate(coarse):
        ref = summarise_window(fine[i * step:(i + 1) * step])
        if c < 0 and ref < 0:
            continue
        name = Action(ref).name.lower()
        n_a = out["by_label"].setdefault(name, [0, 0])
        ok = int(c == ref)
        n_a[0] += 1
        n_a[1] += ok
        out["n"] += 1
        out["agree"] += ok
    return out
