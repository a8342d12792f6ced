"""Tables for the outcome models (from play-by-play and tracking) and their held-out
evaluation: Brier scores, reliability tables, sign checks, support coverage and the
expected-points effect of the player adjustments.

Shot table (:func:`pbp_shots`): one row per field-goal attempt: game_id, event_num,
period, clock (s left), shooter_id, shooter_name, team_id, made, is_three, distance_ft,
distance_is_filled, shot_kind, and_one, end_clock (engine.outcomes.fouls.pbp_shot_ends).
:func:`tracking_shot_features` adds, per (game_id, event_num) of tracked shots:
defender_ft (closest defender to the shooter at the release frame, feet), angle_deg
(0 = straight at the hoop, 90 = along the baseline), shot_clock (s, NaN unknown),
track_distance_ft (shooter to hoop at the release frame: where the simulator places a
shot), approach_ftps (the shooter's speed toward the hoop over the frame before the
release, ft/s; NaN when that frame is untracked or not one frame interval earlier) and
release_clock (game clock at the release frame, s left in the period).
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
from scipy.special import expit

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.logs.pbp import EventType, PlayByPlay
from engine.outcomes.fouls import pbp_foul_counts, pbp_shot_ends
from engine.outcomes.models import TRACK_COLUMNS, OutcomeModels
from engine.outcomes.passing import pbp_turnovers
from engine.possessions.dataset import PossessionSet
from engine.possessions.from_pbp import segment_possessions

log = logging.getLogger(__name__)

# EVENTMSGACTIONTYPE of fouls that send the shooter to the line: "S.FOUL" (2) and
# "Shooting Block Foul" (29), checked against the descriptions of the real logs.
SHOOTING_FOUL_ACTIONS = (2, 29)


def pbp_shots(pbp: PlayByPlay) -> pd.DataFrame:
    """Field-goal attempts of one game (module docstring), in logical order."""
    ev = pbp.events
    fga = ev[ev["msg_type"].isin((EventType.MADE_FG, EventType.MISSED_FG))]
    return pd.DataFrame({
        "game_id": pbp.game_id, "event_num": fga["event_num"].to_numpy(np.int64),
        "period": fga["period"].to_numpy(np.int64), "clock": fga["clock"].to_numpy(float),
        "shooter_id": fga["player1_id"].fillna(0).to_numpy(np.int64),
        "shooter_name": fga["player1_name"].to_numpy(object),
        "team_id": fga["team_id"].fillna(-1).to_numpy(np.int64),
        "team": fga["player1_team_abbreviation"].to_numpy(object),
        "made": (fga["msg_type"] == EventType.MADE_FG).to_numpy(),
        "is_three": fga["is_three"].to_numpy(bool),
        "distance_ft": fga["shot_distance_ft"].to_numpy(float),
        "distance_is_filled": fga["distance_is_filled"].to_numpy(bool),
        "shot_kind": fga["shot_kind"].to_numpy(object)}).merge(
            pbp_shot_ends(pbp).drop(columns="game_id"), on="event_num", how="left")


def _fg_miss_rebounds(ev: pd.DataFrame) -> tuple[int, int]:
    """(live rebounds of missed field goals, offensive ones); placeholder rebounds and
    rebounds of missed free throws are not counted."""
    pending, n, oreb = False, 0, 0
    rows = zip(ev["msg_type"].to_numpy(), ev["is_offensive_rebound"].to_numpy(bool),
               ev["is_placeholder_rebound"].to_numpy(bool))
    for msg, off, placeholder in rows:
        if msg == EventType.MISSED_FG:
            pending = True
        elif msg in (EventType.MADE_FG, EventType.FREE_THROW):
            pending = False  # a later rebound belongs to this shot or free throw
        elif msg == EventType.REBOUND and not placeholder and pending:
            n, oreb, pending = n + 1, oreb + int(off), False
    return n, oreb


def pbp_counts(pbp: PlayByPlay) -> dict:
    """One game's counts for :func:`engine.outcomes.models.league_rates` (all periods)."""
    ev = pbp.events
    ft = ev[ev["msg_type"] == EventType.FREE_THROW]
    reb, oreb = _fg_miss_rebounds(ev)
    poss = segment_possessions(pbp)
    fouls = (ev["msg_type"] == EventType.FOUL) & ev["action_type"].isin(SHOOTING_FOUL_ACTIONS)
    tov = pbp_turnovers(pbp)["kind"]
    return {**pbp_foul_counts(pbp, poss), "interceptions": int((tov == "interception").sum()),
            "shot_clock_turnovers": int((tov == "shot_clock").sum()),"game_id": pbp.game_id,
            "fga": int(ev["msg_type"].isin((EventType.MADE_FG, EventType.MISSED_FG)).sum()),
            "fta": len(ft), "ftm": int(ft["ft_made"].sum()), "fg_miss_rebounds": reb,
            "oreb": oreb, "shooting_fouls": int(fouls.sum()), "possessions": len(poss),
            "turnover_ends": int((poss["outcome"] == "turnover").sum()),
            "turnovers": int(poss["n_tov"].sum())}


