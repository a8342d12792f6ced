"""Turning an evaluation into what people read: the Markdown table, the support
check, and the HTML report (drawn by viz)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.outcomes.evaluation import outside_support as _outside


def outside_support(models, shots: pd.DataFrame) -> dict[str, float]:
    """Share of simulated shots outside the evaluator's fitted support (the features
    the simulator records: distance and closest-defender distance)."""
    keep = {k: v for k, v in models.support.items() if k in shots.columns}
    return _outside(type("M", (), {"support": keep})(), shots)


def _f(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def markdown(results: dict) -> str:
    lines = ["| method | defense | n | PPP | 95% CI | xPPP | 95% CI | binned evaluator | own value score |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in results["cells"]:
        lines.append(f"| {c['method']} | {c['defense']} | {c['n']} | {c['ppp']:.3f} | "
                     f"[{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}] | {c['xppp']:.3f} | "
                     f"[{c['xci95'][0]:.3f}, {c['xci95'][1]:.3f}] | {c['ppp_binned_evaluator']:.3f} | "
                     f"{_f(c['value_model_score'])} |")
    gate = results["meta"].get("value_network")
    if gate and gate.get("passes") is False:
        lines += ["", f"own value score: null -- the planner's value network misses its gate (held-out "
                      f"R^2 {gate['r2_clean']:.3f} < {gate['gate_r2']})"]
    if results["paired"]:
        lines += ["", "| a - b | defense | diff | 95% CI | xdiff | 95% CI |", "|---|---|---|---|---|---|"]
        lines += [f"| {p['a']} - {p['b']} | {p['defense']} | {p['diff']:+.3f} | "
                  f"[{p['ci95'][0]:+.3f}, {p['ci95'][1]:+.3f}] | {p['xdiff']:+.3f} | "
                  f"[{p['xci95'][0]:+.3f}, {p['xci95'][1]:+.3f}] |" for p in results["paired"]]
    if results["table5"]:
        lines += ["", "| horizon s | defense | n | PPP | 95% CI |", "|---|---|---|---|---|"]
        lines += [f"| {r['horizon_s']} | {r['defense']} | {r['n']} | {r['ppp']:.3f} | "
                  f"[{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}] |" for r in results["table5"]]
    g = results["ground_truth"]
    lines += ["", f"real points of these possessions: {g['real_ppp']:.3f} "
              f"[{g['real_ci95'][0]:.3f}, {g['real_ci95'][1]:.3f}]; evaluator's expected points on "
              f"the real trajectories: {g['outcome_model_xppp']:.3f}"]
    lines += [f"ranking vs binned evaluator, {r['defense']}: Kendall tau {r['kendall_tau']:.2f}, "
              f"same order: {r['same_order']}" for r in results["ranking_check"]]
    return "\n".join(lines) + "\n"


def write_report(out: Path, results: dict, runs: dict) -> Path:
    """report.html: shots pooled per method, the first kept possession per method."""
    from viz.report_html import write_report as draw

    shots, plays = {}, {}
    for (method, _, _), (run, _) in runs.items():
        s = run.shots
        if {"x", "y"} <= set(s.columns):
            xy, made = shots.get(method, (np.zeros((0, 2)), np.zeros(0, bool)))
            shots[method] = (np.concatenate([xy, s[["x", "y"]].to_numpy()]),
                             np.concatenate([made, s["made"].to_numpy(bool)]))
        if method not in plays and run.positions:
            plays[method] = run.positions[0]
    from engine.sim.state import SimConfig
    from language.commentary import lines_from_positions

    rate_hz = 1.0 / float(results.get("meta", {}).get("dt_s") or SimConfig().dt_s)
    commentary = {m: lines_from_positions(np.asarray(p), rate_hz) for m, p in plays.items()}
    return draw(out / "report.html", results, shots, plays, commentary)
