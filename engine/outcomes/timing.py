"""Timing and turnover rates measured on ~2 Hz tracking, for the batched simulator.

All measures keep games before the cutoff only (``game_id < cutoff``).

* **Pass speed** (ft/s). Over a completed pass the ball moves ``ball_ft`` between the
  passer's last held frame and the receiver's first (``elapsed_s``). At 2 Hz each end of
  that interval adds a random part of a frame, so ``elapsed = a + ball_ft / v`` on
  average: the least-squares slope over passes of 10-50 ft lasting at most
  ``MAX_PASS_S`` gives the flight speed ``v`` (``pass_speed_ftps``) and ``a`` the release /
  catch overhead including one frame interval of sampling (``pass_overhead_s``). The median
  of ``ball_ft / elapsed`` (``pass_speed_median_ftps``) is the ball's average speed over the
  whole logged pass, hands included: a lower bound on flight speed.
* **Shot flight** (s). From the release frame to the first frame with the ball within
  ``RIM_RADIUS_FT`` (horizontally) of the hoop; least squares ``elapsed = a + b d`` over
  shots released 6-30 ft from the hoop (``d`` from tracking). At the release frame the ball
  is already high (median 9.6 ft), i.e. mostly released, so only the arrival's sampling
  delay (half a frame on average) is taken off ``a``. ``shot_flight_s(d) = max(a + b d,
  SHOT_FLIGHT_MIN_S)``. Coarse: flights are a few frames long at 2 Hz.
* **Live-ball turnover hazard** (1/s of holding). Turnovers that are not pass
  interceptions and not shot-clock violations (a simulator runs its own shot clock):
  lost balls, travels, offensive fouls, out-of-bounds and un-stolen bad passes, other
  violations; divided by the seconds an offensive player holds the ball (frames with an
  offensive handler / frame rate), over possessions with ``coverage >= MIN_COVERAGE`` that
  were not truncated. The per-possession decomposition (interceptions, live, shot clock,
  held seconds and passes per possession) travels with it so a simulator can check that
  its total turnover rate matches the league's.
* **Non-shooting fouls** (1/s of holding): the league's non-shooting defensive fouls per
  possession (engine.outcomes.fouls) over the held seconds per possession above
  (``nonshooting_foul_per_s``, :func:`nonshooting_foul_hazard`).
* **Logged end of a shot's possession** (:func:`fit_shot_end`): seconds from the
  tracked release to the row that ends the logged possession.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.possessions.dataset import PossessionSet

MAX_PASS_S = 2.1             # longer "passes" are fumbles, bounces or lost frames
RIM_RADIUS_FT = 3.0
SHOT_FLIGHT_MIN_S = 0.25     # floor for the shortest shots (tip-ins, dunks)
SHOT_SEARCH_FRAMES = 6       # look this many frames past the release for the rim
MIN_COVERAGE = 0.9


def _before(df: pd.DataFrame, cutoff: str) -> pd.DataFrame:
    return df[df["game_id"].astype(str) < cutoff]


def fit_pass_speed(passes: pd.DataFrame, cutoff: str) -> dict[str, float]:
    """passes: engine.outcomes.passing.pass_table rows -> {pass_speed_ftps,
    pass_overhead_s, pass_speed_median_ftps, n_pass_timing}."""
    c = _before(passes, cutoff)
    c = c[(c["intercepted"] == 0) & (c["elapsed_s"] > 0) & (c["elapsed_s"] <= MAX_PASS_S)]
    med = float(np.median(c["ball_ft"] / c["elapsed_s"])) if len(c) else float("nan")
    c = c[(c["ball_ft"] >= 10) & (c["ball_ft"] <= 50)]
    if len(c) < 20:
        raise ValueError(f"too few timed passes before cutoff {cutoff} ({len(c)})")
    slope, icpt = np.polyfit(c["ball_ft"].to_numpy(float), c["elapsed_s"].to_numpy(float), 1)
    return {"pass_speed_ftps": float(1.0 / slope), "pass_overhead_s": float(icpt),
            "pass_speed_median_ftps": med, "n_pass_timing": len(c)}


def shot_flight_table(ds: PossessionSet) -> pd.DataFrame:
    """Tracked shots: game_id, distance_ft (release point to hoop, tracking), release_z_ft,
    elapsed_s (release frame to the first frame near the rim; NaN if never seen there)."""
    a, rows = ds.arrays, []
    n_frames = a["positions"].shape[1]
    for i, (gid, cell) in enumerate(zip(ds.meta["game_id"].astype(str), ds.meta["shots"])):
        for s in json.loads(cell) if isinstance(cell, str) else list(cell):
            f = int(s["frame"])
            if f < 0 or f >= n_frames or not a["valid"][i, f, 0]:
                continue
            ball = a["positions"][i, f:f + SHOT_SEARCH_FRAMES, 0].astype(float)
            seen = a["valid"][i, f:f + SHOT_SEARCH_FRAMES, 0] & a["frame_valid"][i, f:f + SHOT_SEARCH_FRAMES]
            gap = np.hypot(ball[:, 0] - RIGHT_HOOP_X, ball[:, 1] - HOOP_Y)
            near = np.flatnonzero(seen & (gap <= RIM_RADIUS_FT))
            near = near[near > 0]
            t = a["time_s"][i]
            rows.append({"game_id": gid, "distance_ft": float(gap[0]),
                         "release_z_ft": float(ball[0, 2]),
                         "elapsed_s": float(t[f + near[0]] - t[f]) if near.size else np.nan})
    return pd.DataFrame(rows, columns=["game_id", "distance_ft", "release_z_ft", "elapsed_s"])


def fit_shot_flight(flights: pd.DataFrame, cutoff: str, rate_hz: float) -> dict[str, float]:
    """flights: :func:`shot_flight_table` rows; rate_hz: tracking frame rate ->
    {shot_flight_s_intercept (s), shot_flight_s_slope (s/ft), shot_flight_min_s,
    n_shot_flight}."""
    c = _before(flights, cutoff).dropna(subset=["elapsed_s"])
    c = c[(c["distance_ft"] >= 6) & (c["distance_ft"] <= 30)]
    if len(c) < 20:
        raise ValueError(f"too few timed shots before cutoff {cutoff} ({len(c)})")
    slope, icpt = np.polyfit(c["distance_ft"].to_numpy(float), c["elapsed_s"].to_numpy(float), 1)
    return {"shot_flight_s_intercept": float(icpt - 0.5 / rate_hz),
            "shot_flight_s_slope": float(slope), "shot_flight_min_s": SHOT_FLIGHT_MIN_S,
            "n_shot_flight": len(c)}


def holding_table(ds: PossessionSet, turnovers: pd.DataFrame) -> pd.DataFrame:
    """Per possession: game_id, held_s (offensive holding, s), usable (coverage and not
    truncated), and its play-by-play turnovers by kind: n_interception, n_live,
    n_shot_clock (engine.outcomes.passing.pbp_turnovers)."""
    m = ds.meta
    hand = ds.arrays["handler"]
    held = (((hand >= 1) & (hand <= 5)) & ds.arrays["frame_valid"]).sum(axis=1) / ds.rate_hz
    kinds = {(g, int(e)): k for g, e, k in zip(turnovers["game_id"].astype(str),
                                               turnovers["event_num"], turnovers["kind"])}
    out = pd.DataFrame({"game_id": m["game_id"].astype(str).to_numpy(), "held_s": held,
                        "usable": (m["coverage"].to_numpy(float) >= MIN_COVERAGE)
                        & ~m["truncated"].to_numpy(bool)})
    counts = np.zeros((len(m), 3), np.int64)
    names = ("interception", "live", "shot_clock")
    for i, (g, nums) in enumerate(zip(out["game_id"], m["event_nums"])):
        for e in json.loads(nums) if isinstance(nums, str) else list(nums):
            k = kinds.get((g, int(e)))
            if k is not None:
                counts[i, names.index(k)] += 1
    for j, k in enumerate(names):
        out[f"n_{k}"] = counts[:, j]
    return out


def fit_turnover_hazard(holding: pd.DataFrame, passes: pd.DataFrame, cutoff: str) -> dict:
    """Live-ball turnover hazard and the per-possession decomposition (module docstring)
    over usable possessions of games before ``cutoff``."""
    h = _before(holding, cutoff)
    h = h[h["usable"]]
    if h.empty or h["held_s"].sum() <= 0:
        raise ValueError(f"no usable tracked possessions before cutoff {cutoff}")
    keep = set(h.index)
    p = _before(passes, cutoff)
    n = len(h)
    tov = h[["n_interception", "n_live", "n_shot_clock"]].sum()
    return {"live_turnover_per_s": float(tov["n_live"] / h["held_s"].sum()),
            "held_s_per_possession": float(h["held_s"].mean()),
            "interceptions_per_possession": float(tov["n_interception"] / n),
            "live_turnovers_per_possession": float(tov["n_live"] / n),
            "shot_clock_turnovers_per_possession": float(tov["n_shot_clock"] / n),
            "tracked_passes_per_possession": float(p["poss"].isin(keep).sum() / n),
            "n_hazard_possessions": n}


def nonshooting_foul_hazard(rates: dict) -> dict[str, float]:
    """{nonshooting_foul_per_s}: non-shooting fouls per possession / held s per possession
    (NaN when either is missing)."""
    per_poss = rates.get("nonshooting_fouls_per_possession", float("nan"))
    held = rates.get("held_s_per_possession", float("nan"))
    return {"nonshooting_foul_per_s": float(per_poss / held) if held and held > 0 else float("nan")}


END_QUANTILES = tuple(np.linspace(0.0, 1.0, 11))   # 0, 0.1, ..., 1 (ends: 1st / 99th pct)


def fit_shot_end(shots: pd.DataFrame, cutoff: str) -> dict:
    """Seconds from a tracked shot's release frame to the logged end of its possession
    (the made shot's row; a missed shot's rebound row; engine.outcomes.fouls), by result.
    shots: the shot table with release_clock (tracking, s left), end_clock (pbp), made and
    and_one. Returns {"shot_end_quantiles": {"made": [11], "missed": [11]}, "n_made",
    "n_missed"}: the quantiles at :data:`END_QUANTILES` (the 1st and 99th percentiles at
    the ends), a piecewise-linear inverse CDF the simulator draws from (no fixed timer).
    And-ones are left out: the whistle stops the clock at the release. {} when untracked."""
    if "release_clock" not in shots:
        return {}
    s = _before(shots, cutoff).dropna(subset=["release_clock", "end_clock"])
    s = s[~s["and_one"].astype(bool)]
    lag = (s["release_clock"] - s["end_clock"]).clip(lower=0.0)
    out: dict = {"shot_end_quantiles": {}}
    for name, m in (("made", s["made"].astype(bool)), ("missed", ~s["made"].astype(bool))):
        v = lag[m].to_numpy(float)
        if len(v) < 20:
            return {}
        q = np.quantile(v, [0.01, *END_QUANTILES[1:-1], 0.99])
        out["shot_end_quantiles"][name] = [float(x) for x in np.maximum.accumulate(q)]
        out[f"n_{name}"] = int(len(v))
    return out
