"""Controlled pairs for checking a judge: a real possession and a copy of it with one
thing edited, where the instruction says which of the two is better.

Edits of the first shot (the shooter walks to a new release spot over the last
``walk`` frames before his release and stays there until the ball reaches the rim; the
ball moves with him and then flies in a straight line to the hoop, as before):
- ``to_corner``: release in the corner on the shooter's side (corner three);
- ``to_rim``: release 3.5 ft in front of the hoop (a shot at the rim);
- ``to_mid``: release 17 ft out on the shooter's side (a mid-range jumper).
Each edit is paired with instructions it should win (EDIT_INSTRUCTIONS).
"""

from __future__ import annotations

import numpy as np

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.tactics import read_trajectory

EDIT_INSTRUCTIONS = {
    "to_corner": ("no mid-range, shoot corner threes", "spot up in the corners and knock down threes"),
    "to_rim": ("attack the rim, no mid-range", "get layups at the basket, don't settle for jumpers"),
    "to_mid": ("take the mid-range pull-up jumper", "avoid corner threes and shots at the rim, hit the elbow jumper"),
}
SOURCE_ZONES = {"to_corner": ("mid_range",), "to_rim": ("mid_range", "above_break_three"),
                "to_mid": ("rim", "corner_three")}


def spot(edit: str, y: float) -> np.ndarray:
    side = 1.0 if y >= HOOP_Y else -1.0
    if edit == "to_corner":
        return np.array([89.5, HOOP_Y + side * 23.3])
    if edit == "to_rim":
        return np.array([RIGHT_HOOP_X - 3.5, HOOP_Y + side * 0.5])
    return np.array([RIGHT_HOOP_X - 12.0, HOOP_Y + side * 12.0])      # 16.97 ft, mid-range


def move_shot(pos: np.ndarray, shot: dict, edit: str, walk: int = 2) -> np.ndarray:
    """A copy of pos (h, 11, 3) with its shot ``shot`` (engine.tactics reading) moved."""
    out = np.array(pos, np.float64, copy=True)
    rel, arr, who = shot["frame"], shot["arrival"], shot["shooter"]
    new = spot(edit, shot["xy"][1])
    old = out[rel, who, :2].copy()
    for k in range(walk, -1, -1):                          # walk in: weight 1/3, 2/3, 1
        t = rel - k
        if t < 0:
            continue
        w = (walk + 1 - k) / (walk + 1)
        shift = w * (new - old)
        if np.linalg.norm(out[t, 0, :2] - out[t, who, :2]) < 4.0:
            out[t, 0, :2] += shift
        out[t, who, :2] += shift
    for t in range(rel + 1, arr + 1):
        out[t, who, :2] = new
    hoop = np.array([RIGHT_HOOP_X, HOOP_Y])
    for t in range(rel + 1, arr):
        f = (t - rel) / (arr - rel)
        out[t, 0, :2] = new + f * (out[arr, 0, :2] - new)
        out[t, 0, 2] = max(out[t, 0, 2], 10.0)
    out[arr, 0, :2] = hoop + 0.3 * (out[arr, 0, :2] - hoop)
    return out


def controlled_pairs(positions: list[np.ndarray], rate_hz: float, ids: list[str], n: int,
                     seed: int = 0) -> list[dict]:
    """Up to ``n`` pairs (dicts: edit, instruction, original, edited, id, edited_is_a)
    from real trajectories whose first shot suits an edit; A / B order drawn at random."""
    rng = np.random.default_rng(seed)
    out = []
    for pos, pid in zip(positions, ids):
        r = read_trajectory(pos, rate_hz)
        if not r.shots:
            continue
        s = r.shots[0]
        edits = [e for e, zones in SOURCE_ZONES.items() if s["zone"] in zones]
        if not edits or s["arrival"] - s["frame"] < 1:
            continue
        edit = edits[int(rng.integers(len(edits)))]
        edited = move_shot(pos, s, edit)
        instr = EDIT_INSTRUCTIONS[edit][int(rng.integers(2))]
        out.append({"edit": edit, "instruction": instr, "original": np.asarray(pos, np.float64),
                    "edited": edited, "id": pid, "edited_is_a": bool(rng.integers(2))})
        if len(out) >= n:
            break
    return out
