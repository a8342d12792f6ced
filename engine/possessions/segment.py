"""Tracked possessions: play-by-play possessions with their tracking attached.

For each possession from :func:`engine.possessions.from_pbp.segment_possessions` the
moments of its period whose game clock falls in [end_clock, start_clock) are
attached (the first possession of a period also owns the clock's start value). The
ten players are put in DESIGN slot order ``[ball, off_0..off_4, def_0..def_4]``
(each side's five most-present players, ordered by player id), positions are turned
to the canonical orientation (offense attacks the right hoop) using the per-period
attack directions decided from tracking, and shots, handler and action labels are
added. The play-by-play offense is checked against the tracked side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.court import COURT_LENGTH, to_canonical
from engine.possessions.align import (
    AlignConfig,
    attack_directions,
    ball_handler,
    find_release,
    moments_in_span,
    tracked_share,
)
from engine.possessions.labels import LabelConfig, label_actions
from engine.schema import N_ENTITIES, Tracking


@dataclass
class Possession:
    """One possession. Arrays have T frames in time order; slots as in DESIGN."""

    meta: dict                     # ids, teams, clocks, outcome, points, coverage, checks
    positions: np.ndarray          # (T, 11, 3) float32 feet, canonical orientation
    valid: np.ndarray              # (T, 11) bool
    player_ids: np.ndarray         # (11,) int64, -1 for the ball, 0 for an empty slot
    game_clock: np.ndarray         # (T,) float64 seconds left in the period
    shot_clock: np.ndarray         # (T,) float64 seconds, NaN missing
    time_s: np.ndarray             # (T,) float64 seconds since the first frame
    segment: np.ndarray            # (T,) int32 contiguous-run id (restarts per possession)
    handler: np.ndarray            # (T,) int8 slot holding the ball or -1
    action: np.ndarray             # (T,) int8 engine.possessions.labels.Action
    pass_target: np.ndarray        # (T,) int8 slot or -1
    shots: list[dict] = field(default_factory=list)

    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[0])


def frame_times(track: Tracking, idx: np.ndarray) -> np.ndarray:
    """Seconds since the first of the moments ``idx`` (time order).

    Timestamps when the source has them; otherwise one frame interval per step inside
    a segment (the clock may be stopped while play goes on) and the clock difference
    across segments.
    """
    if idx.size == 0:
        return np.zeros(0)
    if np.all(track.timestamp[idx] >= 0):
        return (track.timestamp[idx] - track.timestamp[idx[0]]) / 1000.0
    seg, clock = track.segment[idx], track.game_clock[idx]
    step = np.where(seg[1:] == seg[:-1], 1.0 / track.rate_hz,
                    np.maximum(clock[:-1] - clock[1:], 1.0 / track.rate_hz))
    return np.concatenate([[0.0], np.cumsum(step)])


def choose_slots(track: Tracking, idx: np.ndarray, offense: int, defense: int) -> np.ndarray:
    """(11,) player ids: ball, the offense's five most-present, the defense's five."""
    ids = np.full(N_ENTITIES, 0, np.int64)
    ids[0] = -1
    ent, team = track.entity_id[idx], track.team_id[idx]
    for base, tid in ((1, offense), (6, defense)):
        players, counts = np.unique(ent[team == tid], return_counts=True)
        top = players[np.argsort(-counts, kind="stable")][:5]
        ids[base:base + top.size] = np.sort(top)
    return ids


def gather(track: Tracking, idx: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moments ``idx`` re-slotted to ``ids``: (T, 11, 3) feet and (T, 11) valid."""
    ent = track.entity_id[idx]                                  # (T, E)
    match = (ent[:, None, :] == ids[None, :, None]) & track.valid[idx][:, None, :]
    match[:, ids == 0, :] = False
    src = match.argmax(axis=2)                                  # (T, 11)
    ok = match.any(axis=2)
    xyz = np.take_along_axis(track.xyz[idx], src[..., None], axis=1)
    xyz[~ok] = 0.0
    return xyz, ok


