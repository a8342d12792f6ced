"""Pass interception model fitted from tracked passes and play-by-play turnovers.

Labelling (one row per pass, positions of the release frame ``f``, canonical feet):

* **completed pass**: a decision point labelled ``Action.PASS`` (engine.possessions.labels: the next
  frame with a holder has another offensive holder, ``pass_target``). Lane: passer at ``f``
  -> receiver at ``f``. ``intercepted = 0``.
* **intercepted pass**: a possession whose outcome is ``turnover`` and whose ending
  play-by-play row is a *Bad Pass* turnover (EVENTMSGACTIONTYPE 1) credited with a steal
  (PLAYER2 on the other team; 90% of bad passes). The passer is the possession's last
  offensive holder, who must be the turnover's PLAYER1 and hold the ball no more than
  ``INTERCEPT_CLOCK_WINDOW_S`` before the logged clock (the log runs 0-3 s behind the play);
  no offensive player holds the ball after him by construction. The intended receiver is
  unknown: it is the teammate whose direction from the passer (at ``f``) is closest to the
  direction the ball travelled (passer -> first ball position after ``f`` more than
  ``BALL_LEFT_FT`` away), within ``MAX_AIM_DEG``. Using the receiver, not the point where
  the ball was caught, keeps the label out of the feature: the interceptor stands on the
  ball's path by definition. Lane: passer at ``f`` -> intended receiver at ``f``.
  ``intercepted = 1``.

Not interceptions: lost-ball steals (dribble strips), bad passes without a steal and
out-of-bounds bad passes (EVENTMSGACTIONTYPE 45). They belong to the live-ball turnover
hazard (engine.outcomes.timing).

Unlabelled interceptions (passer not the last holder, no receiver in the ball's
direction, ...) keep a row with NaN geometry; :func:`fit_interception` corrects its
intercept for them.

Features: ``lane_ft``, the closest tracked defender's distance to the lane segment, and
``pass_ft``, the passer-receiver distance. Model: logistic on ``log1p(min(lane, cap))``
and ``pass_ft / 10`` (both centred on the fit's means, ``centers``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.special import expit

from engine.logs.pbp import EventType, PlayByPlay
from engine.possessions.dataset import PossessionSet
from engine.possessions.labels import Action

log = logging.getLogger(__name__)

BAD_PASS_ACTION = 1          # EVENTMSGACTIONTYPE of "Bad Pass Turnover"
SHOT_CLOCK_ACTION = 11       # "Turnover: Shot Clock" (a simulator produces these itself)
INTERCEPT_CLOCK_WINDOW_S = (-1.0, 6.0)  # last hold minus logged clock, seconds
BALL_LEFT_FT = 4.0           # ball this far from the passer has left his hands
MAX_AIM_DEG = 45.0           # intended receiver within this angle of the ball's path
LANE_CAP_FT = 30.0           # lanes farther than this from every defender are "open"
PASS_COLUMNS = ("game_id", "poss", "frame", "passer", "receiver", "lane_ft", "pass_ft",
                "intercepted", "elapsed_s", "ball_ft")


def pbp_turnovers(pbp: PlayByPlay) -> pd.DataFrame:
    """Turnover rows of one game: game_id, event_num, period, clock (s left), action_type,
    player_id, team_id, steal (bool: PLAYER2 of the other team), kind: ``interception``
    (bad pass with a steal), ``shot_clock`` or ``live`` (every other turnover)."""
    ev = pbp.events[pbp.events["msg_type"] == EventType.TURNOVER]
    team = ev["team_id"].fillna(-1).to_numpy(np.int64)
    p2, p2_team = (ev[c].fillna(0).to_numpy(np.int64) for c in ("player2_id", "player2_team_id"))
    steal = (p2 > 0) & (p2_team > 0) & (p2_team != team)
    action = ev["action_type"].fillna(-1).to_numpy(np.int64)
    kind = np.where((action == BAD_PASS_ACTION) & steal, "interception",
                    np.where(action == SHOT_CLOCK_ACTION, "shot_clock", "live"))
    return pd.DataFrame({
        "game_id": pbp.game_id, "event_num": ev["event_num"].to_numpy(np.int64),
        "period": ev["period"].to_numpy(np.int64), "clock": ev["clock"].to_numpy(float),
        "action_type": action, "player_id": ev["player1_id"].fillna(0).to_numpy(np.int64),
        "team_id": team, "steal": steal, "kind": kind})


def lane_distance(passer: np.ndarray, receiver: np.ndarray, defenders: np.ndarray,
                  ok: np.ndarray) -> np.ndarray:
    """Closest defender's distance to the pass lane. passer, receiver (n, 2) feet;
    defenders (n, k, 2) feet; ok (n, k) bool (tracked) -> (n,) feet (inf: none tracked)."""
    seg = receiver - passer                                        # (n, 2)
    rel = defenders - passer[:, None, :]                           # (n, k, 2)
    den = np.maximum(np.sum(seg * seg, axis=-1), 1e-9)[:, None]
    t = np.clip(np.sum(rel * seg[:, None, :], axis=-1) / den, 0.0, 1.0)
    d = np.linalg.norm(rel - t[..., None] * seg[:, None, :], axis=-1)
    return np.where(ok, d, np.inf).min(axis=1)


def _lane_row(ds: PossessionSet, i: int, f: int, passer: int, receiver: int) -> dict | None:
    """Geometry of one pass at frame f of possession i between offense slots."""
    pos, valid = ds.arrays["positions"][i, f, :, :2].astype(float), ds.arrays["valid"][i, f]
    if not (valid[passer] and valid[receiver] and valid[6:11].any()):
        return None
    lane = lane_distance(pos[None, passer], pos[None, receiver], pos[None, 6:11], valid[None, 6:11])
    return {"game_id": str(ds.meta["game_id"].iat[i]), "poss": i, "frame": f, "passer": passer,
            "receiver": receiver, "lane_ft": float(lane[0]),
            "pass_ft": float(np.hypot(*(pos[receiver] - pos[passer])))}


def completed_passes(ds: PossessionSet) -> pd.DataFrame:
    """Every decision point labelled PASS (module docstring), with ``elapsed_s`` (release
    frame to the receiver's first held frame, s) and ``ball_ft`` (ball travel between them)."""
    a, rows = ds.arrays, []
    for i, f in zip(*np.nonzero(a["action"] == Action.PASS)):
        row = _lane_row(ds, int(i), int(f), int(a["handler"][i, f]), int(a["pass_target"][i, f]))
        if row is None:
            continue
        later = np.flatnonzero(a["handler"][i, f + 1:] > 0)
        g = f + 1 + later[0] if later.size else -1
        ok = g > 0 and a["valid"][i, f, 0] and a["valid"][i, g, 0]
        row.update(intercepted=0, elapsed_s=float(a["time_s"][i, g] - a["time_s"][i, f]) if ok
                   else np.nan, ball_ft=float(np.hypot(*(a["positions"][i, g, 0, :2] - a[
                       "positions"][i, f, 0, :2]))) if ok else np.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(PASS_COLUMNS))


def intended_receiver(ds: PossessionSet, i: int, f: int, passer: int) -> int:
    """Offense slot the ball was thrown towards from frame f (module docstring), or -1."""
    a = ds.arrays
    pos, valid = a["positions"][i, :, :, :2].astype(float), a["valid"][i]
    start = pos[f, passer]
    for g in range(f + 1, min(f + 4, pos.shape[0])):
        if not (a["frame_valid"][i, g] and valid[g, 0]):
            continue
        path = pos[g, 0] - start
        if np.hypot(*path) < BALL_LEFT_FT:
            continue
        mates = [s for s in range(1, 6) if s != passer and valid[f, s]]
        if not mates:
            return -1
        to = pos[f, mates] - start
        cos = to @ path / np.maximum(np.linalg.norm(to, axis=1) * np.linalg.norm(path), 1e-9)
        best = int(np.argmax(cos))
        return mates[best] if cos[best] >= np.cos(np.radians(MAX_AIM_DEG)) else -1
    return -1


def intercepted_passes(ds: PossessionSet, turnovers: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Passes that ended their possession in an interception (module docstring).
    turnovers: :func:`pbp_turnovers` rows of the games. Returns (rows, counts of the
    interceptions found and of those left unlabelled, by reason). An unlabelled one keeps
    a row with NaN geometry: the fit counts it to correct its intercept."""
    meta = ds.meta
    ends = meta.reset_index().merge(turnovers, left_on=["game_id", "end_event_num"],
                                    right_on=["game_id", "event_num"], how="inner")
    ends = ends[(meta["outcome"].to_numpy()[ends["index"]] == "turnover")
                & (ends["kind"] == "interception")]
    rows, why = [], {"found": len(ends), "no_holder": 0, "other_passer": 0, "clock": 0,
                     "no_receiver": 0, "untracked": 0}
    for i, pid, clock in zip(ends["index"], ends["player_id"], ends["clock"]):
        row, reason = _interception_row(ds, int(i), int(pid), float(clock))
        if reason:
            why[reason] += 1
            row = {"game_id": str(meta["game_id"].iat[i]), "poss": int(i), "frame": -1,
                   "passer": -1, "receiver": -1, "lane_ft": np.nan, "pass_ft": np.nan}
        rows.append({**row, "intercepted": 1, "elapsed_s": np.nan, "ball_ft": np.nan})
    return pd.DataFrame(rows, columns=list(PASS_COLUMNS)), why


def _interception_row(ds: PossessionSet, i: int, pid: int, clock: float) -> tuple[dict, str]:
    """(geometry row, "") of the intercepted pass ending possession i, or ({}, reason)."""
    a = ds.arrays
    h = a["handler"][i]
    held = np.flatnonzero((h >= 1) & (h <= 5))
    if held.size == 0:
        return {}, "no_holder"
    f, passer = int(held[-1]), int(h[held[-1]])
    lo, hi = INTERCEPT_CLOCK_WINDOW_S
    if a["player_ids"][i, passer] != pid:
        return {}, "other_passer"
    if not lo <= a["game_clock"][i, f] - clock <= hi:
        return {}, "clock"
    r = intended_receiver(ds, i, f, passer)
    if r < 0:
        return {}, "no_receiver"
    row = _lane_row(ds, i, f, passer, r)
    return (row, "") if row is not None else ({}, "untracked")


def pass_table(ds: PossessionSet, turnovers: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Completed and intercepted passes of ``ds`` (columns :data:`PASS_COLUMNS`) and the
    interception labelling counts."""
    done = completed_passes(ds)
    lost, why = intercepted_passes(ds, turnovers)
    log.info("%d completed and %d intercepted passes (%s)", len(done), len(lost), why)
    return pd.concat([done, lost], ignore_index=True), why


# ----------------------------------------------------------------------------- the model

def interception_design(lane_ft: np.ndarray, pass_ft: np.ndarray,
                        centers: dict[str, float]) -> np.ndarray:
    """(n,) lane and pass lengths in feet -> (n, 3) [1, log1p lane - c, pass / 10 - c]."""
    lane = np.log1p(np.clip(np.asarray(lane_ft, float), 0.0, LANE_CAP_FT))
    length = np.clip(np.asarray(pass_ft, float), 0.0, 94.0) / 10.0
    return np.column_stack([np.ones(lane.shape), lane - centers["log_lane"],
                            length - centers["pass_len"]])


def p_intercept(passing: dict, lane_ft, pass_ft, labelled: bool = False) -> np.ndarray:
    """P(intercepted) (n,) of passes with lane_ft / pass_ft (n,) feet under ``passing``
    (the ``OutcomeModels.passing`` dict); ``labelled``: on the scale of the labelled rows
    (uncorrected intercept, for evaluation against them)."""
    c = passing["coefficients"]
    b0 = passing["intercept_labelled"] if labelled else c["intercept"]
    x = interception_design(lane_ft, pass_ft, passing["centers"])
    return expit(x @ np.array([b0, c["log_lane"], c["pass_len"]]))


def fit_interception(passes: pd.DataFrame, cutoff: str, l2: float = 1e-6) -> dict:
    """Fit on the passes of games before ``cutoff``. passes: :func:`pass_table` rows.

    Interceptions left unlabelled (NaN geometry) are assumed missing at random: the
    intercept is raised by ``log(found / labelled)``, the case-control correction, so the
    model's rate over tracked passes matches all interceptions; ``intercept_labelled``
    keeps the uncorrected value (the scale of the labelled rows, used for evaluation).
    Returns {coefficients, intercept_labelled, centers, support (1st/99th percentiles,
    ft), n_passes, n_intercepted, n_intercepted_unlabelled, intercept_rate, lane_cap_ft}.
    """
    from engine.outcomes.stats import fit_logistic

    before = passes[passes["game_id"].astype(str) < cutoff]
    fit = before[np.isfinite(before["lane_ft"].to_numpy(float))]
    n_pos, n_all = int(fit["intercepted"].sum()), int(before["intercepted"].sum())
    if n_pos == 0:
        raise ValueError(f"no labelled intercepted passes in games before cutoff {cutoff}")
    lane, length = fit["lane_ft"].to_numpy(float), fit["pass_ft"].to_numpy(float)
    centers = {"log_lane": float(np.log1p(np.clip(lane, 0, LANE_CAP_FT)).mean()),
               "pass_len": float(np.clip(length, 0, 94).mean() / 10.0)}
    beta = fit_logistic(interception_design(lane, length, centers),
                        fit["intercepted"].to_numpy(float), l2)
    coef = dict(zip(("intercept", "log_lane", "pass_len"), map(float, beta)))
    labelled = coef["intercept"]
    coef["intercept"] = labelled + float(np.log(n_all / n_pos))
    pct = lambda v: [float(np.percentile(v, 1)), float(np.percentile(v, 99))]  # noqa: E731
    return {"coefficients": coef, "intercept_labelled": labelled, "centers": centers,
            "support": {"lane_ft": pct(lane), "pass_ft": pct(length)}, "n_passes": len(fit),
            "n_intercepted": n_pos, "n_intercepted_unlabelled": n_all - n_pos,
            "intercept_rate": float((n_all) / (len(fit) + n_all - n_pos)),
            "lane_cap_ft": LANE_CAP_FT}
