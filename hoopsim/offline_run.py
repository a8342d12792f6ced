"""``hoopsim offline-eval`` end to end (hoopsim.offline has the pieces): train or load
every agent of the preset on the games before the cutoff, then action copy, OPE and
online play on the games at or after it; results.json in the schema of the README."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from hoopsim.offline import behaviour, build, online_rows, write_results
from hoopsim.runs import git_rev

log = logging.getLogger(__name__)


def train_all(preset, train, out: Path, wall: dict) -> tuple[dict, dict]:
    """({method: seed-0 agent}, {method: [agents of every seed]})."""
    from offline_rl.pipeline import agent_folder, train_agent

    agents, seeded = {}, {}
    for method in preset.methods:
        seeds = range(preset.seeds if method in preset.seeded_methods else 1)
        for seed in seeds:
            agent, w, ups = train_agent(method, train, preset, seed, agent_folder(out, method, seed))
            log.info("trained %s seed %d in %.1f s (%.1f updates/s)", method, seed, w, ups)
            if seed == 0:
                agents[method] = agent
                wall[method] = {"train": round(w, 1), "updates_per_s": None if not np.isfinite(ups) else round(ups, 1)}
            seeded.setdefault(method, []).append(agent)
    return agents, seeded


def evaluate(cfg, preset, test, seeded: dict, mu, wall: dict, out: Path, executor=None
             ) -> tuple[list, list, list]:
    """(action_copy rows, ope rows, seed_summary rows) through the executor seam (a unit
    per discrete agent: hoopsim.offline_units.copy_and_ope)."""
    from hoopsim.offline_units import copy_and_ope
    from offline_rl.pipeline import seed_summary

    copy, ope, per_seed = [], [], []
    for method, res in copy_and_ope(cfg, preset, test, seeded, mu, out, executor).items():
        copy.append(res["copy"])
        ope += res["ope"]
        per_seed += res["per_seed"]
        wall.setdefault(method, {})["evaluate"] = round(res["wall_s"], 1)
    seeds = seed_summary([r for r in copy if len(seeded.get(r["method"], [])) > 1] + per_seed)
    return copy, ope, seeds


def run_offline_eval(cfg, preset, out: Path, executor=None) -> dict:
    t0 = time.perf_counter()
    ds, mdp, train, test = build(cfg, preset)
    wall: dict = {}
    agents, seeded = train_all(preset, train, out, wall)
    mu, calib = behaviour(train, test, preset, cfg.seed)
    copy, ope, seeds = evaluate(cfg, preset, test, seeded, mu, wall, out, executor)
    t_online = time.perf_counter()
    online = online_rows(cfg, ds, agents, preset, out, executor)
    g = np.bincount(np.cumsum(test.episode_starts()) - 1, weights=test.reward)
    results = {
        "meta": {"split": mdp.split_record(), "seeds": {"seed": cfg.seed, "n_seeds": preset.seeds,
                                                         "seeded_methods": list(preset.seeded_methods)},
                 "budgets": {"budget": asdict(preset.budget), "pomdp": asdict(preset.pomdp), "d3": preset.d3,
                             "behaviour_steps": preset.behaviour_steps, "fqe_steps": preset.fqe_steps},
                 "wall_s": wall, "wall_s_online": round(time.perf_counter() - t_online, 1),
                 "wall_s_total": round(time.perf_counter() - t0, 1), "preset": preset.name,
                 "counts": {"train": train.counts(), "test": test.counts()},
                 "reward_trained": train.reward_name, "ope_reward": "points", "gamma": 1.0,
                 "temperature": preset.temperature, "behaviour": calib, "git_rev": git_rev(),
                 "movement_in_simulator": "behaviour-cloned offense (offline_rl.bc), the same for every agent",
                 "continuous_agents": "bcq, cql, iql, td3_bc move the attackers while the offense holds "
                                      "the ball; decisions from the bc offense's decision head (d3rlpy has "
                                      "no discrete IQL); online rows only",
                 "not_built": []},
        "action_copy": copy, "ope": ope, "actual_points_per_100": float(100 * g.mean()),
        "online": online, "seed_summary": seeds}
    write_results(out, results)
    return results