def _shots_of(cell) -> list[dict]:
    return json.loads(cell) if isinstance(cell, str) else list(cell)


def _approach(ds: PossessionSet, i: int, f: int, slot: int) -> float:
    """Speed (ft/s) of ``slot`` toward the right hoop from frame f - 1 to f of possession
    i; NaN when either frame is untracked or they are not one frame interval apart."""
    a = ds.arrays
    if f < 1 or not (a["valid"][i, f - 1, slot] and a["valid"][i, f, slot]):
        return float("nan")
    dt = float(a["time_s"][i, f] - a["time_s"][i, f - 1])
    if abs(dt * ds.rate_hz - 1.0) > 0.3:
        return float("nan")
    p0, p1 = a["positions"][i, f - 1, slot, :2].astype(float), a["positions"][i, f, slot, :2].astype(float)
    hoop = np.array([RIGHT_HOOP_X, HOOP_Y])
    return float((np.hypot(*(hoop - p0)) - np.hypot(*(hoop - p1))) / dt)


def tracking_shot_features(ds: PossessionSet) -> pd.DataFrame:
    """Release-frame features of every tracked shot of ``ds`` (module docstring).

    Needs native frames (``rate_hz=None`` ingest): the shot's ``frame`` indexes them.
    A shot whose frame lies beyond the stored frames, whose shooter is not in an offense
    slot or is untracked at that frame, or with no tracked defender is left out.
    """
    pos, valid, sclock = ds.arrays["positions"], ds.arrays["valid"], ds.arrays["shot_clock"]
    ids, rows = ds.arrays["player_ids"], []
    for i, (gid, cell) in enumerate(zip(ds.meta["game_id"].astype(str), ds.meta["shots"])):
        for s in _shots_of(cell):
            f = int(s["frame"])
            slot = np.flatnonzero(ids[i, 1:6] == s["shooter_id"])
            if f < 0 or f >= pos.shape[1] or slot.size == 0 or not valid[i, f, 1 + slot[0]]:
                continue
            xy = pos[i, f, 1 + slot[0], :2].astype(float)
            dfn = valid[i, f, 6:11]
            if not dfn.any():
                continue
            gap = np.hypot(*(pos[i, f, 6:11, :2][dfn].astype(float) - xy).T).min()
            dx, dy = RIGHT_HOOP_X - xy[0], abs(xy[1] - HOOP_Y)
            rows.append({"game_id": gid, "event_num": int(s["event_num"]), "defender_ft": gap,
                         "angle_deg": float(np.degrees(np.arctan2(dy, dx))),
                         "shot_clock": float(sclock[i, f]),
                         "track_distance_ft": float(np.hypot(dx, dy)),
                         "approach_ftps": _approach(ds, i, f, 1 + slot[0]),
                         "release_clock": float(ds.arrays["game_clock"][i, f])})
    cols = ["game_id", "event_num", *TRACK_COLUMNS, "track_distance_ft", "approach_ftps",
            "release_clock"]
    return pd.DataFrame(rows, columns=cols).drop_duplicates(["game_id", "event_num"])


def merge_tracking(shots: pd.DataFrame, track: pd.DataFrame) -> pd.DataFrame:
    """Left-join tracking features onto the pbp shot table (NaN where untracked)."""
    out = shots.drop(columns=[c for c in track.columns if c in shots and c not in
                              ("game_id", "event_num")])
    return out.merge(track, on=["game_id", "event_num"], how="left")


# ----------------------------------------------------------------------------- evaluation

def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of probabilities p (n,) against outcomes y (n,) in {0, 1}."""
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-width bins of predicted probability: lo, hi, n, mean predicted, observed rate."""
    idx = np.clip((np.asarray(p) * bins).astype(int), 0, bins - 1)
    out = []
    for b in range(bins):
        m = idx == b
        out.append({"lo": b / bins, "hi": (b + 1) / bins, "n": int(m.sum()),
                    "predicted": float(p[m].mean()) if m.any() else None,
                    "observed": float(np.mean(y[m])) if m.any() else None})
    return out


