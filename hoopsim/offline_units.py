"""``hoopsim offline-eval``'s online play as units of the executor seam
(engine.runtime.executor), on the paired evaluation's units (hoopsim.evaluation_units).

A unit is one method x defense x block of ``BLOCK`` consecutive drawn held-out starts; the
methods are ``bc``, ``scripted`` and every trained agent (decisions from the agent at the
preset's temperature, movement from the behaviour-cloned offense). A block's simulator and
policy streams are seeded by ``unit_seed(seed, "evaluate", defense, the block's start ids)``:
the same for every method (the rows stay paired against ``bc`` and ``scripted``: common
random numbers) and never from a worker, the number of workers or arrival order. The fitted
BC offense, the agents, the outcome models and the drawn starts travel once, as the job's
shared object; finished blocks are kept as shards until the online play is merged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.runtime.cache import file_stamp
from engine.runtime.executor import ExecutorConfig, Unit, run_units
from hoopsim.configs import plain
from hoopsim.data import cache_root, load_data
from hoopsim.evaluation_units import (
    EvalShared,
    cell_units,
    merge_cell,
    merge_cells,
    play_unit,
)
from hoopsim.jobs import job_store, weights_digest

BLOCK = 256            # starts per unit
MAX_STEPS = 120        # steps (0.52 s) before an online possession is cut
RUN_ONLY = ("out", "name", "debug", "executor", "ray", "workers", "threads", "cache_dir")


def agents_stamp(out: Path, agents: dict, folders: list | None = None) -> dict:
    """The content of each seed-0 agent's saved files (or of ``folders``): the shard key's
    part for agents."""
    from offline_rl.pipeline import agent_folder

    stamps = {}
    for method in agents:
        for folder in folders or [agent_folder(out, method, 0)]:
            files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "train_time.json") \
                if folder.is_dir() else []
            stamps[str(folder.name)] = [[str(p.relative_to(folder)), file_stamp(p).split("|", 1)[1]]
                                        for p in files]
    return stamps


def data_config(cfg):
    """The task's data keys as the DataConfig group (as hoopsim.offline reads them)."""
    from hoopsim.task_configs import DataConfig

    return DataConfig(tracking=cfg.tracking, pbp=cfg.pbp, cutoff=cfg.cutoff)


def online_fit(cfg, ds, preset):
    """The behaviour-cloned offense that moves the attackers (and plays ``bc``)."""
    from offline_rl.bc import OffenseBCConfig, fit_or_load

    if preset.bc_steps is None:
        full = load_data(data_config(cfg), cache_root(cfg.cache_dir), cfg.workers)
        return fit_or_load(full.split("train"), cache_dir=cache_root(cfg.cache_dir), progress=False)
    return fit_or_load(ds.split("train"), OffenseBCConfig(steps=preset.bc_steps, batch=256, max_frames=20_000,
                                                          seed=cfg.seed),
                       cache_dir=cache_root(cfg.cache_dir), progress=False)


def online_models(cfg, preset):
    """The outcome models the online play is scored by (held-out fit or the shipped ones)."""
    from engine.outcomes.models import default_models
    from hoopsim.evaluation import evaluation_outcomes

    if preset.online_outcomes == "held_out":
        return evaluation_outcomes(data_config(cfg), cfg.cutoff, cache_root(cfg.cache_dir), cfg.workers)
    return default_models()


