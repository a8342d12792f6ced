"""Coach's instructions as planner preferences (``hoopsim coach``): from held-out starts
the planner samples candidates once; each preference picks one candidate per start
among those inside the planner's support (all of them when none is):

- the unconditioned planner: highest expected points under the planner's training
  outcome models (planners.objective.PlanObjective, as playbest_rank);
- each instruction: highest exact rubric score (language.reward.rubric_scores) over the
  exact tactical features of the candidates (plans stay the model's own samples).

Reported per instruction: the change of each targeted feature against the
unconditioned pick (paired over starts, bootstrap 95% interval), the raw realism gates
of the picked plans (speed KS against the real held-out windows, off-court share), and
expected points per possession under the INDEPENDENT outcome models (fitted on the
held-out games; hoopsim.evaluation.evaluation_outcomes) beside the unconditioned pick:
the cost of obeying the coach, with its interval.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from engine.outcomes.torch_eval import OutcomeTensors
from engine.tactics import tactical_features
from language.reward import rubric_scores
from planners.gates import ks_statistic, offcourt_share, player_speeds
from planners.methods import training_outcomes
from planners.objective import PlanObjective, expected_points, read_plan
from planners.receding import RecedingConfig
from planners.windows import windows_to_positions

log = logging.getLogger(__name__)


def bootstrap_ci(x: np.ndarray, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the mean of x (n,)."""
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    if not x.size:
        return float("nan"), float("nan")
    idx = np.random.default_rng(seed).integers(0, x.size, (n, x.size))
    means = x[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def sample_candidates(planner, states: np.ndarray, n_candidates: int, seed: int, chunk: int = 8,
                      sampler: str = "fast") -> np.ndarray:
    """states (g, 46) window channels -> (g, k, h, 46) feet, the planner's own samples
    (the planner methods' sampler preset ``sampler``)."""
    from planners.sampler import SAMPLER_PRESETS

    gen = torch.Generator(device="cpu").manual_seed(seed)
    out = []
    for lo in range(0, len(states), chunk):
        res = planner.plan(torch.as_tensor(states[lo:lo + chunk]), gen, n_candidates=n_candidates, guide=None,
                           sampler=SAMPLER_PRESETS[sampler])
        out.append(res.candidates.detach().cpu().numpy())
        log.info("sampled %d / %d starts", min(lo + chunk, len(states)), len(states))
    return np.concatenate(out)


def plan_expected_points(plans: np.ndarray, outcomes_t, cfg: RecedingConfig) -> np.ndarray:
    """(b, h, 46) feet -> (b,) expected points (first shot, passes' survival; a plan
    that never shoots is worth 0 here: no value network in the evaluation)."""
    t = torch.as_tensor(plans, dtype=torch.float32)
    read = read_plan(t, 0, cfg, outcomes_t)
    return expected_points(read, outcomes_t, 0.0).numpy().astype(np.float64)


def coach_table(planner, real_windows: np.ndarray, states: np.ndarray, rubrics: dict, eval_models,
                n_candidates: int, seed: int) -> dict:
    """The coach effect table (module docstring). rubrics: label -> Rubric."""
    cand = sample_candidates(planner, states, n_candidates, seed)             # (g, k, h, c)
    g, k, h, c = cand.shape
    flat = cand.reshape(g * k, h, c)
    rate = float(planner.cfg.rate_hz)
    rcfg = RecedingConfig()
    obj = PlanObjective(training_outcomes(planner), planner.normalizer, rate, planner.support, executor=rcfg)
    train_score, ok = obj(torch.as_tensor(flat, dtype=torch.float32))
    ok = ok.numpy().reshape(g, k)
    pos = windows_to_positions(flat)
    feats = tactical_features(pos, rate)
    xp_eval = plan_expected_points(flat, OutcomeTensors.from_models(eval_models, "cpu"), rcfg).reshape(g, k)
    choose = {"unconditioned": train_score.numpy().reshape(g, k)}
    for label, rub in rubrics.items():
        choose[label] = rubric_scores(rub, pos, rate).reshape(g, k)
    rows = np.arange(g)
    real_speed = player_speeds(real_windows, rate)
    picks, result = {}, {"starts": g, "candidates": n_candidates, "share_inside_support": float(ok.mean()),
                         "preferences": {}}
    for label, score in choose.items():
        s = np.where(ok | ~ok.any(axis=1, keepdims=True), score, -np.inf)
        picks[label] = s.argmax(axis=1)
    base = picks["unconditioned"]
    for label, pick in picks.items():
        chosen = flat.reshape(g, k, h, c)[rows, pick]
        xp = xp_eval[rows, pick]
        d_xp = xp - xp_eval[rows, base]
        entry = {"expected_points": float(xp.mean()), "expected_points_ci95": bootstrap_ci(xp, seed=seed),
                 "cost_vs_unconditioned": float(d_xp.mean()), "cost_ci95": bootstrap_ci(d_xp, seed=seed),
                 "speed_ks_vs_real": ks_statistic(player_speeds(chosen, rate), real_speed),
                 "offcourt_share": offcourt_share(chosen), "features": {}}
        targets = [it.feature for it in rubrics[label].items] if label in rubrics else []
        for name in sorted(set(targets) | {f for r in rubrics.values() for f in (it.feature for it in r.items)}):
            v = feats[name].reshape(g, k)
            d = v[rows, pick] - v[rows, base]
            entry["features"][name] = {"mean": float(v[rows, pick].mean()), "change": float(d.mean()),
                                       "change_ci95": bootstrap_ci(d, seed=seed), "targeted": name in targets,
                                       "sign": next((it.sign for it in rubrics[label].items if it.feature == name), 0)
                                       if label in rubrics else 0}
        result["preferences"][label] = entry
    return result


def markdown(result: dict) -> str:
    lines = [f"starts: {result['starts']}, candidates per start: {result['candidates']}, "
             f"share of candidates inside the support: {result['share_inside_support']:.2f}", "",
             "| preference | feature (targeted: sign) | mean | change vs unconditioned [95% CI] |",
             "|---|---|---|---|"]
    for label, e in result["preferences"].items():
        for name, f in e["features"].items():
            tag = f" ({'+' if f['sign'] > 0 else '-'})" if f["targeted"] else ""
            lo, hi = f["change_ci95"]
            lines.append(f"| {label} | {name}{tag} | {f['mean']:.3f} | {f['change']:+.3f} [{lo:+.3f}, {hi:+.3f}] |")
    lines += ["", "| preference | xPts (held-out models) [95% CI] | cost vs unconditioned [95% CI] | speed KS | off court |",
              "|---|---|---|---|---|"]
    for label, e in result["preferences"].items():
        a, b = e["expected_points_ci95"]
        c, d = e["cost_ci95"]
        lines.append(f"| {label} | {e['expected_points']:.3f} [{a:.3f}, {b:.3f}] | {e['cost_vs_unconditioned']:+.3f} "
                     f"[{c:+.3f}, {d:+.3f}] | {e['speed_ks_vs_real']:.3f} | {e['offcourt_share']:.3f} |")
    return "\n".join(lines) + "\n"
