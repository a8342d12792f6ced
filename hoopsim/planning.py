"""Planner wiring of the tasks: the PlayBest methods a user names (looked up in
planners.methods, the planner loaded from its checkpoint) and the planner's benchmark
for ``hoopsim bench``: decision latency of PlayBest's paper configuration against our
fast samplers, and the paired PPP of the two configurations from the same starting
states in the simulator (so "faster" is checked not to cost points)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from engine.errors import HoopsimConfigError
from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeTensors
from envs.core import default_sim_config
from envs.defense import DEFENSES
from envs.evaluation.paired import paired, run_cell
from envs.starts import scenario_starts
from planners.bench import bench_plan_latency
from planners.methods import PLANNER_METHODS, make_method, parse_method_id
from planners.planner import load_planner

log = logging.getLogger(__name__)


def _planner(checkpoint, device):
    return None if not checkpoint else load_planner(Path(str(checkpoint)).expanduser(), device)


def make_planner_method(method_id: str, planner_dir: Path | None, device, dt_s: float,
                        options: dict | None = None, horizon: int | None = None, planner=None):
    """The SimPolicy of PlayBest method ``method_id`` (planners.methods ids) with the
    planner of ``planner_dir``; ``options`` are the user's ``playbest`` settings,
    ``horizon`` (frames) overrides the training horizon. Bad ids and options, or no
    planner, are a HoopsimConfigError (checked before the planner loads)."""
    name, from_id = parse_method_id(method_id)
    opts = {**(options or {}), **({} if horizon is None else {"horizon": int(horizon)}), **from_id}
    PLANNER_METHODS.config(name, opts)
    if planner is not None:                    # loaded once by the caller (an evaluation job)
        return make_method(method_id, planner, dt_s, opts)
    if planner_dir is None:
        raise HoopsimConfigError("planner_checkpoint", None, f"method {method_id} needs a trained "
                                 "planner (planner_checkpoint=<hoopsim train out>)")
    return make_method(method_id, load_planner(Path(planner_dir), device), dt_s, opts)


def paired_ppp(planner, p, device, seed: int) -> dict:
    """PPP of the paper and the fast configuration on the same starts (the named
    scenarios, repeated) against man-to-man, and their paired difference."""
    starts = scenario_starts()
    n = int(p.possessions)
    idx = np.arange(n) % len(starts)
    sim_cfg, out = default_sim_config(), OutcomeTensors.from_models(default_models(), device)
    points = {}
    for name in ("paper", "fast"):
        policy = make_method("playbest_a1", planner, sim_cfg.dt_s,
                             {"candidates": int(p.ppp_candidates), "replan_every": 3, "sampler": name})
        start = starts.to_sim(idx, device, out, sim_cfg)
        points[name] = run_cell(start, policy, DEFENSES.make("man_to_man"), out, sim_cfg, seed).points
        log.info("bench plan: %s PPP %.3f over %d possessions", name, points[name].mean(), n)
    d = paired(points["fast"], points["paper"])
    return {"ppp_paper": float(points["paper"].mean()), "ppp_fast": float(points["fast"].mean()),
            "ppp_diff_ci95": d["ci95"], "ppp_diff": d["diff"], "ppp_n": n,
            "ppp_candidates": int(p.ppp_candidates)}


def bench_plan(p, repeats: int, device: torch.device, seed: int = 0) -> dict:
    """Latency of one decision (``p.candidates`` candidates, ``p.horizon_s``) for the
    paper configuration (DDPM, all steps, 2 guide steps each) and the fast ones (DDIM 10
    steps guided on the last half; plus early rejection; plus warm start), then the
    paired PPP of paper vs fast. Without a checkpoint the latency uses an untrained
    planner of the default size and the PPP part is skipped."""
    planner = _planner(p.checkpoint, device)
    lat = bench_plan_latency(planner, float(p.horizon_s), int(p.candidates), repeats, seed,
                             device=device)
    fastest = min(("fast", "fast_reject", "warm"), key=lambda k: lat[k]["median_ms"])
    res = {"paper_cfg_s": lat["paper"]["median_ms"] / 1000.0,
           "fast_cfg_s": lat["fast"]["median_ms"] / 1000.0,
           "speedup": lat["paper"]["median_ms"] / lat["fast"]["median_ms"],
           "fastest": fastest, "fastest_s": lat[fastest]["median_ms"] / 1000.0,
           "fastest_speedup": lat["paper"]["median_ms"] / lat[fastest]["median_ms"],
           "latency": lat, "ppp_paper": None, "ppp_fast": None, "ppp_diff_ci95": None}
    if planner is not None and int(p.possessions) > 0:
        res.update(paired_ppp(planner, p, device, seed))
    return res


def planner_support(planner) -> tuple:
    """(planners.support.Support, where it came from): the planner's own (its
    checkpoint's planning.json) or, without one, the shot ranges of the shipped outcome
    models (fitted on the games before 0021500500) and no speed range."""
    from planners.support import Support

    sup = getattr(planner, "support", None)
    if sup is not None and (sup.shot_distance_ft or sup.defender_ft or sup.speed_ftps):
        return sup, "checkpoint"
    return Support.from_outcomes(default_models()), "shipped outcome models"


def write_planning_extras(out: Path, train_windows, models=None) -> Path:
    """Write what planning needs beside the networks into ``<out>/planning.json``: the
    support of the training windows (raw speed 1st-99th percentiles; shot and defender
    distances from ``models``, outcome models fitted on the training games only, default
    the shipped ones) and those outcome models. Call after training a planner."""
    from planners.planner import save_planning_extras
    from planners.support import Support, speed_range

    models = models or default_models()
    support = Support.from_outcomes(models, speed_range(train_windows.windows, train_windows.rate_hz))
    return save_planning_extras(out, support, models.to_dict())
