"""Alignment of tracking to play-by-play: orientation, ball handler, shot release, coverage.

Tracking and play-by-play share only the period and the game clock: the play-by-play
clock has whole-second resolution and is logged 0-3 s after the action, and a
SportVU event id covers moments beyond its own play (see the data README). So every
match here is by period and clock window; event ids are a consistency check only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.court import COURT_LENGTH
from engine.schema import Tracking


@dataclass
class AlignConfig:
    handler_radius_ft: float = 3.0   # ball within this horizontal distance of a player...
    handler_max_z_ft: float = 9.0    # ...and below this height is held by him
    release_before_s: float = 6.0    # search the release this long before the logged clock
    release_after_s: float = 1.0     # ...and this long after it (whole-second logging)
    release_radius_ft: float = 4.5


def ball_handler(xyz: np.ndarray, valid: np.ndarray, cfg: AlignConfig | None = None) -> np.ndarray:
    """Entity slot holding the ball per moment, or -1 (in flight / loose / unknown).

    xyz (M, 11, 3) feet, valid (M, 11) -> (M,) int8 slot in 1..10 or -1.
    """
    cfg = cfg or AlignConfig()
    d = np.hypot(xyz[:, 1:, 0] - xyz[:, :1, 0], xyz[:, 1:, 1] - xyz[:, :1, 1])
    d = np.where(valid[:, 1:], d, np.inf)
    nearest = d.argmin(axis=1)
    held = (d.min(axis=1) <= cfg.handler_radius_ft) & (xyz[:, 0, 2] <= cfg.handler_max_z_ft)
    held &= valid[:, 0]
    return np.where(held, nearest + 1, -1).astype(np.int8)


def attack_directions(track: Tracking, cfg: AlignConfig | None = None) -> dict[int, dict[int, bool]]:
    """{period: {team_id: attacks_right}} decided from tracking alone.

    Vote: in every moment where a player holds the ball, his team is credited with the
    half of the court the ball is in (a half-court offense spends most of its time in
    the half it attacks). Each period's teams take the majority side; the other team
    attacks the other way.
    """
    slot = ball_handler(track.xyz, track.valid, cfg)
    held = slot > 0
    rows = np.flatnonzero(held)
    team = track.team_id[rows, slot[rows]]
    right = track.xyz[rows, 0, 0] > COURT_LENGTH / 2
    out: dict[int, dict[int, bool]] = {}
    for p in np.unique(track.period):
        in_p = track.period[rows] == p
        teams = [t for t in np.unique(team[in_p]) if t > 0]
        if not teams:
            continue
        score = {int(t): float(np.mean(right[in_p & (team == t)]) - 0.5) for t in teams}
        lead = max(score, key=lambda t: abs(score[t]))
        out[int(p)] = {t: (score[lead] > 0) == (t == lead) for t in score}
        if len(score) == 1:  # other team inferred when only one side held the ball
            out[int(p)][-lead] = score[lead] <= 0
    return out


def moments_in_span(track: Tracking, period: int, start_clock: float,
                    end_clock: float, first_of_period: bool = False) -> np.ndarray:
    """Indices of moments of ``period`` with end_clock <= clock < start_clock (time order)."""
    clock = track.game_clock
    hi = clock <= start_clock if first_of_period else clock < start_clock
    return np.flatnonzero((track.period == period) & hi & (clock >= end_clock))


def tracked_share(clock: np.ndarray, segment: np.ndarray, start_clock: float,
                  end_clock: float, rate_hz: float) -> float:
    """Share of the clock span [end_clock, start_clock] covered by tracking, in [0, 1].

    Covered time = sum of clock steps between consecutive moments of one segment, plus
    one frame interval per segment (its own frame). A stopped clock adds nothing.
    """
    span = start_clock - end_clock
    if clock.size == 0 or span <= 0:
        return 0.0 if span > 0 else float(clock.size > 0)
    same_seg = segment[1:] == segment[:-1]
    steps = np.clip(clock[:-1] - clock[1:], 0.0, None)
    covered = steps[same_seg].sum() + (np.count_nonzero(~same_seg) + 1) / rate_hz
    return float(min(covered / span, 1.0))


def find_release(track: Tracking, idx: np.ndarray, shooter_id: int, logged_clock: float,
                 attacks_right: bool, cfg: AlignConfig | None = None) -> int:
    """Moment index of the shot release, or -1 when the shooter is not tracked there.

    Candidates: moments in ``idx`` whose clock lies in [logged - after, logged + before]
    and where the shooter is within ``release_radius_ft`` of the ball. The release is the
    last candidate after which the ball leaves him (next moment: farther than the radius,
    or above ``handler_max_z_ft``); failing that, the last candidate. ``attacks_right``
    is kept for callers that orient the shot; the rule itself needs no hoop.
    """
    cfg = cfg or AlignConfig()
    clock = track.game_clock[idx]
    win = idx[(clock <= logged_clock + cfg.release_before_s)
              & (clock >= logged_clock - cfg.release_after_s)]
    if win.size == 0:
        return -1
    hit = (track.entity_id == shooter_id) & track.valid            # (M, E)
    cands = [int(i) for i in win if hit[i].any()
             and _ball_gap(track, i, int(hit[i].argmax())) <= cfg.release_radius_ft]
    for i in reversed(cands):
        nxt = i + 1
        if nxt >= len(track) or not hit[nxt].any():
            continue
        left = _ball_gap(track, nxt, int(hit[nxt].argmax())) > cfg.release_radius_ft
        if left or track.xyz[nxt, 0, 2] > cfg.handler_max_z_ft:
            return i
    return cands[-1] if cands else -1


def _ball_gap(track: Tracking, i: int, slot: int) -> float:
    """Horizontal ball-to-entity distance (ft) at moment i."""
    d = track.xyz[i, 0, :2] - track.xyz[i, slot, :2]
    return float(np.hypot(d[0], d[1]))