def play_online(cfg, ds, agents: dict, preset, out: Path, executor: ExecutorConfig | None = None) -> dict:
    """{(method, defense): CellRun} of ``bc``, ``scripted`` and every agent (module docstring)."""
    from envs.core import default_sim_config
    from envs.starts import StartStates
    from hoopsim.evaluation import start_ids

    fit, models = online_fit(cfg, ds, preset), online_models(cfg, preset)
    starts = StartStates.from_dataset(ds, split="test")
    n = preset.online_possessions
    idx = np.random.default_rng(cfg.seed).choice(len(starts), size=n, replace=n > len(starts))
    ids = start_ids(starts, idx)
    shared = EvalShared({"online": starts.subset(idx)}, {"online": ids}, models, default_sim_config(),
                        int(cfg.seed), MAX_STEPS, {}, None, "cpu", bc_fit=fit, agents=dict(agents),
                        temperature=float(preset.temperature), threads=int(cfg.threads))
    methods = ["bc", "scripted", *agents]
    units = cell_units([(m, d, None) for d in preset.online_defenses for m in methods], n, BLOCK, "online", 0)
    settings = {k: v for k, v in plain(cfg).items() if k not in RUN_ONLY}
    store = job_store("offline-eval-online", cache_root(cfg.cache_dir), settings, plain(preset), ids,
                      weights_digest(fit), getattr(models, "version", None), agents_stamp(out, agents))
    results = run_units(play_unit, units, shared, executor or ExecutorConfig(), store, desc="online play")
    runs = {(method, defense): merge_cell(parts)[0]
            for (_, method, defense, _), parts in merge_cells(units, results).items()}
    store.clear()
    return runs


@dataclass
class CopyShared:
    """What every action-copy / OPE unit needs (sent to each node once)."""

    test: object            # offline_rl.mdp.OfflineMDP of the held-out games
    x: np.ndarray           # history windows of the test decision points (preset.history)
    m: np.ndarray           # their masks
    xs: np.ndarray          # frame-stacked observations (FQE's input)
    mu: np.ndarray          # the calibrated behaviour policy on the test decision points
    agents: dict            # method -> its agents, seed 0 first
    preset: object
    seed: int
    threads: int            # torch threads of a unit (FQE's sums depend on it)


def copy_ope_unit(method: str, shared: CopyShared) -> dict:
    """One agent's action copy (every seed) and OPE (seed 0, FQE included)."""
    import torch

    from offline_rl.ope import fit_fqe, ope_rows
    from offline_rl.pipeline import copy_row, predictions

    torch.set_num_threads(shared.threads)
    t0, p, seed = time.perf_counter(), shared.preset, shared.seed
    agent, *others = shared.agents[method]
    s, pred = predictions(agent, shared.x, shared.m, seed)
    copy = copy_row(method, shared.test, s, pred, p, agent, seed)
    pi = agent.policy(s, p.temperature)
    q = fit_fqe(shared.xs, shared.test, pi, p.fqe_steps, seed)
    ope = ope_rows(method, shared.test, pi, shared.mu, q, p.n_boot, seed)
    per_seed = []
    for k, a in enumerate(others, start=1):
        s_k, pred_k = predictions(a, shared.x, shared.m, seed + k)
        per_seed.append(copy_row(method, shared.test, s_k, pred_k, p, a, seed))
    return {"copy": copy, "ope": ope, "per_seed": per_seed, "wall_s": time.perf_counter() - t0}


def copy_and_ope(cfg, preset, test, seeded: dict, mu, out: Path, executor: ExecutorConfig | None = None
                 ) -> dict:
    """{method: copy_ope_unit's result} of every discrete agent (continuous movers play
    online only) through the executor seam, a unit per agent."""
    from offline_rl.mdp import stacked, windows
    from offline_rl.pipeline import agent_folder

    methods = [m for m, agents in seeded.items() if hasattr(agents[0], "scores")]
    if not methods:
        return {}
    x, m = windows(test, preset.history)
    shared = CopyShared(test, x, m, stacked(test, preset.budget.stack), mu,
                        {k: list(seeded[k]) for k in methods}, preset, int(cfg.seed), int(cfg.threads))
    stamps = {k: agents_stamp(out, {k: None}, [agent_folder(out, k, s) for s in range(len(seeded[k]))])
              for k in methods}
    settings = {k: v for k, v in plain(cfg).items() if k not in RUN_ONLY or k == "threads"}
    store = job_store("offline-eval-copy", cache_root(cfg.cache_dir), settings, plain(preset), stamps,
                      weights_digest(mu))
    units = [Unit(f"copy-ope/{k}", k) for k in methods]
    results = run_units(copy_ope_unit, units, shared, executor or ExecutorConfig(), store,
                        desc="action copy + OPE")
    store.clear()
    return dict(zip(methods, results))