def build_possessions(track: Tracking, poss: pd.DataFrame, pbp_events: pd.DataFrame,
                      align: AlignConfig | None = None, labels: LabelConfig | None = None
                      ) -> list[Possession]:
    """Attach tracking to every play-by-play possession row (see module docstring)."""
    align = align or AlignConfig()
    directions = attack_directions(track, align)
    row_of = {num: i for i, num in enumerate(pbp_events["event_num"].to_numpy())}
    columns = {c: pbp_events[c].to_numpy() for c in
               ("player1_id", "clock", "msg_type", "is_three", "shot_distance_ft")}
    first_rows = poss.groupby("period")["start_clock"].transform("max") == poss["start_clock"]
    out, previous = [], []
    for row, first in zip(poss.itertuples(index=False), first_rows):
        idx = moments_in_span(track, row.period, row.start_clock, row.end_clock, bool(first))
        p = _one(track, idx, row._asdict(), directions.get(row.period, {}),
                 (row_of, columns), align, labels)
        nums = list(getattr(row, "event_nums", None) or [])
        p.meta["event_id_consistency"] = event_id_consistency(track.event_id[idx], nums + previous)
        previous = nums
        out.append(p)
    return out


def event_id_consistency(event_ids: np.ndarray, allowed: list[int]) -> float:
    """Share of attached moments whose SportVU event id is one of ``allowed`` (the
    possession's play-by-play events and the previous possession's, since an event's
    moments run into the next play); NaN when the source has no event ids."""
    known = event_ids >= 0
    if not known.any() or not allowed:
        return float("nan")
    return float(np.isin(event_ids[known], np.asarray(allowed)).mean())


def _one(track: Tracking, idx: np.ndarray, meta: dict, direction: dict[int, bool],
         lookup: tuple, align: AlignConfig, labels: LabelConfig | None
         ) -> Possession:
    off, dfn = int(meta["offense_team_id"]), int(meta["defense_team_id"])
    attacks_right = direction.get(off, True)
    ids = choose_slots(track, idx, off, dfn)
    xyz, ok = gather(track, idx, ids)
    pos = to_canonical(xyz, attacks_right).astype(np.float32)
    pos[~ok] = 0.0
    time_s = frame_times(track, idx)
    seg = track.segment[idx] - (track.segment[idx[0]] if idx.size else 0)
    handler = ball_handler(pos, ok, align)
    shots = _shots(track, idx, meta, lookup, attacks_right, align)
    action, target = label_actions(pos, handler, time_s,
                                   [s["frame"] for s in shots if s["frame"] >= 0], labels)
    meta = dict(meta)
    meta["n_frames"] = int(idx.size)
    meta["coverage"] = tracked_share(track.game_clock[idx], track.segment[idx],
                                     meta["start_clock"], meta["end_clock"], track.rate_hz)
    meta["attacks_right"] = bool(attacks_right)
    meta["side_check"] = _side_check(xyz, ok, attacks_right)
    meta["orientation_known"] = off in direction
    return Possession(meta=meta, positions=pos, valid=ok, player_ids=ids,
                      game_clock=track.game_clock[idx], shot_clock=track.shot_clock[idx],
                      time_s=time_s, segment=seg.astype(np.int32), handler=handler,
                      action=action, pass_target=target, shots=shots)


def _side_check(xyz: np.ndarray, ok: np.ndarray, attacks_right: bool) -> bool | None:
    """Do the ten players stand (median over frames) in the half the offense attacks?"""
    players = ok[:, 1:]
    if players.sum() < 10:
        return None
    mean_x = (xyz[:, 1:, 0] * players).sum(1) / np.maximum(players.sum(1), 1)
    return bool((np.median(mean_x[players.any(1)]) > COURT_LENGTH / 2) == attacks_right)


def _shots(track: Tracking, idx: np.ndarray, meta: dict, lookup: tuple,
           attacks_right: bool, align: AlignConfig) -> list[dict]:
    """Field-goal attempts of the possession with their release frame (-1 untracked).

    lookup: ({event_num: row}, {column: array}) of the game's play-by-play."""
    row_of, col = lookup
    shots = []
    for num in meta.get("shot_event_nums") or []:
        i = row_of[num]
        shooter, clock = int(col["player1_id"][i]), float(col["clock"][i])
        m = find_release(track, idx, shooter, clock, attacks_right, align) if idx.size else -1
        shots.append({"event_num": int(num), "shooter_id": shooter,
                      "made": int(col["msg_type"][i]) == 1, "is_three": bool(col["is_three"][i]),
                      "distance_ft": float(col["shot_distance_ft"][i]), "clock": clock,
                      "frame": int(np.searchsorted(idx, m)) if m >= 0 else -1})
    return shots