def sign_checks(models: OutcomeModels) -> dict[str, bool | float]:
    """Makes fall with distance (two-point grid 0-23 ft, three-point grid 23.75-35 ft,
    untracked, and tracked at the average context) and rise with defender distance."""
    out = {}
    for name, d, three in (("twos", np.arange(0.0, 23.5, 0.5), False),
                           ("threes", np.arange(23.75, 35.0, 0.25), True)):
        for tracked in (False, True):
            f = {"distance_ft": d, "is_three": np.full(d.shape, three)}
            if tracked:
                f.update(defender_ft=np.full(d.shape, 4.0), angle_deg=np.full(d.shape, 30.0),
                         shot_clock=np.full(d.shape, 12.0))
            p = models.p_make(f)
            out[f"falls_with_distance_{name}_{'tracked' if tracked else 'pbp'}"] = bool(
                np.all(np.diff(p) <= 1e-12))
    gaps = np.arange(0.0, 15.0, 0.5)
    f = {"distance_ft": np.full(gaps.shape, 15.0), "is_three": np.zeros(gaps.shape, bool),
         "defender_ft": gaps, "angle_deg": np.full(gaps.shape, 30.0),
         "shot_clock": np.full(gaps.shape, 12.0)}
    p = models.p_make(f)
    out["rises_with_defender_distance"] = bool(np.all(np.diff(p) >= -1e-12) and p[-1] > p[0])
    out["p_15ft_defender_0ft"], out["p_15ft_defender_6ft"] = float(p[0]), float(p[12])
    return out


def outside_support(models: OutcomeModels, shots: pd.DataFrame) -> dict[str, float]:
    """Share of ``shots`` outside the fit's 1st-99th percentile, per feature and any
    (tracking features only count where present)."""
    out, anywhere = {}, np.zeros(len(shots), bool)
    for name, (lo, hi) in ((k, v) for k, v in models.support.items() if v):
        v = shots[name].to_numpy(float)
        bad = np.isfinite(v) & ((v < lo) | (v > hi))
        out[name], anywhere = float(bad.mean()) if len(v) else 0.0, anywhere | bad
    out["any"] = float(anywhere.mean()) if len(shots) else 0.0
    return out


def _rates_heldout(models: OutcomeModels, counts: pd.DataFrame) -> list[dict]:
    """Fitted league rates next to the held-out games' observed rates (with binomial SE)."""
    from engine.outcomes.models import league_rates

    obs = league_rates(counts)
    pairs = (("ft_pct", "n_fta"), ("oreb_rate", "n_fg_miss_rebounds"),
             ("shooting_foul_rate", "n_fga"), ("turnover_rate", "n_possessions"))
    out = []
    for name, n in pairs:
        p = models.rates[name]
        se = float(np.sqrt(p * (1 - p) / obs[n])) if obs[n] else float("nan")
        out.append({"rate": name, "fitted": p, "heldout": obs[name], "n_heldout": obs[n],
                    "se": se})
    return out


def team_offsets(models: OutcomeModels, team_ids) -> np.ndarray:
    """Shrunk team logit offsets (n,) of team_ids (n,); 0 for unknown teams."""
    return np.array([models.teams.get(int(t), {}).get("logit_adj", 0.0)
                     for t in np.asarray(team_ids)], float)


def expected_points_change(models: OutcomeModels, shots: pd.DataFrame, by: str,
                           min_fga: int = 200, top: int = 4, source: str = "players") -> list[dict]:
    """Expected points per 100 FGA with minus without the adjustments of ``source``
    ("players": shooter offsets, "teams": team offsets), grouped by ``by`` ("shooter_id"
    or "team_id") over ``shots``; the ``top`` largest gains and losses among groups with
    at least ``min_fga`` attempts. ``d_pts_per_100_poss`` scales the change by the league's
    field-goal attempts per possession (``rates``: n_fga / n_possessions)."""
    value = np.where(shots["is_three"].to_numpy(bool), 3.0, 2.0)
    base = models.logit_make(shots, player_adjust=False)
    if source == "teams":
        adjusted = expit(base + team_offsets(models, shots["team_id"]))
    else:
        adjusted = models.p_make(shots)
    delta = value * (adjusted - expit(base))
    fga_per_poss = models.rates.get("n_fga", np.nan) / max(models.rates.get("n_possessions", 0), 1)
    g = pd.DataFrame({"key": shots[by].to_numpy(), "delta": delta,
                      "made": shots["made"].to_numpy(float),
                      "name": shots["shooter_name" if by == "shooter_id" else "team"].to_numpy()})
    agg = g.groupby("key").agg(n=("delta", "size"), d=("delta", "mean"),
                               fg=("made", "mean"), name=("name", "first"))
    agg = agg[agg["n"] >= min_fga].sort_values("d")
    pick = pd.concat([agg.tail(top).iloc[::-1], agg.head(top)])
    return [{by: int(k), "name": str(r["name"]), "fga": int(r["n"]),
             "fg_pct": round(float(r["fg"]), 3), "d_pts_per_100": round(100 * float(r["d"]), 2),
             "d_pts_per_100_poss": round(100 * float(r["d"]) * fga_per_poss, 2)}
            for k, r in pick.iterrows()]


