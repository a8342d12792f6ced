"""A minimal event detector over a tracked possession (canonical orientation).

Events are plain dicts with ``type`` in {pass, drive, shot, rebound, turnover}, the
``frame`` where they start and the slots involved:

- pass: a decision point labelled pass (``from`` -> ``to``);
- drive: a run of consecutive drive labels by one holder; ``depth_ft`` is the
  closest he got to the hoop during it, ``end_frame`` its last frame;
- shot: a play-by-play field-goal attempt at its aligned release frame;
- rebound / turnover: from the play-by-play rows inside the possession, placed at
  the frame whose clock is nearest the logged clock.
"""

from __future__ import annotations

import numpy as np

from engine.court import distance_to_hoop
from engine.labels import Action


def detect_events(poss, pbp_rows=None) -> list[dict]:
    """poss: engine.possessions.Possession; pbp_rows: its play-by-play rows (a DataFrame
    or dict of arrays with msg_type and clock), optional. Returns events sorted by frame."""
    events = _passes(poss) + _drives(poss)
    for s in poss.shots:
        if s["frame"] >= 0:
            slot = _slot_of(poss, s["shooter_id"])
            events.append({"type": "shot", "frame": s["frame"], "from": slot,
                           "made": s["made"], "is_three": s["is_three"]})
    if pbp_rows is not None and poss.n_frames:
        msg, clocks = np.asarray(pbp_rows["msg_type"]), np.asarray(pbp_rows["clock"])
        for kind, code in (("rebound", 4), ("turnover", 5)):
            for clock in clocks[msg == code]:
                frame = int(np.argmin(np.abs(poss.game_clock - clock)))
                events.append({"type": kind, "frame": frame})
    return sorted(events, key=lambda e: (e["frame"], e["type"]))


def _slot_of(poss, player_id: int) -> int:
    hit = np.flatnonzero(poss.player_ids == player_id)
    return int(hit[0]) if hit.size else -1


def _passes(poss) -> list[dict]:
    frames = np.flatnonzero(poss.action == Action.PASS)
    return [{"type": "pass", "frame": int(f), "from": int(poss.handler[f]),
             "to": int(poss.pass_target[f])} for f in frames]


def _drives(poss) -> list[dict]:
    is_drive = poss.action == Action.DRIVE
    out = []
    f = 0
    while f < is_drive.size:
        if not is_drive[f]:
            f += 1
            continue
        g = f
        while g + 1 < is_drive.size and is_drive[g + 1] and poss.handler[g + 1] == poss.handler[f]:
            g += 1
        slot = int(poss.handler[f])
        # the drive ends at the next frame (the step that closed on the hoop)
        end = min(g + 1, is_drive.size - 1)
        d = distance_to_hoop(poss.positions[f:end + 1, slot, :2], "right")
        out.append({"type": "drive", "frame": int(f), "end_frame": int(end), "from": slot,
                    "depth_ft": float(d.min())})
        f = g + 1
    return out
