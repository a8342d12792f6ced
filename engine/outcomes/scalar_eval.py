"""Scalar (Python float) twin of :class:`engine.outcomes.numpy_eval.OutcomeArrays` for the
single-env fast path: numpy's per-call overhead on one shot is ~80 us, ``math`` on
floats is ~2 us. Same formulas and clipping; checked against OutcomeArrays and
OutcomeTensors by ``tests/engine/outcomes/test_outcomes_torch.py``
(``test_torch_numpy_and_scalar_evaluators_are_twins``).
"""

from __future__ import annotations

import bisect
import math

from engine.outcomes.numpy_eval import end_index, kind_logits


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class ScalarOutcomes:
    """p_make / p_intercept / shot_flight_s on floats, plus the league scalars, from an
    OutcomeArrays (or OutcomeTensors) ``params``."""

    def __init__(self, arrays) -> None:
        self.params = p = arrays.params
        for k, v in p.scalars.items():
            setattr(self, k, float(v))
        self._knots = [(float(k), float(p.shot[f"dist_gt_{k:g}"])) for k in p.knots]
        self.uses_approach = p.kind_coef is not None

    def p_make(self, distance_ft: float, is_three: bool, defender_ft: float, angle_deg: float,
               shot_clock_s: float, logit_adj: float = 0.0, approach_ftps: float = 0.0,
               kind_distance_ft: float | None = None) -> float:
        p, c, b = self.params, self.params.centers, self.params.shot
        d = min(max(distance_ft, 0.0), p.max_distance_ft)
        eta = b["intercept"] + b["dist"] * d / 10.0 + b["tracked"]
        for k, w in self._knots:
            eta += w * max(d - k, 0.0) / 10.0
        eta += b["is_three"] * float(is_three)
        dfn = math.log1p(min(max(defender_ft, 0.0), p.defender_cap_ft))
        ang = min(max(abs(angle_deg), 0.0), 180.0) / 90.0
        clk = min(max(shot_clock_s, 0.0), 24.0)
        late = max(p.late_clock_s - clk, 0.0) / p.late_clock_s
        eta += (b["log_defender"] * (dfn - c["defender"]) + b["angle"] * (ang - c["angle"])
                + b["shot_clock"] * (clk / 24.0 - c["clock"]) + b["late_clock"] * (late - c["late"]))
        eta += logit_adj
        if p.kind_coef is None:
            return _sigmoid(eta)
        v = 0.0 if math.isnan(approach_ftps) else approach_ftps
        kd = distance_ft if kind_distance_ft is None else kind_distance_ft
        z = kind_logits(p.kind_coef, kd, v, math.log1p, lambda x, lo, hi: min(max(x, lo), hi))
        top = max(z)
        w = [math.exp(x - top) for x in z]
        return sum(wk * _sigmoid(eta + o) for wk, o in zip(w, p.kind_offset)) / sum(w)

    def shot_end_s(self, u: float, made: bool) -> float:
        q = self.params.end_made if made else self.params.end_missed
        i, f = end_index(min(max(u, 0.0), 1.0), lambda t: min(int(t), 9))
        return q[i] + f * (q[i + 1] - q[i])

    def release_ft(self, body_ft: float, is_three: bool, u: float) -> float:
        p = self.params
        if is_three or not p.release_q:
            return body_ft
        j = min(max(bisect.bisect_right(p.release_edges, body_ft) - 1, 0), len(p.release_edges) - 1)
        q = p.release_q[j]
        i, f = end_index(min(max(u, 0.0), 1.0), lambda t: min(int(t), 9))
        return float(math.floor(q[i] + f * (q[i + 1] - q[i]) + 0.5))

    def p_intercept(self, lane_ft: float, pass_ft: float) -> float:
        q = self.params.passing
        lane = math.log1p(min(max(lane_ft, 0.0), q["lane_cap_ft"]))
        length = min(max(pass_ft, 0.0), 94.0) / 10.0
        return _sigmoid(q["intercept"] + q["log_lane"] * (lane - q["c_log_lane"])
                        + q["pass_len"] * (length - q["c_pass_len"]))

    def shot_flight_s(self, distance_ft: float) -> float:
        a, b, floor = self.params.flight
        return max(a + b * min(max(distance_ft, 0.0), 47.0), floor)
