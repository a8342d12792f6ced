"""hoopsim train-offline algo=<id>: train one offline agent on the games before the cutoff
into ``<out>/agents/<algo>`` (loaded, not retrained, when already there) and report its
action copy on the held-out games in ``<out>/results.json`` (``action_copy`` only)."""

from __future__ import annotations

import json

import numpy as np
import torch

from engine.atomic import write_text_atomic
from hoopsim.configs import to_config
from hoopsim.errors import UsageError
from hoopsim.offline import build, load_preset
from hoopsim.runs import run_dir
from hoopsim.task_configs_learning import TrainOfflineTask

CONFIG = TrainOfflineTask


def main(cfg) -> int:
    from offline_rl.mdp import windows
    from offline_rl.pipeline import (
        agent_folder,
        check_method,
        copy_row,
        predictions,
        train_agent,
    )

    cfg = to_config(TrainOfflineTask, cfg)
    try:
        check_method(cfg.algo)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    preset = load_preset(cfg.preset, cfg)
    torch.set_num_threads(cfg.threads)
    _, mdp, train, test = build(cfg, preset)
    out = run_dir("train-offline", cfg)
    agent, wall, ups = train_agent(cfg.algo, train, preset, cfg.seed, agent_folder(out, cfg.algo, cfg.seed), True)
    x, m = windows(test, preset.history)
    s, pred = predictions(agent, x, m, cfg.seed)
    row = copy_row(cfg.algo, test, s, pred, preset, agent, cfg.seed)
    results = {"meta": {"split": mdp.split_record(), "preset": preset.name, "algo": cfg.algo, "seed": cfg.seed,
                        "wall_s": round(wall, 1), "updates_per_s": ups if np.isfinite(ups) else None,
                        "counts": {"train": train.counts(), "test": test.counts()}},
               "action_copy": [row]}
    write_text_atomic(out / "results.json", json.dumps(results, indent=1) + "\n")
    print(json.dumps(row, indent=1))
    print(f"agent: {agent_folder(out, cfg.algo, cfg.seed)}")
    return 0
