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

from pathlib import Path

import numpy as np

from engine.runtime.cache import file_stamp
from engine.runtime.executor import ExecutorConfig, run_units
from hoopsim.configs import plain
from hoopsim.data import cache_root, load_data
from hoopsim.evaluation_units import EvalShared, cell_units, merge_cell, merge_cells, play_unit
from hoopsim.jobs import job_store, weights_digest

BLOCK = 256            # starts per unit
MAX_STEPS = 120        # steps (0.52 s) before an online possession is cut
RUN_ONLY = ("out", "name", "debug", "executor", "ray", "workers", "threads", "cache_dir")


def agents_stamp(out: Path, agents: dict) -> dict:
    """The content of each seed-0 agent's saved files (the shard key's part for agents)."""
    from offline_rl.pipeline import agent_folder

    stamps = {}
    for method in agents:
        folder = agent_folder(out, method, 0)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "train_time.json") \
            if folder.is_dir() else []
        stamps[method] = [[str(p.relative_to(folder)), file_stamp(p).split("|", 1)[1]] for p in files]
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
                        temperature=float(preset.temperature))
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
