"""``hoopsim realism``'s rollouts as units of the executor seam (engine.runtime.executor).

A unit is one block of ``batch`` consecutive rows of the drawn start list (BC offense vs BC
defense from those held-out starts). Its simulator stream is seeded by
``unit_seed(seed, "realism", the block's start ids)``: never by a worker, the number of
workers or the order units finish in, so ``executor=local`` and ``executor=ray`` give the
same rollouts. A unit returns its measures (envs.evaluation.realism.sim_measures of its one
part) as plain arrays; :func:`merge_measures` concatenates the blocks in order into exactly
what ``sim_measures`` returns for all the parts at once. The fitted models and the drawn
starts travel once, as the job's shared object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.runtime import resolve_device, seed_everything, unit_seed
from engine.runtime.executor import Unit

SHOT_COLUMNS = ("distance_ft", "is_three", "made", "fouled", "row")


@dataclass
class RealismShared:
    """What every realism unit needs (sent to each node once)."""

    starts: object          # envs.starts.StartStates of the drawn rows, in drawn order
    ids: list               # start ids ('game/period/poss') of those rows
    offense: object         # offline_rl.bc.BCOffense
    defense: object         # envs.defense.bc.BCDefense
    seed: int
    max_steps: int
    device: str
    threads: int = 1        # torch threads of a unit (hoopsim.jobs.unit_threads)


def realism_units(n_rows: int, batch: int) -> list[Unit]:
    """Blocks of ``batch`` rows of the ``n_rows`` drawn starts."""
    return [Unit(f"realism/b{b:05d}", (lo, min(lo + batch, n_rows)))
            for b, lo in enumerate(range(0, n_rows, batch))]


def block_seed(seed: int, ids: list[str]) -> int:
    return unit_seed(seed, "realism", list(ids))


def rollout_unit(args, shared: RealismShared) -> dict:
    """Roll one block (module docstring) -> its measures as plain arrays."""
    import torch

    from envs.core import default_outcomes, default_sim_config
    from envs.evaluation.bench import torch_threads
    from envs.evaluation.realism import sim_measures
    from envs.simulate import simulate

    lo, hi = args
    device = resolve_device(shared.device)
    seed = block_seed(shared.seed, shared.ids[lo:hi])
    seed_everything(seed)                      # code we do not own draws from the globals
    outcomes, sim_cfg = default_outcomes(device), default_sim_config()
    if hasattr(shared.defense, "to"):          # a fitted defense (the scripted schemes hold no tensors)
        shared.defense.to(device)
    start = shared.starts.to_sim(np.arange(lo, hi), device, outcomes, sim_cfg)
    gen = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad(), torch_threads(shared.threads):
        part = simulate(start, shared.offense, shared.defense, outcomes, sim_cfg, gen, shared.max_steps)
    m = sim_measures([part])
    shots = {c: m["shots"][c].to_numpy() for c in SHOT_COLUMNS}
    shots["row"] = shots["row"] + lo                   # index into the drawn rows
    return {"points": m["points"], "turnover": m["turnover"], "length_s": m["length_s"],
            "shots": shots, "passes": m["passes"], "first_shot_s": m["first_shot_s"],
            "team": np.asarray(shared.starts.offense_team_id[lo:hi], np.int64),
            "oreb": m["oreb"], "live_miss": m["live_miss"], "speeds": m["speeds"],
            "truncated": part["truncated"].cpu().numpy(), "rows": hi - lo}


def merge_measures(parts: list[dict]) -> dict:
    """The blocks' measures in block order -> what sim_measures gives for all of them."""
    cat = lambda k: np.concatenate([p[k] for p in parts])
    shots = pd.DataFrame({c: np.concatenate([p["shots"][c] for p in parts]) for c in SHOT_COLUMNS})
    return {"points": cat("points"), "turnover": cat("turnover"), "length_s": cat("length_s"),
            "shots": shots, "passes": cat("passes"), "first_shot_s": cat("first_shot_s"),
            "team": cat("team"), "oreb": int(sum(p["oreb"] for p in parts)),
            "live_miss": int(sum(p["live_miss"] for p in parts)), "speeds": cat("speeds"),
            "truncated": float(cat("truncated").mean())}
