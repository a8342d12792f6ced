"""RL library routes (examples/): training starts, and the learning table that measures a
trained agent the way ``hoopsim evaluate`` measures an offense.

The table plays the same held-out starts (games >= the data's cutoff, drawn by ``seed``)
with the same simulator random numbers for every policy (:func:`envs.evaluation.paired.run_cell`,
common random numbers), under the evaluator's outcome models fitted on the held-out games
(:func:`hoopsim.evaluation_run.prepare`), against one scheme. Rows: each given agent
(the route's random policy and the trained one, as :mod:`envs.agents` SimPolicies) and the
``scripted`` and ``bc`` offenses; each with PPP (points per possession) and its 95%
interval, and every row's paired difference to ``random`` (mean of per-possession
differences, 95% interval).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)


def evaluation_config(data: str = "real", possessions: int = 500, seed: int = 0,
                      defense: str = "man_to_man", cache_dir: str | None = None, workers: int = 1):
    """The EvaluateTask of the learning table (the ``evaluate`` task's defaults otherwise)."""
    from hoopsim.cli import load_config
    from hoopsim.configs import to_config
    from hoopsim.task_configs import EvaluateTask

    over = [f"data={data}", f"possessions={possessions}", f"seed={seed}", "methods=[scripted]",
            f"defenses=[{defense}]", f"workers={workers}", "device=cpu"]
    if cache_dir:
        over.append(f"cache_dir={cache_dir}")
    return to_config(EvaluateTask, load_config("evaluate", over))


def training_starts(data: str = "real", cache_dir: str | None = None):
    """StartStates of the training games (before the data's cutoff) of the ``data``
    group ('real': ../shared/data; 'synthetic': the embedded corpus)."""
    from envs.starts import StartStates
    from hoopsim.data import cache_root, load_data

    cfg = evaluation_config(data, 1, cache_dir=cache_dir)
    ds = load_data(cfg.data, cache_root(cfg.cache_dir), cfg.workers)
    return StartStates.from_dataset(ds, split="train")


def learning_table(agents: dict, possessions: int = 500, seed: int = 0, data: str = "real",
                   defense: str = "man_to_man", baselines=("scripted", "bc"),
                   cache_dir: str | None = None) -> dict:
    """agents: name -> SimPolicy (include ``random``). Returns {"meta", "rows": [{name,
    n, ppp, ci95, vs_random: {diff, ci95}}]} (module docstring)."""
    from envs.core import default_sim_config
    from envs.evaluation.paired import paired, run_cell, summarise
    from hoopsim.data import cache_root
    from hoopsim.evaluation import MethodContext, make_method, schemes
    from hoopsim.evaluation_run import evaluator_games, prepare

    cfg = evaluation_config(data, possessions, seed, defense, cache_dir)
    prep = prepare(cfg)
    ctx = MethodContext(prep.ds.split("train"), prep.ds.split("test"), None, default_sim_config(),
                        {}, prep.device, cache_root(cfg.cache_dir))
    scheme = schemes(None, (defense,))[defense]
    policies = dict(agents)
    for name in baselines:
        policies[name] = make_method(name, ctx)
    runs = {}
    for name, policy in policies.items():
        t0 = time.perf_counter()
        start = prep.starts.to_sim(prep.idx, prep.device, prep.outcomes_t, ctx.sim_cfg)
        runs[name] = run_cell(start, policy, scheme, prep.outcomes_t, ctx.sim_cfg, cfg.seed,
                              cfg.batch, cfg.max_steps)
        log.info("%s: PPP %.3f (n=%d) in %.1f s", name, runs[name].points.mean(),
                 len(runs[name].points), time.perf_counter() - t0)
    rows = []
    for name, run in runs.items():
        s = summarise(run)
        row = {"policy": name, "n": s["n"], "ppp": s["ppp"], "ci95": s["ci95"],
               "fga_per_poss": s["outcomes"]["fga_per_poss"],
               "turnover_rate": s["outcomes"]["turnover_rate"]}
        if "random" in runs and name != "random":
            row["vs_random"] = paired(run.points, runs["random"].points)
        rows.append(row)
    meta = {"possessions": possessions, "seed": seed, "defense": defense, "data": data,
            "evaluator": f"outcome models v{prep.models_eval.version} fitted on games "
                         f"{evaluator_games(prep.models_eval)}", "starts": "held-out"}
    return {"meta": meta, "rows": rows}


def table_markdown(table: dict) -> str:
    lines = [f"| policy | n | PPP | 95% CI | minus random | 95% CI |", "|---|---|---|---|---|---|"]
    for r in table["rows"]:
        d = r.get("vs_random")
        lines.append(f"| {r['policy']} | {r['n']} | {r['ppp']:.3f} | [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}] | "
                     + (f"{d['diff']:+.3f} | [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}] |" if d else "- | - |"))
    return "\n".join(lines)


def write_table(out: Path, table: dict, extra: dict | None = None) -> None:
    from engine.atomic import write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "learning.json", json.dumps({**table, **(extra or {})}, indent=1,
                                                        default=float) + "\n")
    write_text_atomic(out / "learning.md", table_markdown(table) + "\n")
