"""Fast evaluation of fitted outcome models for a simulator: numpy (this module) and torch
(engine.outcomes.torch_eval) twins with the same methods and units.

:class:`OutcomeParams` flattens an :class:`engine.outcomes.models.OutcomeModels` into plain
numbers and sorted lookup tables once; :class:`OutcomeArrays` evaluates them on numpy
float64 scalars or arrays of any shape (a single environment's fast path).

Units: distances in feet, angles in degrees (0 = straight at the hoop, 90 = along the
baseline), shot clock in seconds, rates per second, probabilities in (0, 1).
``p_make`` is the "full" shot model of a *tracked* shot whose shot clock is known
(engine.outcomes.models.design with tracked = has_clock = 1): distance clipped to
``[0, max_distance_ft]``, defender distance to ``[0, defender_cap_ft]``, |angle| to
``[0, 180]`` and the shot clock to ``[0, 24]`` (the numpy model would call a clock
outside that range unknown; a simulator's clock never is). A simulator does not know a
shot's kind: with a kind model, ``p_make`` is the mixture
``sum_k P(k | distance, approach_ftps) * sigmoid(eta + kind offset k)``
(engine.outcomes.kinds), approach_ftps the shooter's speed toward the hoop (ft/s).
``shot_end_s(u, made)``: seconds from the release to the logged end of the possession,
drawn by the piecewise-linear inverse CDF through the fitted quantiles
(engine.outcomes.timing.fit_shot_end) at the uniform u; 0 without them.
``release_ft(body_ft, is_three, u)``: the logged distance of a shot whose shooter's body is
``body_ft`` from the hoop (engine.outcomes.release), the distance ``p_make`` prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from engine.outcomes.kinds import APPROACH_CLIP_FTPS, KIND_FEATURES, KIND_KNOTS_FT, KINDS
from engine.outcomes.models import OutcomeModels
from engine.outcomes.release import release_distance

SCALARS = ("oreb_rate", "shooting_foul_rate", "ft_pct", "live_turnover_per_s",
           "pass_speed_ftps", "turnover_rate", "and_one_rate", "shooting_foul_miss_rate",
           "nonshooting_foul_per_s", "bonus_share")
NO_END = (0.0,) * 11     # no logged-end times: a shot resolves when it reaches the rim


@dataclass
class OutcomeParams:
    """Plain-number view of fitted outcome models (see the module docstring).

    shot: coefficients of the full shot model by design column name; knots (ft);
    centers: the tracking terms' means; passing: interception coefficients and centers
    ({} when the models have none); flight: (intercept s, slope s/ft, floor s);
    ids / logit_adj / ft_pct: players sorted by id (ft_pct NaN where unknown);
    team_ids / team_adj: teams sorted by id; scalars: league rates (:data:`SCALARS`);
    kind_coef: (5, 7) kind-model weights in engine.outcomes.kinds.KINDS order, None
    without a kind model; kind_offset: (5,) the make model's kind offsets (jumper 0);
    end_made / end_missed: 11 quantiles (s) of the release-to-logged-end time;
    release_edges / release_q: body-distance bin edges (ft) and their 11 quantiles of the
    logged distance (engine.outcomes.release; empty: shots are logged where the body is).
    """

    shot: dict[str, float]
    knots: tuple[float, ...]
    max_distance_ft: float
    defender_cap_ft: float
    late_clock_s: float
    centers: dict[str, float]
    passing: dict[str, float]
    flight: tuple[float, float, float]
    ids: np.ndarray
    logit_adj: np.ndarray
    ft_pct: np.ndarray
    team_ids: np.ndarray
    team_adj: np.ndarray
    scalars: dict[str, float]
    kind_coef: tuple | None = None
    kind_offset: tuple = (0.0,) * 5
    end_made: tuple = NO_END
    end_missed: tuple = NO_END
    release_edges: tuple = ()
    release_q: tuple = ()

    @classmethod
    def from_models(cls, models: OutcomeModels) -> "OutcomeParams":
        spec, r = models.spec, models.rates
        ids = np.array(sorted(models.players), np.int64)
        rows = [models.players[int(i)] for i in ids]
        teams = np.array(sorted(models.teams), np.int64)
        pm = models.passing
        passing = {} if not pm else {**pm["coefficients"], **{
            f"c_{k}": v for k, v in pm["centers"].items()}, "lane_cap_ft": pm["lane_cap_ft"]}
        return cls(
            shot=dict(models.coefficients["full"]), knots=tuple(spec.knots),
            max_distance_ft=spec.max_distance_ft, defender_cap_ft=spec.defender_cap_ft,
            late_clock_s=spec.late_clock_s, centers=dict(spec.centers), passing=passing,
            flight=(r.get("shot_flight_s_intercept", np.nan), r.get("shot_flight_s_slope", np.nan),
                    r.get("shot_flight_min_s", 0.25)),
            ids=ids, logit_adj=np.array([p.get("logit_adj", 0.0) for p in rows], float),
            ft_pct=np.array([p.get("ft_pct", np.nan) for p in rows], float),
            team_ids=teams,
            team_adj=np.array([models.teams[int(t)]["logit_adj"] for t in teams], float),
            scalars={k: float(r.get(k, np.nan)) for k in SCALARS}, **_kinds_and_ends(models))


def _kinds_and_ends(models: OutcomeModels) -> dict:
    shot, q = models.coefficients["full"], models.timing.get("shot_end_quantiles", {})
    out = {"kind_offset": tuple(float(shot.get(f"kind_{k}", 0.0)) for k in KINDS),
           "end_made": tuple(q.get("made", NO_END)), "end_missed": tuple(q.get("missed", NO_END))}
    rel = models.timing.get("release", {})
    if rel:
        out["release_edges"] = tuple(float(e) for e in rel["edges_ft"])
        out["release_q"] = tuple(tuple(float(x) for x in row) for row in rel["quantiles_ft"])
    if models.kinds and models.spec.shot_kinds:
        c = models.kinds["coefficients"]
        out["kind_coef"] = tuple(tuple(c.get(k, [0.0] * len(KIND_FEATURES))) for k in KINDS)
    return out


def kind_logits(coef, d, v, log1p, clip) -> list:
    """Kind-model logits (5 items) at distance d (ft) and approach v (ft/s), written once
    for numpy, torch and floats: ``log1p`` and ``clip(x, lo, hi)`` of the caller's kind."""
    d = clip(d, 0.0, 47.0)
    v = clip(v, APPROACH_CLIP_FTPS[0], APPROACH_CLIP_FTPS[1]) / 10.0
    ld = log1p(d)
    h = [clip(d - k, 0.0, 47.0) / 10.0 for k in KIND_KNOTS_FT]
    return [w[0] + w[1] * d / 10.0 + w[2] * ld + w[3] * h[0] + w[4] * h[1] + w[5] * h[2] + w[6] * v
            for w in coef]


