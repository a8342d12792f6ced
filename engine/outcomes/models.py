"""Outcome models fitted from the logs: shot make probability, free throws, rebounds,
shooting fouls and turnovers, with empirical-Bayes player adjustments.

Shot make probability is a logistic model on a design matrix (:func:`design`) of

* a piecewise-linear distance basis (``d`` and hinges ``max(d - k, 0)`` at
  :attr:`FeatureSpec.knots`; feet, clipped to ``max_distance_ft``) and ``is_three``,
  available for every play-by-play field-goal attempt (distance from the text, or the
  documented fill of :data:`engine.logs.pbp.FILL_DISTANCE_FT`);
* where the shot is tracked: the closest defender's distance to the shooter at release
  (``log1p`` of feet, capped), the shot angle to the hoop (degrees / 90; 0 = straight
  on, 90 = along the baseline) and the shot clock at release (s / 24, plus a late-clock
  hinge ``max(4 - s, 0) / 4``). Tracking terms are centred on the fit's tracked means and
  multiplied by a ``tracked`` indicator, so an untracked shot uses the pbp-only part
  and the indicator absorbs the average difference between tracked and untracked shots.

Player adjustment: shooter ``i`` with ``n`` attempts, ``m`` makes and ``e`` expected
makes (sum of model probabilities) has true rate ``theta ~ Beta(kappa r, kappa (1 - r))``,
``r = e / n``; ``kappa`` maximises the beta-binomial marginal likelihood over shooters;
the posterior mean ``(m + kappa r) / (n + kappa)`` becomes a logit offset added to every
shot of that shooter. Few attempts are pulled to the league, many barely.

Version 2 adds the pass interception model (``passing``, engine.outcomes.passing), the
simulator's timing and turnover rates (engine.outcomes.timing), per-player free-throw
percentages and shrunk team offsets (engine.outcomes.fit). Torch and numpy batch
evaluators for a simulator live in engine.outcomes.torch_eval / engine.outcomes.numpy_eval.

Everything is saved as a small versioned JSON (:meth:`OutcomeModels.save`); no pickles.
The models fitted on the real 2015-16 logs ship with the package: :func:`default_models`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from engine.atomic import write_text_atomic
from engine.outcomes.kinds import KINDS, fit_kind_model, kind_group, kind_probs
from engine.outcomes.stats import (
    fit_kappa,
    fit_logistic,
    fit_logistic_bounded,
    round_floats,
    shrink,
)

log = logging.getLogger(__name__)

VERSION = 3  # 2: pass interception model, timing rates, FT% and team offsets;
# 3: shot kinds in the make model, the kind model, foul rates, logged shot-end times
TRACK_COLUMNS = ("defender_ft", "angle_deg", "shot_clock")


@dataclass
class FeatureSpec:
    """How raw shot features become model columns (units: feet, degrees, seconds)."""

    knots: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 22.0, 26.0)
    max_distance_ft: float = 47.0        # heaves beyond half court are treated as 47 ft
    defender_cap_ft: float = 15.0        # farther than this counts as "open" all the same
    late_clock_s: float = 4.0
    shot_kinds: bool = True              # kind offsets (engine.outcomes.kinds) in the model
    centers: dict[str, float] = field(default_factory=lambda: {
        "defender": 0.0, "angle": 0.0, "clock": 0.0, "late": 0.0})


@dataclass
class OutcomeConfig:
    """Fitting options. ``cutoff``: games with GAME_ID < cutoff are fitted, the rest held out."""

    cutoff: str = "0021500500"
    l2: float = 1e-6                     # ridge per shot on the non-intercept coefficients
    spec: FeatureSpec = field(default_factory=FeatureSpec)


def _col(features, name: str, n: int) -> np.ndarray:
    """Column ``name`` of a DataFrame / dict as float64, NaN when absent."""
    if isinstance(features, pd.DataFrame):
        return features[name].to_numpy(np.float64) if name in features else np.full(n, np.nan)
    v = features.get(name)
    return np.full(n, np.nan) if v is None else np.asarray(v, np.float64).reshape(n)


def raw_terms(features, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """Uncentred tracking terms and masks: features (n rows) -> dict of (n,) arrays.

    ``tracked``: defender distance and angle known; ``has_clock``: shot clock known too.
    """
    n = len(np.asarray(features["distance_ft"]))
    dfn, ang, clk = (_col(features, c, n) for c in TRACK_COLUMNS)
    tracked = np.isfinite(dfn) & np.isfinite(ang)
    has_clock = tracked & np.isfinite(clk) & (clk >= 0) & (clk <= 24)
    clk = np.clip(np.nan_to_num(clk, nan=24.0), 0.0, 24.0)
    return {"tracked": tracked.astype(float), "has_clock": has_clock.astype(float),
            "defender": np.log1p(np.clip(np.nan_to_num(dfn), 0.0, spec.defender_cap_ft)),
            "angle": np.clip(np.abs(np.nan_to_num(ang)), 0.0, 180.0) / 90.0,
            "clock": clk / 24.0,
            "late": np.maximum(spec.late_clock_s - clk, 0.0) / spec.late_clock_s}


def _kinds_of(features, n: int) -> np.ndarray:
    """The shot_kind column (n,), or "jumper" (the baseline) everywhere when absent."""
    has = "shot_kind" in features if isinstance(features, (pd.DataFrame, dict)) else False
    return np.asarray(features["shot_kind"], object) if has else np.full(n, "jumper", object)


def design(features, spec: FeatureSpec, kind: str = "full") -> tuple[np.ndarray, list[str]]:
    """Model matrix. features: DataFrame / dict with distance_ft (n,) feet, is_three (n,)
    bool, shot_kind (n,) (engine.logs.pbp.shot_kind; absent: every shot a jumper) and,
    for ``kind="full"``, defender_ft, angle_deg, shot_clock (NaN = untracked).

    Returns (X (n, k) float64 with an intercept column first, column names).
    ``kind``: "full", "distance" (distance basis + is_three) or "constant".
    """
    d = np.clip(np.asarray(features["distance_ft"], np.float64), 0.0, spec.max_distance_ft)
    n = d.shape[0]
    cols, names = [np.ones(n)], ["intercept"]
    if kind == "constant":
        return np.column_stack(cols), names
    cols.append(d / 10.0)
    names.append("dist")
    for k in spec.knots:
        cols.append(np.maximum(d - k, 0.0) / 10.0)
        names.append(f"dist_gt_{k:g}")
    cols.append(np.asarray(features["is_three"], np.float64).reshape(n))
    names.append("is_three")
    if spec.shot_kinds:
        group = kind_group(_kinds_of(features, n))
        cols += [(group == k).astype(float) for k in KINDS[:-1]]
        names += [f"kind_{k}" for k in KINDS[:-1]]
    if kind == "full":
        t = raw_terms(features, spec)
        c = spec.centers
        cols += [t["tracked"], t["tracked"] * (t["defender"] - c["defender"]),
                 t["tracked"] * (t["angle"] - c["angle"]),
                 t["has_clock"] * (t["clock"] - c["clock"]),
                 t["has_clock"] * (t["late"] - c["late"]), t["tracked"] - t["has_clock"]]
        names += ["tracked", "log_defender", "angle", "shot_clock", "late_clock", "clock_missing"]
    elif kind != "distance":
        raise ValueError(f"unknown model kind {kind!r} (full, distance, constant)")
    return np.column_stack(cols), names


def player_adjustments(shots: pd.DataFrame, p: np.ndarray) -> tuple[float, dict[int, dict]]:
    """Empirical-Bayes logit offsets per shooter. shots: shooter_id, made (n,);
    p (n,) league-model probabilities. Returns (kappa, {shooter_id: {n, made, expected,
    logit_adj}})."""
    g = pd.DataFrame({"sid": shots["shooter_id"].to_numpy(np.int64),
                      "made": shots["made"].to_numpy(float), "p": p})
    g = g[g["sid"] > 0].groupby("sid").agg(n=("made", "size"), made=("made", "sum"),
                                             expected=("p", "sum"))
    rate = g["expected"].to_numpy() / g["n"].to_numpy()
    kappa = fit_kappa(g["made"].to_numpy(), g["n"].to_numpy(), rate)
    post = shrink(g["made"].to_numpy(), g["n"].to_numpy(), rate, kappa)
    adj = logit(np.clip(post, 1e-4, 1 - 1e-4)) - logit(np.clip(rate, 1e-4, 1 - 1e-4))
    players = {int(s): {"n": int(n), "made": int(m), "expected": round(float(e), 3),
                        "logit_adj": round(float(a), 5)}
               for s, n, m, e, a in zip(g.index, g["n"], g["made"], g["expected"], adj)}
    return kappa, players


@dataclass
class OutcomeModels:
    """Fitted outcome models (league level + per-shooter offsets), JSON-serialisable.

    coefficients: {"full": {name: value}, "distance": {...}, "constant": {...}};
    rates: league rates (ft_pct, oreb_rate, shooting_foul_rate, turnover_rate, ...) and
    simulator timing (pass_speed_ftps, shot_flight_s_intercept / _slope, s and s/ft,
    live_turnover_per_s, 1/s of holding, ...);
    players: {player_id: {n, made, expected, logit_adj, ft_n, ft_made, ft_pct}};
    teams: {team_id: {n, made, expected, logit_adj}} (shrunk team offsets);
    passing: the interception model (engine.outcomes.passing.fit_interception);
    kinds: the kind model (engine.outcomes.kinds.fit_kind_model);
    timing: {"shot_end_quantiles": {"made": [...], "missed": [...]}} seconds from the
    release to the logged end of the possession (engine.outcomes.timing.fit_shot_end),
    and "release": the logged distance by body distance (engine.outcomes.release);
    support: 1st / 99th percentiles of the fit's distance, defender distance, shot clock.
    """

    cutoff: str
    games_fit: list[str]
    spec: FeatureSpec
    coefficients: dict[str, dict[str, float]]
    rates: dict[str, float]
    kappa: float
    players: dict[int, dict]
    support: dict[str, list[float]]
    passing: dict = field(default_factory=dict)
    teams: dict[int, dict] = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)
    version: int = VERSION

    def logit_make(self, features, kind: str = "full", player_adjust: bool = True) -> np.ndarray:
        """Linear predictor (n,) of the make probability (see :meth:`p_make`)."""
        x, names = design(features, self.spec, kind)
        coef = self.coefficients[kind]
        eta = x @ np.array([coef[c] for c in names])
        sid = features.get("shooter_id") if isinstance(features, dict) else (
            features["shooter_id"] if "shooter_id" in features else None)
        if player_adjust and sid is not None and kind == "full":
            eta = eta + np.array([self.players.get(int(s), {}).get("logit_adj", 0.0)
                                  for s in np.asarray(sid)])
        return eta

    def p_make(self, features, kind: str = "full", player_adjust: bool = True) -> np.ndarray:
        """Make probability (n,) in (0, 1). features: DataFrame or dict of (n,) arrays:
        distance_ft (feet), is_three (bool), optional shot_kind, defender_ft (feet),
        angle_deg (degrees off the hoop's long axis), shot_clock (s; NaN untracked),
        shooter_id (adds the shooter's empirical-Bayes offset when ``player_adjust``).
        Without shot_kind, a model with a kind model mixes over the kinds:
        sum_k P(k | distance_ft, approach_ftps (absent: 0)) p(k) (engine.outcomes.kinds)."""
        eta = self.logit_make(features, kind, player_adjust)
        has_kind = "shot_kind" in features if isinstance(features, (pd.DataFrame, dict)) else False
        if has_kind or not self.kinds or kind == "constant" or not self.spec.shot_kinds:
            return expit(eta)
        n = eta.shape[0]
        w = kind_probs(self.kinds["coefficients"], features["distance_ft"],
                       _col(features, "approach_ftps", n))
        coef = self.coefficients[kind]
        offsets = np.array([coef.get(f"kind_{k}", 0.0) for k in KINDS])
        return (w * expit(eta[:, None] + offsets[None])).sum(axis=1)

    def to_dict(self) -> dict:
        return {"version": self.version, "cutoff": self.cutoff, "games_fit": self.games_fit,
                "n_games_fit": len(self.games_fit), "spec": asdict(self.spec),
                "coefficients": self.coefficients, "rates": self.rates, "kappa": self.kappa,
                "players": {str(k): v for k, v in sorted(self.players.items())},
                "teams": {str(k): v for k, v in sorted(self.teams.items())},
                "support": self.support, "passing": self.passing, "kinds": self.kinds,
                "timing": self.timing}

    def save(self, path: str | Path, digits: int | None = None) -> Path:
        """Write the versioned JSON atomically; ``digits``: round floats to that many
        significant digits (the shipped file uses 6)."""
        d = self.to_dict()
        if digits is not None:
            d = round_floats(d, digits)
        return write_text_atomic(path, json.dumps(d, indent=None if digits else 1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "OutcomeModels":
        """Read a JSON written by :meth:`save`; another version is an error."""
        return cls.from_dict(json.loads(Path(path).read_text()), str(path))

    @classmethod
    def from_dict(cls, d: dict, source: str = "outcome models") -> "OutcomeModels":
        if d.get("version") != VERSION:
            raise ValueError(f"{source}: outcome models version {d.get('version')}, this code "
                             f"reads version {VERSION}; re-fit with `hoopsim fit-outcomes` or "
                             "use engine.outcomes.models.default_models()")
        spec = dict(d["spec"])
        spec["knots"] = tuple(spec["knots"])
        return cls(cutoff=d["cutoff"], games_fit=list(d["games_fit"]), spec=FeatureSpec(**spec),
                   coefficients=d["coefficients"], rates=d["rates"], kappa=float(d["kappa"]),
                   players={int(k): v for k, v in d["players"].items()}, support=d["support"],
                   passing=d.get("passing", {}),
                   teams={int(k): v for k, v in d.get("teams", {}).items()},
                   kinds=d.get("kinds", {}), timing=d.get("timing", {}))


DEFAULT_MODELS = "outcomes_default.json"


def default_models() -> OutcomeModels:
    """The outcome models shipped with the package (engine/data/outcomes_default.json:
    fitted on the real 2015-16 logs before game 0021500500, see engine/data/README.md)."""
    ref = resources.files("engine").joinpath("data", DEFAULT_MODELS)
    return OutcomeModels.from_dict(json.loads(ref.read_text()), f"engine/data/{DEFAULT_MODELS}")


def _centers(shots: pd.DataFrame, spec: FeatureSpec) -> dict[str, float]:
    """Means of the tracking terms over tracked (clock: clock-known) fit shots."""
    t = raw_terms(shots, spec)
    tr, hc = t["tracked"] > 0, t["has_clock"] > 0
    mean = lambda v, m: float(v[m].mean()) if m.any() else 0.0  # noqa: E731
    return {"defender": mean(t["defender"], tr), "angle": mean(t["angle"], tr),
            "clock": mean(t["clock"], hc), "late": mean(t["late"], hc)}


def _support(shots: pd.DataFrame) -> dict[str, list[float]]:
    out = {}
    for name in ("distance_ft",) + TRACK_COLUMNS:
        v = shots[name].to_numpy(float) if name in shots else np.array([])
        v = v[np.isfinite(v)]
        out[name] = [float(np.percentile(v, 1)), float(np.percentile(v, 99))] if v.size else []
    return out


RATE_COUNTS = ("fga", "fta", "ftm", "fg_miss_rebounds", "oreb", "shooting_fouls",
               "possessions", "turnover_ends", "turnovers")
OPTIONAL_COUNTS = ("interceptions", "shot_clock_turnovers", "made_fga", "and_ones",
                   "nonshooting_fouls", "nonshooting_bonus")  # absent in old count tables


def league_rates(counts: pd.DataFrame) -> dict[str, float]:
    """Rates from per-game counts (columns :data:`RATE_COUNTS`, one row per game):
    ft_pct (makes / attempts), oreb_rate (offensive / all live rebounds of missed field
    goals, placeholders excluded), shooting_foul_rate (per FGA), turnover_rate (share of
    possessions ending in a turnover), turnovers_per_possession (all logged turnovers) and,
    with the optional counts, interception_share_of_turnovers (bad passes with a steal /
    all turnovers) and league interceptions / shot-clock turnovers per possession; with the
    foul counts (engine.outcomes.fouls): and_one_rate (per made FGA), shooting_foul_miss_rate
    (per missed attempt, fouled misses counted in), nonshooting_fouls_per_possession and
    bonus_share (of those, the share shot as two free throws)."""
    s = {c: float(counts[c].sum()) for c in RATE_COUNTS + OPTIONAL_COUNTS if c in counts}
    div = lambda a, b: s[a] / s[b] if s.get(b, 0) > 0 and a in s else float("nan")  # noqa: E731
    out = {"ft_pct": div("ftm", "fta"), "oreb_rate": div("oreb", "fg_miss_rebounds"),
           "shooting_foul_rate": div("shooting_fouls", "fga"),
           "turnover_rate": div("turnover_ends", "possessions"),
           "turnovers_per_possession": div("turnovers", "possessions")}
    if "interceptions" in s:
        out.update(interception_share_of_turnovers=div("interceptions", "turnovers"),
                   league_interceptions_per_possession=div("interceptions", "possessions"),
                   league_shot_clock_turnovers_per_possession=div("shot_clock_turnovers",
                                                                  "possessions"))
    if "and_ones" in s:
        fouled_misses = max(s["shooting_fouls"] - s["and_ones"], 0.0)
        misses = s["fga"] - s["made_fga"] + fouled_misses
        out.update(and_one_rate=div("and_ones", "made_fga"),
                   shooting_foul_miss_rate=fouled_misses / misses if misses > 0 else float("nan"),
                   nonshooting_fouls_per_possession=div("nonshooting_fouls", "possessions"),
                   bonus_share=div("nonshooting_bonus", "nonshooting_fouls"))
    return {**out, **{f"n_{c}": int(v) for c, v in s.items()}}


def _segment_basis(x: np.ndarray, names: list[str], spec: FeatureSpec) -> np.ndarray:
    """Replace the hinge columns (dist, dist_gt_k; d / 10 and max(d - k, 0) / 10) of a
    design by the segment columns clip(d - k_j, 0, k_{j+1} - k_j) / 10, whose coefficients
    are the slopes of the segments (same span)."""
    x = x.copy()
    d = x[:, names.index("dist")] * 10.0
    edges = (0.0, *spec.knots, np.inf)
    for j, name in enumerate(["dist"] + [f"dist_gt_{k:g}" for k in spec.knots]):
        x[:, names.index(name)] = np.clip(d - edges[j], 0.0, edges[j + 1] - edges[j]) / 10.0
    return x


def _fit_monotone(fit: pd.DataFrame, spec: FeatureSpec, l2: float) -> dict[str, dict]:
    """Fit the three shot models with a make probability that never rises with distance
    for a given kind and context: every segment's slope is bounded above by 0 (a fit in
    the segment basis, turned back into the hinge coefficients). The logs make short
    pull-up jumpers and 6-8 ft floaters worse than 16-footers (they are contested), but a
    simulator must not reward backing away from the rim; kind offsets
    (engine.outcomes.kinds) carry what a layup or a dunk adds."""
    y = fit["made"].to_numpy(float)
    coefficients = {}
    for kind in ("full", "distance", "constant"):
        x, names = design(fit, spec, kind)
        if kind == "constant":
            beta = fit_logistic(x, y, l2)
        else:
            dist_cols = ["dist"] + [f"dist_gt_{k:g}" for k in spec.knots]
            upper = np.array([0.0 if c in dist_cols else np.inf for c in names])
            beta = fit_logistic_bounded(_segment_basis(x, names, spec), y, upper, l2)
            slopes = [beta[names.index(c)] for c in dist_cols]
            for j, c in enumerate(dist_cols):
                beta[names.index(c)] = slopes[j] - (slopes[j - 1] if j else 0.0)
        coefficients[kind] = {c: float(b) for c, b in zip(names, beta)}
        log.info("fitted %s shot model on %d shots: %s", kind, len(y),
                 {c: round(b, 3) for c, b in coefficients[kind].items()})
    return coefficients


def fit_outcome_models(shots: pd.DataFrame, counts: pd.DataFrame,
                       cfg: OutcomeConfig) -> OutcomeModels:
    """Fit on the games below ``cfg.cutoff``; rows of later games are dropped here, so a
    caller cannot leak held-out games. shots: one row per field-goal attempt with game_id,
    shooter_id, made, distance_ft, is_three and the tracking columns (NaN untracked);
    counts: per-game rate counts with game_id and :data:`RATE_COUNTS`."""
    fit = shots[shots["game_id"].astype(str) < cfg.cutoff].reset_index(drop=True)
    rates = league_rates(counts[counts["game_id"].astype(str) < cfg.cutoff])
    if fit.empty:
        raise ValueError(f"no shots in games before cutoff {cfg.cutoff}")
    spec = FeatureSpec(**{**asdict(cfg.spec), "knots": tuple(cfg.spec.knots)})
    spec.centers = _centers(fit, spec)
    kinds = fit_kind_model(fit, cfg.cutoff) if {"track_distance_ft", "approach_ftps"} <= set(fit) else {}
    coefficients = _fit_monotone(fit, spec, cfg.l2)
    games = sorted(set(fit["game_id"].astype(str)) | set(
        counts.loc[counts["game_id"].astype(str) < cfg.cutoff, "game_id"].astype(str)))
    models = OutcomeModels(cfg.cutoff, games, spec, coefficients, rates, 0.0, {}, _support(fit),
                           kinds=kinds)
    models.kappa, models.players = player_adjustments(fit, models.p_make(fit, player_adjust=False))
    return models
