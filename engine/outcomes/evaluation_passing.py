"""Held-out evaluation of the pass interception model and of the simulator rates.

Brier scores are computed on the held-out *labelled* passes (completed passes and the
interceptions whose geometry could be recovered) with the model on the labelled scale
(``intercept_labelled``, engine.outcomes.passing.fit_interception), against a constant
at the fit's labelled interception rate. Support: the share of held-out passes whose lane
or pass length lies outside the fit's 1st-99th percentiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.outcomes.models import OutcomeModels
from engine.outcomes.passing import p_intercept

TIMING_RATES = ("pass_speed_ftps", "pass_overhead_s", "pass_speed_median_ftps",
                "shot_flight_s_intercept", "shot_flight_s_slope", "live_turnover_per_s",
                "held_s_per_possession", "interceptions_per_possession",
                "live_turnovers_per_possession", "shot_clock_turnovers_per_possession",
                "tracked_passes_per_possession", "interception_share_of_turnovers",
                "turnovers_per_possession")


def interception_sign_checks(passing: dict) -> dict[str, bool]:
    """Interception falls with lane distance (0-20 ft at a 20 ft pass) and rises with pass
    length (5-45 ft at a 3 ft lane)."""
    lane = np.arange(0.0, 20.0, 0.5)
    p_lane = p_intercept(passing, lane, np.full(lane.shape, 20.0))
    length = np.arange(5.0, 45.0, 1.0)
    p_len = p_intercept(passing, np.full(length.shape, 3.0), length)
    return {"intercept_falls_with_lane_distance": bool(np.all(np.diff(p_lane) < 0)),
            "intercept_rises_with_pass_length": bool(np.all(np.diff(p_len) > 0))}


def evaluate_passing(models: OutcomeModels, passes: pd.DataFrame) -> dict:
    """Interception model on held-out passes (module docstring). passes: pass_table rows
    of games at or after the cutoff."""
    if (passes["game_id"].astype(str) < models.cutoff).any():
        raise ValueError("held-out passes include games before the cutoff")
    pm = models.passing
    lab = passes[np.isfinite(passes["lane_ft"].to_numpy(float))]
    y = lab["intercepted"].to_numpy(float)
    p = p_intercept(pm, lab["lane_ft"], lab["pass_ft"], labelled=True)
    const = pm["n_intercepted"] / pm["n_passes"]
    lo_l, hi_l = pm["support"]["lane_ft"]
    lo_p, hi_p = pm["support"]["pass_ft"]
    lane, length = lab["lane_ft"].to_numpy(float), lab["pass_ft"].to_numpy(float)
    outside = (lane < lo_l) | (lane > hi_l) | (length < lo_p) | (length > hi_p)
    b_model, b_const = float(np.mean((p - y) ** 2)), float(np.mean((const - y) ** 2))
    return {"n_passes": len(lab), "n_intercepted": int(y.sum()),
            "logloss_model": _logloss(p, y), "logloss_constant": _logloss(np.full(len(y), const), y),
            "n_intercepted_unlabelled": int((~np.isfinite(passes["lane_ft"])).sum()),
            "brier_model": b_model, "brier_constant": b_const,
            "brier_skill": 1.0 - b_model / b_const if b_const > 0 else float("nan"),
            "mean_predicted": float(p.mean()) if len(p) else float("nan"),
            "observed_rate": float(y.mean()) if len(y) else float("nan"),
            "outside_support": float(outside.mean()) if len(lab) else 0.0,
            "by_lane": _by_lane(lab, p), "sign_checks": interception_sign_checks(pm)}


def _logloss(p: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood (nats) of outcomes y under probabilities p."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))) if len(y) else float("nan")


def _by_lane(lab: pd.DataFrame, p: np.ndarray) -> list[dict]:
    """Observed vs predicted interception rate by lane-distance band (ft)."""
    edges = [0.0, 1.0, 2.0, 4.0, 8.0, np.inf]
    band = np.digitize(lab["lane_ft"].to_numpy(float), edges[1:-1])
    y = lab["intercepted"].to_numpy(float)
    return [{"lane_lo": edges[b], "lane_hi": edges[b + 1], "n": int((band == b).sum()),
             "predicted": float(p[band == b].mean()) if (band == b).any() else None,
             "observed": float(y[band == b].mean()) if (band == b).any() else None}
            for b in range(len(edges) - 1)]


def passing_markdown(rep: dict, rates: dict, table) -> list[str]:
    """Report lines for the passing / timing part of the evaluation. table: the
    markdown table helper of engine.outcomes.evaluation."""
    ev = rep["passing"]
    c = rep["passing_model"]["coefficients"]
    lines = ["", "## Pass interceptions (held out)", "",
             f"Coefficients (corrected intercept): intercept {c['intercept']:.4f}, "
             f"log1p(lane ft) {c['log_lane']:.4f}, pass length per 10 ft {c['pass_len']:.4f}.",
             "", f"{ev['n_passes']} labelled held-out passes, {ev['n_intercepted']} "
             f"intercepted ({ev['n_intercepted_unlabelled']} more interceptions unlabelled). "
             f"Brier {ev['brier_model']:.5f} vs constant {ev['brier_constant']:.5f} "
             f"(skill {ev['brier_skill']:.3f}); log loss {ev['logloss_model']:.4f} vs "
             f"{ev['logloss_constant']:.4f}; mean predicted {ev['mean_predicted']:.4f}, "
             f"observed {ev['observed_rate']:.4f}; outside the fit's support "
             f"{ev['outside_support']:.4f}.", ""]
    lines += table(ev["by_lane"], ["lane_lo", "lane_hi", "n", "predicted", "observed"])
    lines += [""] + [f"- {k}: {v}" for k, v in ev["sign_checks"].items()]
    lines += ["", "## Simulator rates (fit games)", ""]
    lines += [f"- {k}: {rates[k]:.5g}" for k in TIMING_RATES if k in rates]
    return lines