def end_index(u, floor):
    """Segment i (0..9) and fraction of uniforms u in [0, 1] on the 11-quantile inverse
    CDF (value ``q[i] + frac * (q[i + 1] - q[i])``); ``floor`` of the caller's kind,
    capped at 9."""
    t = u * 10.0
    i = floor(t)
    return i, t - i


def _lookup(table_ids: np.ndarray, values: np.ndarray, query, default: float) -> np.ndarray:
    """values[table_ids == query] elementwise, ``default`` where the id is unknown."""
    q = np.asarray(query, np.int64)
    if table_ids.size == 0:
        return np.full(q.shape, default, float)
    idx = np.clip(np.searchsorted(table_ids, q), 0, table_ids.size - 1)
    found = table_ids[idx] == q
    return np.where(found & np.isfinite(values[idx]), values[idx], default)


class OutcomeArrays:
    """numpy float64 evaluation of the outcome models (module docstring). Every method
    takes scalars or arrays of one shape and returns that shape."""

    def __init__(self, params: OutcomeParams):
        self.params = params
        for k, v in params.scalars.items():
            setattr(self, k, v)
        self.uses_approach = params.kind_coef is not None   # the simulator passes approach_ftps

    @classmethod
    def from_models(cls, models: OutcomeModels) -> "OutcomeArrays":
        return cls(OutcomeParams.from_models(models))

    def logit_make(self, distance_ft, is_three, defender_ft, angle_deg, shot_clock_s,
                   logit_adj=0.0) -> np.ndarray:
        """Linear predictor of :meth:`p_make`."""
        p, c, b = self.params, self.params.centers, self.params.shot
        d = np.clip(np.asarray(distance_ft, float), 0.0, p.max_distance_ft)
        eta = b["intercept"] + b["dist"] * d / 10.0 + b["tracked"]
        for k in p.knots:
            eta = eta + b[f"dist_gt_{k:g}"] * np.maximum(d - k, 0.0) / 10.0
        eta = eta + b["is_three"] * np.asarray(is_three, float)
        dfn = np.log1p(np.clip(np.asarray(defender_ft, float), 0.0, p.defender_cap_ft))
        ang = np.clip(np.abs(np.asarray(angle_deg, float)), 0.0, 180.0) / 90.0
        clk = np.clip(np.asarray(shot_clock_s, float), 0.0, 24.0)
        late = np.maximum(p.late_clock_s - clk, 0.0) / p.late_clock_s
        eta = (eta + b["log_defender"] * (dfn - c["defender"]) + b["angle"] * (ang - c["angle"])
               + b["shot_clock"] * (clk / 24.0 - c["clock"]) + b["late_clock"] * (late - c["late"]))
        return eta + np.asarray(logit_adj, float)

    def p_make(self, distance_ft, is_three, defender_ft, angle_deg, shot_clock_s,
               logit_adj=0.0, approach_ftps=0.0, kind_distance_ft=None) -> np.ndarray:
        """Make probability of a tracked shot: distance to the hoop (ft, the logged
        release distance), is_three (bool), closest defender (ft), angle (deg), shot clock
        (s), the shooter's logit offset and speed toward the hoop (ft/s; the kind mixture,
        module docstring); ``kind_distance_ft``: the body's distance the kind model reads
        (default ``distance_ft``)."""
        eta = self.logit_make(distance_ft, is_three, defender_ft, angle_deg, shot_clock_s,
                              logit_adj)
        p = self.params
        if p.kind_coef is None:
            return expit(eta)
        d = np.asarray(distance_ft if kind_distance_ft is None else kind_distance_ft, float)
        v = np.nan_to_num(np.asarray(approach_ftps, float)) + np.zeros_like(d)
        z = np.stack(kind_logits(p.kind_coef, d, v, np.log1p, np.clip), axis=-1)
        w = np.exp(z - z.max(axis=-1, keepdims=True))
        w = w / w.sum(axis=-1, keepdims=True)
        return (w * expit(np.asarray(eta)[..., None] + np.array(p.kind_offset))).sum(axis=-1)

    def shot_end_s(self, u, made) -> np.ndarray:
        """Seconds from the release to the logged end of the possession (module docstring)."""
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        out = []
        for q in (self.params.end_made, self.params.end_missed):
            q = np.asarray(q, float)
            i, f = end_index(u, lambda t: np.minimum(np.floor(t), 9.0))
            i = i.astype(int)
            out.append(q[i] + f * (q[i + 1] - q[i]))
        return np.where(np.asarray(made, bool), out[0], out[1])

    def release_ft(self, body_ft, is_three, u) -> np.ndarray:
        """Logged distance (ft) of shots whose shooter stands ``body_ft`` from the hoop,
        at uniforms u (engine.outcomes.release); ``body_ft`` without a release model."""
        p = self.params
        if not p.release_q:
            return np.asarray(body_ft, float) + 0.0 * np.asarray(u, float)
        return release_distance(body_ft, is_three, u, p.release_edges, p.release_q)

    def p_intercept(self, lane_ft, pass_ft) -> np.ndarray:
        """P(pass intercepted): closest defender's distance to the lane (ft), pass length (ft)."""
        q = self.params.passing
        if not q:
            raise ValueError("these outcome models have no pass interception model "
                             "(fit them with tracking data)")
        lane = np.log1p(np.clip(np.asarray(lane_ft, float), 0.0, q["lane_cap_ft"]))
        length = np.clip(np.asarray(pass_ft, float), 0.0, 94.0) / 10.0
        return expit(q["intercept"] + q["log_lane"] * (lane - q["c_log_lane"])
                     + q["pass_len"] * (length - q["c_pass_len"]))

    def shot_flight_s(self, distance_ft) -> np.ndarray:
        """Release-to-rim time (s) of a shot from distance_ft (clipped to [0, 47] ft)."""
        a, b, floor = self.params.flight
        return np.maximum(a + b * np.clip(np.asarray(distance_ft, float), 0.0, 47.0), floor)

    def player_logit_adj(self, player_ids) -> np.ndarray:
        """Shooters' empirical-Bayes logit offsets, 0 for unknown ids; any int shape."""
        return _lookup(self.params.ids, self.params.logit_adj, player_ids, 0.0)

    def player_ft_pct(self, player_ids) -> np.ndarray:
        """Shrunk free-throw percentages, the league's for unknown ids; any int shape."""
        return _lookup(self.params.ids, self.params.ft_pct, player_ids, self.ft_pct)

    def team_logit_adj(self, team_ids) -> np.ndarray:
        """Shrunk team logit offsets (use instead of, not on top of, the players')."""
        return _lookup(self.params.team_ids, self.params.team_adj, team_ids, 0.0)