def evaluate(models: OutcomeModels, heldout: pd.DataFrame, heldout_counts: pd.DataFrame,
             fit_shots: pd.DataFrame, heldout_passes: pd.DataFrame | None = None) -> dict:
    """Held-out evaluation: Brier and reliability of full / distance / constant models on
    all held-out shots and on the tracked ones, sign checks, support, rate checks, the
    expected-points effect of the player and team adjustments (on the fit shots) and,
    with ``heldout_passes`` and a passing model, the interception model
    (engine.outcomes.evaluation_passing)."""
    from engine.outcomes.evaluation_passing import evaluate_passing

    if (heldout["game_id"].astype(str) < models.cutoff).any():
        raise ValueError("held-out shots include games before the cutoff")
    y, tracked = heldout["made"].to_numpy(float), heldout["defender_ft"].notna().to_numpy()
    rep: dict = {"cutoff": models.cutoff, "n_games_fit": len(models.games_fit),
                 "n_games_heldout": int(heldout["game_id"].nunique()),
                 "n_shots_heldout": len(y), "n_tracked_heldout": int(tracked.sum()),
                 "brier": {}, "reliability": {}}
    preds = {"full+players": models.p_make(heldout)}
    for kind in ("full", "distance", "constant"):
        preds[kind] = models.p_make(heldout, kind, player_adjust=False)
    for name, p in preds.items():
        rep["brier"][name] = {"all": brier(p, y), "tracked": brier(p[tracked], y[tracked])}
        rep["reliability"][name] = reliability(p, y)
    rep["sign_checks"] = sign_checks(models)
    rep["outside_support"] = outside_support(models, heldout)
    rep["rates"] = _rates_heldout(models, heldout_counts)
    rep["players"] = expected_points_change(models, fit_shots, "shooter_id")
    rep["teams"] = expected_points_change(models, fit_shots, "team_id", min_fga=1000, top=3)
    if models.teams:
        rep["team_offsets"] = expected_points_change(models, fit_shots, "team_id", min_fga=1000,
                                                     top=3, source="teams")
    rep["kappa"], rep["coefficients"] = models.kappa, models.coefficients
    if heldout_passes is not None and models.passing:
        rep["passing"] = evaluate_passing(models, heldout_passes)
        rep["passing_model"] = {k: v for k, v in models.passing.items() if k != "labelling"}
    rep["sim_rates"] = {k: v for k, v in models.rates.items() if not k.startswith("n_")}
    return rep


def _table(rows: list[dict], cols: list[str]) -> list[str]:
    fmt = lambda v: "" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)  # noqa: E731
    return (["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            + ["| " + " | ".join(fmt(r[c]) for c in cols) + " |" for r in rows])


def report_markdown(rep: dict) -> str:
    """The evaluation report (:func:`evaluate`) as markdown."""
    lines = [f"# Outcome models: held-out evaluation (cutoff {rep['cutoff']})", "",
             f"Fit: {rep['n_games_fit']} games before the cutoff. Held out: "
             f"{rep['n_games_heldout']} games, {rep['n_shots_heldout']} field-goal attempts "
             f"({rep['n_tracked_heldout']} tracked).", "", "## Brier score (lower is better)", ""]
    lines += _table([{"model": k, **v} for k, v in rep["brier"].items()],
                    ["model", "all", "tracked"])
    for name, rows in rep["reliability"].items():
        lines += ["", f"## Reliability: {name}", ""]
        lines += _table(rows, ["lo", "hi", "n", "predicted", "observed"])
    lines += ["", "## Sign checks", ""] + [f"- {k}: {v}" for k, v in rep["sign_checks"].items()]
    lines += ["", "## Held-out queries outside the fit's 1st-99th percentile", ""]
    lines += [f"- {k}: {v:.4f}" for k, v in rep["outside_support"].items()]
    lines += ["", "## League rates: fitted vs held-out", ""]
    lines += _table(rep["rates"], ["rate", "fitted", "heldout", "n_heldout", "se"])
    lines += ["", f"## Player adjustments (empirical Bayes, kappa = {rep['kappa']:.1f})", "",
              "Expected points per 100 FGA, adjusted minus league model, on the fit shots.", ""]
    cols = ["fga", "fg_pct", "d_pts_per_100", "d_pts_per_100_poss"]
    lines += _table(rep["players"], ["shooter_id", "name"] + cols)
    lines += ["", "Teams, summing their shooters' offsets:", ""]
    lines += _table(rep["teams"], ["team_id", "name"] + cols)
    if "team_offsets" in rep:
        lines += ["", "Teams, shrunk team offsets (use instead of the shooters' offsets):", ""]
        lines += _table(rep["team_offsets"], ["team_id", "name"] + cols)
    if "passing" in rep:
        from engine.outcomes.evaluation_passing import passing_markdown
        lines += passing_markdown(rep, rep["sim_rates"], _table)
    return "\n".join(lines) + "\n"
