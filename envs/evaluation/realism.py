"""Realism report: simulated league-average possessions against the real ones.

The simulated side is the behaviour-cloned offense (:mod:`envs.offense_bc`) against the
behaviour-cloned defense (:mod:`envs.defense.bc`), both fitted on games before the
cutoff only, started from real held-out starting states (:class:`envs.starts.StartStates`:
each held-out possession's first frame with an attacker holding the ball in the front
court, all 11 entities tracked). When more rollouts are asked for than there are
starting states, every state is run once and the rest are a random second (third, ...)
run of distinct states, so every held-out possession carries (nearly) equal weight, as
in the play-by-play rates.

The real side, from the same held-out games only, like with like:

- period-dependent rates (points per possession, turnovers, offensive rebounds,
  three-point attempt rate, shot shares) from their play-by-play in the same periods as
  the simulated starts (the first quarters when the tracking covers first quarters;
  ``meta['real_periods']``), possession length from the starts' own possessions;
- FG% per distance bin from every period of the same games: shot-making does not depend
  on the quarter, and four quarters give four times the shots
  (:mod:`engine.possessions.from_pbp`, :func:`engine.outcomes.evaluation.pbp_shots`,
  :func:`engine.outcomes.evaluation.pbp_counts`);
- possession length and player speeds from their tracking, measured like for like: from
  the same starting frames to each possession's end (the play-by-play end clock);
  speeds of all ten players over consecutive fully tracked frames one interval apart,
  steps faster than ``glitch_ftps`` (identity swaps) dropped. Simulated speeds are the
  ten players' step speeds of every live step;
- passes per possession and the time from the start to the first shot: ONE event detector
  (engine.tactics.exact.read_trajectory) reads the simulated rollouts and the real
  possessions (from the start frame to the end, fully tracked ones only) at the same
  frame rate (:func:`trajectory_measures`).

Metrics (rates as fractions): ``simulated``, ``real``, ``difference`` (simulated - real;
for the two distributions the two-sample KS statistic, with the medians as simulated /
real), 95% intervals (Student t of means, normal approximation of rates; order-statistic
intervals of the medians) and ``pass`` = |difference| <= target. Shot bins by distance
to the hoop (ft): 0-3, 3-10, 10-16, 16 to the arc (two-pointers) and threes; shot shares:
rim = two-pointers under 3 ft, mid = other two-pointers, three.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from engine.possessions.dataset import PossessionSet
from engine.report import mean_ci95

BINS = (("fg_pct_0_3ft", 0.0, 3.0), ("fg_pct_3_10ft", 3.0, 10.0),
        ("fg_pct_10_16ft", 10.0, 16.0), ("fg_pct_16ft_arc", 16.0, np.inf))
METRIC_NAMES = ("points_per_possession", "turnover_rate", "offensive_rebound_rate",
                "three_point_attempt_rate", "fg_pct_0_3ft", "fg_pct_3_10ft", "fg_pct_10_16ft",
                "fg_pct_16ft_arc", "fg_pct_three", "shot_share_rim", "shot_share_mid",
                "shot_share_three", "possession_length_ks", "player_speed_ks",
                "passes_per_possession", "time_to_first_shot_ks")


def _default_targets() -> dict[str, float]:
    """Tolerances on |difference|: PPP 0.05, FG% per bin 0.04 (at least: :func:`fg_target`
    widens it to 2 standard errors of the difference), turnover rate 0.03 (the brief);
    offensive-rebound rate 0.03, three-point attempt rate and shot shares 0.05
    (about a tenth of the share); KS statistics 0.10 (distributions visibly alike)."""
    t = {"points_per_possession": 0.05, "turnover_rate": 0.03, "offensive_rebound_rate": 0.03,
         "three_point_attempt_rate": 0.05, "possession_length_ks": 0.10, "player_speed_ks": 0.10,
         "passes_per_possession": 0.5, "time_to_first_shot_ks": 0.10}
    t.update({name: 0.04 for name, _, _ in BINS})
    t["fg_pct_three"] = 0.04
    t.update({f"shot_share_{k}": 0.05 for k in ("rim", "mid", "three")})
    return t


@dataclass
class RealismConfig:
    """cutoff: held-out games have GAME_ID >= cutoff; n_starts: simulated possessions;
    batch: rows per rollout chunk; max_steps: steps before a rollout is cut;
    glitch_ftps: real steps faster than this are tracking glitches; targets: see
    :func:`_default_targets`."""

    cutoff: str = "0021500500"
    n_starts: int = 5000
    seed: int = 0
    batch: int = 1000
    max_steps: int = 120
    glitch_ftps: float = 35.0
    targets: dict[str, float] = field(default_factory=_default_targets)


def rollout_indices(n_pool: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) start rows: each of the n_pool states once per full pass, the last partial
    pass a random subset without repeats; shuffled."""
    reps = [rng.permutation(n_pool) for _ in range(-(-n // max(n_pool, 1)))]
    return rng.permutation(np.concatenate(reps)[:n]) if reps else np.zeros(0, np.int64)


# ------------------------------------------------------------------ simulated side
def sim_measures(parts: list[dict]) -> dict:
    """Rollout results of :func:`envs.simulate.simulate` -> numpy measures: points,
    turnover, length_s (per possession); shots DataFrame (distance_ft, is_three, made,
    fouled, row: the possession's index over all parts); oreb and live-miss counts; speeds (ft/s of all ten players, live steps);
    passes and first_shot_s (:func:`trajectory_measures` of each row until it ended)."""
    cat = lambda k: np.concatenate([p[k].cpu().numpy() for p in parts])  # noqa: E731
    speeds = []
    for p in parts:
        pos, done, dt = p["positions"][..., 1:, :2], p["done"], float(p["dt_s"])
        step = (pos[:, 1:] - pos[:, :-1]).norm(dim=-1) / dt          # (b, T-1, 10)
        speeds.append(step[~done[:, :-1]].reshape(-1).cpu().numpy())
    offsets = np.cumsum([0] + [len(p["points"]) for p in parts[:-1]])
    rows = np.concatenate([p["shot_row"].cpu().numpy() + o for p, o in zip(parts, offsets)])
    shots = pd.DataFrame({"distance_ft": cat("shot_distance_ft"), "is_three": cat("shot_is_three"),
                          "made": cat("shot_made"), "fouled": cat("shot_fouled"), "row": rows})
    live_miss = int((~shots["made"] & ~shots["fouled"]).sum())
    events = trajectory_measures([t for p in parts for t in sim_trajectories(p)],
                                 1.0 / float(parts[0]["dt_s"]))
    return {"points": cat("points"), "turnover": cat("turnover").astype(float),
            "length_s": cat("length_s"), "shots": shots, "oreb": int(cat("n_oreb").sum()),
            "live_miss": live_miss, "speeds": np.concatenate(speeds),
            "truncated": float(cat("truncated").mean()), **events}


# ------------------------------------------------------------------ real side
def in_periods(pbp, periods) -> object:
    """A copy of one game's play-by-play (engine.logs.pbp.PlayByPlay) keeping only the
    events of ``periods`` (None: all)."""
    if periods is None:
        return pbp
    ev = pbp.events
    return dataclasses.replace(pbp, events=ev[ev["period"].isin(list(periods))].reset_index(drop=True))


def real_pbp_measures(games: list, periods=None) -> dict:
    """Play-by-play of the held-out games (engine.logs.pbp.PlayByPlay list) -> points and
    turnover per possession, shots DataFrame, oreb / live-miss rebound counts, from the
    events of ``periods`` (None: all); ``shots_all``: the shots of every period (for FG%
    per bin); ``box``: the box-score counts of those periods (FGA, OREB, TOV, FTA,
    points) for the independent possession estimate."""
    from engine.outcomes.evaluation import pbp_counts, pbp_shots
    from engine.possessions.from_pbp import segment_possessions

    part = [in_periods(g, periods) for g in games]
    poss = pd.concat([segment_possessions(g) for g in part], ignore_index=True)
    cols = ["distance_ft", "is_three", "made"]
    shots_all = pd.concat([pbp_shots(g) for g in games], ignore_index=True)
    shots = pd.concat([pbp_shots(g) for g in part], ignore_index=True)
    counts = pd.DataFrame([pbp_counts(g) for g in part])
    box = {k: int(counts[k].sum()) for k in ("fga", "oreb", "fta")}
    box.update(tov=int(poss["n_tov"].sum()), points=int(poss["points"].sum()))
    return {"points": poss["points"].to_numpy(float),
            "turnover": (poss["outcome"] == "turnover").to_numpy(float),
            "team": poss["offense_team_id"].to_numpy(np.int64),
            "shot_team": shots.dropna(subset=cols)["team_id"].to_numpy(np.int64),
            "shots": shots[cols].dropna(), "shots_all": shots_all[cols].dropna(),
            "oreb": int(counts["oreb"].sum()), "live_miss": int(counts["fg_miss_rebounds"].sum()),
            "box": box}


def box_score_ppp(box: dict) -> float:
    """Points per possession with possessions = FGA - OREB + TOV + 0.44 FTA (the
    box-score estimate, ~2% above an exact count)."""
    n = box["fga"] - box["oreb"] + box["tov"] + 0.44 * box["fta"]
    return box["points"] / n if n > 0 else float("nan")


def start_rows(ds: PossessionSet, starts) -> np.ndarray:
    """(n,) row of ``ds`` holding each start's possession (game, period, possession index)."""
    key = {(str(g), int(p), int(i)): r for r, (g, p, i) in enumerate(
        zip(ds.meta["game_id"], ds.meta["period"], ds.meta["poss_index"]))}
    return np.array([key[(str(g), int(p), int(i))] for g, p, i in
                     zip(starts.game_id, starts.period, starts.poss_index)], np.int64)


def real_tracking_measures(ds: PossessionSet, starts, glitch_ftps: float) -> dict:
    """Like-for-like tracking measures of the starts' possessions in ``ds``: length_s
    (start frame's game clock - the possession's end clock) and speeds (ft/s, all ten
    players, from the start frame to the end)."""
    rows = start_rows(ds, starts)
    a, t0 = ds.arrays, starts.frame.astype(np.int64)
    end = ds.meta["end_clock"].to_numpy(float)[rows]
    gc = a["game_clock"][rows]
    length = np.clip(gc[np.arange(len(rows)), t0] - end, 0.0, None)
    tt = np.arange(gc.shape[1])[None]
    live = (tt >= t0[:, None]) & (gc >= end[:, None] - 1e-3)
    ok = a["frame_valid"][rows] & a["valid"][rows].all(-1) & live
    dt = np.diff(a["time_s"][rows], axis=1)
    pair = ok[:, :-1] & ok[:, 1:] & (np.abs(dt - 1.0 / ds.rate_hz) < 0.3 / ds.rate_hz)
    pos = a["positions"][rows][..., 1:, :2]
    spd = np.linalg.norm(np.diff(pos, axis=1), axis=-1) / np.where(pair, dt, 1.0)[..., None]
    spd = spd[pair].reshape(-1)
    return {"length_s": length, "speeds": spd[spd < glitch_ftps]}


def trajectory_measures(trajectories, rate_hz: float) -> dict:
    """Passes and time to the first shot of trajectories ((h, 11, 3) feet, canonical, every
    frame tracked) read by ONE event detector (engine.tactics.exact.read_trajectory) for
    both sides at the same frame rate: passes (per trajectory) and first_shot_s (seconds
    from the first frame to the first detected shot; only trajectories with one)."""
    from engine.tactics.exact import read_trajectory

    passes, first = [], []
    for pos in trajectories:
        r = read_trajectory(pos, rate_hz)
        passes.append(len(r.passes))
        if r.shots:
            first.append(min(x["frame"] for x in r.shots) / rate_hz)
    return {"passes": np.asarray(passes, float), "first_shot_s": np.asarray(first, float)}


def sim_trajectories(part: dict) -> list[np.ndarray]:
    """Each row's positions of a :func:`envs.simulate.simulate` result, from the start to
    the frame its possession ended (the whole rollout when cut)."""
    pos, done = part["positions"].cpu().numpy(), part["done"].cpu().numpy()
    end = np.where(done.any(1), done.argmax(1), done.shape[1] - 1)
    return [pos[i, : end[i] + 1] for i in range(len(pos))]


def real_trajectories(ds: PossessionSet, starts) -> tuple[list[np.ndarray], int]:
    """The starts' possessions in ``ds`` from the start frame to the possession's end
    (play-by-play end clock), where every frame from the start on is tracked and one
    frame interval apart; and the number left out (a gap or an untracked entity)."""
    a, out, left = ds.arrays, [], 0
    for r, t0 in zip(start_rows(ds, starts), starts.frame):
        live = np.flatnonzero(a["frame_valid"][r] & (a["game_clock"][r] >= ds.meta["end_clock"].iloc[r] - 1e-3))
        live = live[live >= int(t0)]
        dt = np.diff(a["time_s"][r][live])
        ok = (len(live) > 0 and a["valid"][r][live].all()
              and np.all(np.abs(dt - 1.0 / ds.rate_hz) < 0.3 / ds.rate_hz) and np.all(np.diff(live) == 1))
        if ok:
            out.append(a["positions"][r][live].astype(np.float64))
        else:
            left += 1
    return out, left


# ------------------------------------------------------------------ comparison
def _shot_indicators(shots: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (indicator values, for the metric's population) of a shots table."""
    d, three = shots["distance_ft"].to_numpy(float), shots["is_three"].to_numpy(bool)
    made = shots["made"].to_numpy(float)
    out = {"three_point_attempt_rate": three.astype(float), "fg_pct_three": made[three],
           "shot_share_rim": (~three & (d < 3.0)).astype(float),
           "shot_share_mid": (~three & (d >= 3.0)).astype(float),
           "shot_share_three": three.astype(float)}
    for name, lo, hi in BINS:
        out[name] = made[~three & (d >= lo) & (d < hi)]
    return out


def _entry(sim: tuple, real: tuple, target: float | None, diff: float | None = None) -> dict:
    d = sim[0] - real[0] if diff is None else diff
    ok = None if target is None or not np.isfinite(d) else bool(abs(d) <= target)
    return {"simulated": sim[0], "real": real[0], "difference": float(d),
            "simulated_ci95": [sim[1], sim[2]], "real_ci95": [real[1], real[2]],
            "target": target, "pass": ok}


def _rate(count: int, n: int) -> tuple[float, float, float]:
    p = count / n if n else float("nan")
    half = 1.96 * np.sqrt(p * (1 - p) / n) if n else float("nan")
    return p, p - half, p + half


def median_ci95(v: np.ndarray) -> tuple[float, float, float]:
    """Median and its order-statistic 95% interval (binomial ranks n/2 +- 1.96 sqrt(n)/2)."""
    v = np.sort(np.asarray(v, float))
    n = v.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    half = 1.96 * np.sqrt(n) / 2
    lo, hi = int(max(np.floor(n / 2 - half), 0)), int(min(np.ceil(n / 2 + half), n - 1))
    return float(np.median(v)), float(v[lo]), float(v[hi])


def fg_target(base: float | None, sim_made: np.ndarray, real_made: np.ndarray) -> float | None:
    """Tolerance of an FG% bin: max(``base``, 2 x the standard error of the difference of
    the two make rates from both sides' shot counts) (issue 11: a bin with few simulated
    shots cannot be held to 0.04)."""
    if base is None or not len(sim_made) or not len(real_made):
        return base
    var = lambda x: float(np.mean(x)) * (1.0 - float(np.mean(x))) / len(x)  # noqa: E731
    return max(base, 2.0 * float(np.sqrt(var(sim_made) + var(real_made))))


def compare(sim: dict, real: dict, targets: dict[str, float]) -> dict[str, dict]:
    """The metrics table of the module docstring (name -> entry)."""
    t = lambda k: targets.get(k)  # noqa: E731
    m = {"points_per_possession": _entry(mean_ci95(sim["points"]), mean_ci95(real["points"]),
                                         t("points_per_possession")),
         "turnover_rate": _entry(mean_ci95(sim["turnover"]), mean_ci95(real["turnover"]),
                                 t("turnover_rate")),
         "offensive_rebound_rate": _entry(_rate(sim["oreb"], sim["live_miss"]),
                                          _rate(real["oreb"], real["live_miss"]),
                                          t("offensive_rebound_rate"))}
    s_ind, r_ind = _shot_indicators(sim["shots"]), _shot_indicators(real["shots"])
    r_all = _shot_indicators(real.get("shots_all", real["shots"]))   # FG%: every period
    for name in METRIC_NAMES[3:12]:
        r = r_all if name.startswith("fg_pct") else r_ind
        target = fg_target(t(name), s_ind[name], r[name]) if name.startswith("fg_pct") else t(name)
        m[name] = _entry(mean_ci95(s_ind[name]), mean_ci95(r[name]), target)
    for name, key in (("possession_length_ks", "length_s"), ("player_speed_ks", "speeds")):
        ks = float(ks_2samp(sim[key], real[key]).statistic)
        m[name] = _entry(median_ci95(sim[key]), median_ci95(real[key]), t(name), diff=ks)
    if "passes" in sim and "passes" in real:      # one event detector on both sides
        m["passes_per_possession"] = _entry(mean_ci95(sim["passes"]), mean_ci95(real["passes"]),
                                            t("passes_per_possession"))
        both = len(sim["first_shot_s"]) and len(real["first_shot_s"])
        ks = float(ks_2samp(sim["first_shot_s"], real["first_shot_s"]).statistic) if both else float("nan")
        m["time_to_first_shot_ks"] = _entry(median_ci95(sim["first_shot_s"]),
                                            median_ci95(real["first_shot_s"]),
                                            t("time_to_first_shot_ks"), diff=ks)
    return m


def team_table(sim: dict, real: dict, names: dict | None = None, min_poss: int = 20) -> dict:
    """Team-level validity: per offense team, simulated vs real points per possession and
    shot shares (rim / mid / three as in :func:`compare`), and the correlation across teams
    (Pearson) of each. ``sim``: points (n,), team (n,), shots with a ``team`` column;
    ``real``: points, team, shots and shot_team (real_pbp_measures). Teams with fewer than
    ``min_poss`` simulated or real possessions are listed but left out of the
    correlations."""
    names = names or {}
    rows = []
    for t in sorted(set(np.asarray(sim["team"]).tolist()) & set(np.asarray(real["team"]).tolist())):
        row = {"team": names.get(t, str(t)), "team_id": int(t)}
        for side, pts, team, shots, shot_team in (
                ("sim", sim["points"], sim["team"], sim["shots"], sim["shots"]["team"].to_numpy()),
                ("real", real["points"], real["team"], real["shots"], real["shot_team"])):
            mine = np.asarray(team) == t
            row[f"n_{side}"] = int(mine.sum())
            row[f"ppp_{side}"] = float(np.mean(np.asarray(pts)[mine])) if mine.any() else float("nan")
            ind = _shot_indicators(shots[np.asarray(shot_team) == t])
            for k in ("rim", "mid", "three"):
                v = ind[f"shot_share_{k}"]
                row[f"{k}_{side}"] = float(v.mean()) if len(v) else float("nan")
        rows.append(row)
    use = [r for r in rows if min(r["n_sim"], r["n_real"]) >= min_poss]
    corr = {}
    for k in ("ppp", "rim", "mid", "three"):
        a = np.array([r[f"{k}_sim"] for r in use]), np.array([r[f"{k}_real"] for r in use])
        ok = np.isfinite(a[0]) & np.isfinite(a[1])
        varied = ok.sum() >= 3 and a[0][ok].std() > 0 and a[1][ok].std() > 0
        corr[k] = float(np.corrcoef(a[0][ok], a[1][ok])[0, 1]) if varied else float("nan")
    return {"teams": rows, "correlation": corr, "n_teams_correlated": len(use), "min_poss": min_poss}


def markdown_table(report: dict) -> str:
    """realism.json contents -> a markdown page with the metrics table."""
    meta = report["meta"]
    lines = [f"# Realism: BC offense vs BC defense ({meta['n_starts']} simulated possessions "
             f"from {meta['n_distinct_starts']} starting states of {meta['n_games']} held-out "
             f"games, GAME_ID >= {meta['cutoff']})", "",
             "| metric | simulated | 95% CI | real | 95% CI | difference | target | pass |",
             "|---|---|---|---|---|---|---|---|"]
    f = lambda v: "" if v is None else f"{v:.3f}"  # noqa: E731
    for name, e in report["metrics"].items():
        lines.append(f"| {name} | {f(e['simulated'])} | [{f(e['simulated_ci95'][0])}, "
                     f"{f(e['simulated_ci95'][1])}] | {f(e['real'])} | [{f(e['real_ci95'][0])}, "
                     f"{f(e['real_ci95'][1])}] | {f(e['difference'])} | {f(e['target'])} | "
                     f"{'' if e['pass'] is None else ('yes' if e['pass'] else 'no')} |")
    lines += ["", "KS rows: simulated / real are medians (s, ft/s); difference is the KS "
              "statistic."]
    teams = report.get("teams")
    if teams:
        g = lambda v: "" if v is None else f"{v:.3f}"  # noqa: E731
        c = teams["correlation"]
        lines += ["", f"## Per offense team (correlation across the {teams['n_teams_correlated']} "
                  f"teams with >= {teams['min_poss']} possessions on both sides: PPP {g(c['ppp'])}, "
                  f"rim {g(c['rim'])}, mid {g(c['mid'])}, three {g(c['three'])})", "",
                  "| team | sim poss | sim PPP | real poss | real PPP | rim sim / real | "
                  "mid sim / real | three sim / real |", "|---|---|---|---|---|---|---|---|"]
        for r in teams["teams"]:
            lines.append(f"| {r['team']} | {r['n_sim']} | {g(r['ppp_sim'])} | {r['n_real']} | "
                         f"{g(r['ppp_real'])} | {g(r['rim_sim'])} / {g(r['rim_real'])} | "
                         f"{g(r['mid_sim'])} / {g(r['mid_real'])} | {g(r['three_sim'])} / "
                         f"{g(r['three_real'])} |")
    lines += ["", __doc__.split("\n\n", 1)[1]]
    return "\n".join(lines) + "\n"
