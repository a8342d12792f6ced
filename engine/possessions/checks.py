"""Alignment checks on an ingested possession dataset (used by tests and the datasheet).

- offense side: the play-by-play offense attacks the basket its players stand at;
- release: at the release frame the alignment assigned to each tracked shot, the
  shooter stands beyond the arc for three-point attempts and inside it for twos;
- coverage: distribution of each possession's tracked share of its clock span.
"""

from __future__ import annotations

import json

import numpy as np

from engine.court import is_three


def _shots(cell) -> list[dict]:
    return json.loads(cell) if isinstance(cell, str) else list(cell)


def release_checks(ds) -> dict:
    """{"three": {"n", "beyond"}, "two": {"n", "inside"}, "untracked": int} over tracked shots."""
    pos, ids = ds.arrays["positions"], ds.arrays["player_ids"]
    out = {"three": {"n": 0, "beyond": 0}, "two": {"n": 0, "inside": 0}, "untracked": 0}
    for i, cell in enumerate(ds.meta["shots"]):
        for s in _shots(cell):
            slot = np.flatnonzero(ids[i] == s["shooter_id"])
            if (s["frame"] < 0 or s["frame"] >= pos.shape[1] or slot.size == 0
                    or not ds.arrays["valid"][i, s["frame"], slot[0]]):
                out["untracked"] += 1
                continue
            beyond = bool(is_three(pos[i, s["frame"], slot[0], :2], "right"))
            key = "three" if s["is_three"] else "two"
            out[key]["n"] += 1
            out[key]["beyond" if key == "three" else "inside"] += int(beyond == (key == "three"))
    return out


def alignment_report(ds) -> dict:
    """All checks as one dict of shares and counts."""
    meta = ds.meta
    side = meta["side_check"].dropna().astype(bool)
    rel = release_checks(ds)
    cov = meta["coverage"].to_numpy()
    return {
        "offense_side_match": float(side.mean()) if len(side) else None,
        "side_checked": int(len(side)),
        "three_beyond_arc": rel["three"]["beyond"] / max(rel["three"]["n"], 1),
        "two_inside_arc": rel["two"]["inside"] / max(rel["two"]["n"], 1),
        "shots_checked": rel["three"]["n"] + rel["two"]["n"],
        "shots_untracked": rel["untracked"],
        "coverage_quantiles": {str(q): float(np.percentile(cov, q)) for q in (10, 25, 50, 75, 90)}
        if cov.size else {},
        "coverage_zero_share": float((cov == 0).mean()) if cov.size else None,
    }
