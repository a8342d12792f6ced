"""Shot kinds: the play-by-play action type of a field-goal attempt, grouped into the
five kinds the make model knows, and the kind model a simulator uses to know the kind
of a shot it takes.

Groups (:data:`KINDS`, :func:`kind_group` of engine.logs.pbp.shot_kind): ``dunk``
(alley-oop and putback dunks included: the pbp keyword "dunk" wins), ``layup`` (layups,
finger rolls, alley-oop layups, putbacks), ``tip``, ``hook`` (hooks and floaters) and
``jumper`` (jump shots, fadeaways, threes, anything else): the baseline of the make
model, whose kind terms are logit offsets of the other four (engine.outcomes.models.design).

Kind model: P(kind | release distance, approach speed), a multinomial logistic
regression (jumper the reference) fitted on tracked shots. Features
(:func:`kind_features`): 1, d / 10, log1p(d), hinges max(d - k, 0) / 10 at
:data:`KIND_KNOTS_FT` and the approach speed v clipped to [-10, 20] ft/s, / 10, where d is the shooter's distance to the hoop at the tracked
release frame (ft: where the simulator places a shot) and v his speed toward the hoop
over the frame before (ft/s; a drive is fast, a spot-up near 0). A simulator knows both,
so its make probability is the mixture sum_k P(k | d, v) * p_make(k).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

KINDS = ("dunk", "layup", "tip", "hook", "jumper")
_GROUP = {"dunk": "dunk", "alley_oop": "layup", "layup": "layup", "putback": "layup",
          "tip": "tip", "hook": "hook", "floater": "hook"}
KIND_FEATURES = ("const", "dist", "log_dist", "dist_gt_3", "dist_gt_6", "dist_gt_10", "approach")
KIND_KNOTS_FT = (3.0, 6.0, 10.0)
APPROACH_CLIP_FTPS = (-10.0, 20.0)


def kind_group(shot_kind) -> np.ndarray:
    """engine.logs.pbp.shot_kind values (n,) -> kind groups (n,) object (module docstring)."""
    return np.array([_GROUP.get(str(k), "jumper") for k in np.asarray(shot_kind, object)], object)


def kind_features(distance_ft, approach_ftps) -> np.ndarray:
    """(n, 7) features of the kind model (:data:`KIND_FEATURES`): distance (ft) clipped to [0, 47], approach speed
    (ft/s, NaN -> 0) clipped to :data:`APPROACH_CLIP_FTPS`."""
    d = np.clip(np.asarray(distance_ft, float), 0.0, 47.0)
    v = np.clip(np.nan_to_num(np.asarray(approach_ftps, float)), *APPROACH_CLIP_FTPS)
    hinges = [np.maximum(d - k, 0.0) / 10.0 for k in KIND_KNOTS_FT]
    return np.column_stack([np.ones_like(d), d / 10.0, np.log1p(d), *hinges, v / 10.0])


def kind_probs(coef: dict[str, list[float]], distance_ft, approach_ftps) -> np.ndarray:
    """P(kind) (n, 5) in :data:`KINDS` order; coef: {kind: 7 weights} (jumper: zeros)."""
    x = kind_features(distance_ft, approach_ftps)
    w = np.array([coef.get(k, [0.0] * len(KIND_FEATURES)) for k in KINDS], float)  # (5, 4)
    return softmax(x @ w.T, axis=1)


def fit_kind_model(shots: pd.DataFrame, cutoff: str, l2: float = 1e-3) -> dict:
    """Kind model from tracked shots of games before ``cutoff`` with columns shot_kind,
    track_distance_ft, approach_ftps. Returns {"coefficients": {kind: [4 floats]},
    "features": KIND_FEATURES, "n": shots used, "share": {kind: share}} ({} when no
    tracked shot)."""
    s = shots[(shots["game_id"].astype(str) < cutoff) & shots["track_distance_ft"].notna()]
    if s.empty:
        return {}
    x = kind_features(s["track_distance_ft"], s["approach_ftps"])
    index = {kind: i for i, kind in enumerate(KINDS)}
    y = np.array([index[g] for g in kind_group(s["shot_kind"])], np.int64)
    n, k = x.shape[1], len(KINDS) - 1

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = np.vstack([flat.reshape(k, n), np.zeros((1, n))])   # jumper last, reference
        lp = log_softmax(x @ w.T, axis=1)
        g = softmax(x @ w.T, axis=1)
        g[np.arange(len(y)), y] -= 1.0
        grad = (g.T @ x)[:k] / len(y) + 2 * l2 * flat.reshape(k, n)
        return float(-lp[np.arange(len(y)), y].mean() + l2 * (flat ** 2).sum()), grad.ravel()

    res = minimize(loss, np.zeros(k * n), jac=True, method="L-BFGS-B")
    w = res.x.reshape(k, n)
    coef = {kind: [float(v) for v in w[i]] for i, kind in enumerate(KINDS[:-1])}
    share = {kind: float(np.mean(y == i)) for i, kind in enumerate(KINDS)}
    return {"coefficients": coef, "features": list(KIND_FEATURES), "n": int(len(y)), "share": share}
