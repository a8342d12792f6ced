"""Where a simulated shot is released: the logged shot distance of a shooter tracked at
a body distance.

The make model (engine.outcomes.models) is fitted on the play-by-play's shot distance,
which the scorer reads at the release; a 2 Hz tracking frame catches the shooter's body
before the release, a few feet further out on drives (tracked shots of the training games:
bodies 3-5 ft from the hoop are logged at a median 2 ft, 67-81% within 3 ft). A simulator
that prices a shot, and reports its distance, at the body's distance shortchanges every
finish at the rim. The release model is the empirical inverse CDF of the logged distance
of two-point attempts per body-distance bin (:data:`BODY_EDGES_FT`), 11 quantiles each
(the same piecewise-linear scheme as the shot end times, engine.outcomes.timing); a
simulator draws the logged distance at a uniform and releases the ball from that distance
on the line from the body to the hoop, rounded to whole feet as the log has them. Threes keep the body's distance (their logged
distances and make rates hardly depend on it).

:func:`release_distance` (numpy); its torch and float twins are in
engine.outcomes.torch_eval and engine.outcomes.scalar_eval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BODY_EDGES_FT = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0,
                 20.0, 22.0)       # bin j: [edge j, edge j + 1); the last is open
QUANTILES = tuple(np.linspace(0.0, 1.0, 11))
MIN_SHOTS = 20                     # a thinner bin borrows its neighbour's quantiles
MAX_SHIFT_FT = 10.8                # the speed cap (20.7 ft/s) over one 0.52 s frame


def fit_release(shots: pd.DataFrame, cutoff: str) -> dict:
    """Release model from tracked two-point attempts of games before ``cutoff`` whose
    logged distance is read from the text (not filled) and lies within
    :data:`MAX_SHIFT_FT` of the body (no player covers more between the tracked frame and
    the release; farther pairs are alignment errors, e.g. a putback matched to a frame
    22 ft out): columns game_id, is_three, distance_ft, distance_is_filled,
    track_distance_ft. Returns {"edges_ft": [...],
    "quantiles_ft": [[11] per bin], "n": [per bin]}; {} without tracked shots."""
    need = {"track_distance_ft", "distance_ft", "is_three"}
    if not need <= set(shots):
        return {}
    s = shots[(shots["game_id"].astype(str) < cutoff) & shots["track_distance_ft"].notna()
              & ~shots["is_three"].astype(bool)]
    if "distance_is_filled" in s:
        s = s[~s["distance_is_filled"].astype(bool)]
    if len(s) < MIN_SHOTS:
        return {}
    body, logged = s["track_distance_ft"].to_numpy(float), s["distance_ft"].to_numpy(float)
    near = np.abs(logged - body) <= MAX_SHIFT_FT      # farther: a misaligned frame or shooter
    body, logged = body[near], logged[near]
    j = np.clip(np.searchsorted(BODY_EDGES_FT, body, side="right") - 1, 0, len(BODY_EDGES_FT) - 1)
    qs, ns = [], []
    for b in range(len(BODY_EDGES_FT)):
        v = logged[j == b]
        ns.append(int(len(v)))
        if len(v) < MIN_SHOTS:
            qs.append(None)
            continue
        q = np.quantile(v, [0.01, *QUANTILES[1:-1], 0.99])
        qs.append([float(x) for x in np.maximum.accumulate(q)])
    if all(q is None for q in qs):      # no bin has enough shots: no model
        return {}
    for b in range(len(qs)):            # borrow from the nearest bin with enough shots
        if qs[b] is None:
            near = min((k for k in range(len(qs)) if qs[k] is not None and ns[k] >= MIN_SHOTS),
                       key=lambda k: abs(k - b))
            qs[b] = list(qs[near])
    return {"edges_ft": list(BODY_EDGES_FT), "quantiles_ft": qs, "n": ns}


def release_distance(body_ft, is_three, u, edges, table) -> np.ndarray:
    """Logged distance (ft) of shots from ``body_ft`` at uniforms ``u`` (numpy, any
    shape); threes keep ``body_ft``. ``edges`` (nbins,), ``table`` (nbins, 11):
    piecewise-linear through the body bin's 11 quantiles, rounded to whole feet as the
    scorer logs it (half up). Torch and float twins:
    engine.outcomes.torch_eval, engine.outcomes.scalar_eval."""
    d = np.asarray(body_ft, float)
    j = np.clip(np.searchsorted(edges, d, side="right") - 1, 0, len(edges) - 1)
    t = np.clip(np.asarray(u, float), 0.0, 1.0) * 10.0
    i = np.minimum(np.floor(t), 9.0).astype(int)
    q = np.asarray(table, float)
    lo, hi = q[j, i], q[j, i + 1]
    return np.where(np.asarray(is_three, bool), d, np.floor(lo + (t - i) * (hi - lo) + 0.5))
