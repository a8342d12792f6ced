"""hoopsim offline-eval: train (or load) every offline agent of the preset on the games
before the cutoff, evaluate on the games at or after it (hoopsim.offline_run); writes
``<out>/results.json`` and ``<out>/results.md``. ``executor=ray`` runs the evaluation phase on Ray
(hoopsim.offline_units: action copy + OPE a unit per agent, online play a unit per agent x
defense x block of starts) with the same results as the local run; training stays here."""

from __future__ import annotations

import torch

from hoopsim.configs import to_config
from hoopsim.jobs import executor_config
from hoopsim.offline import load_preset
from hoopsim.offline_run import run_offline_eval
from hoopsim.runs import run_dir
from hoopsim.task_configs_learning import OfflineEvalTask

CONFIG = OfflineEvalTask


def main(cfg) -> int:
    cfg = to_config(OfflineEvalTask, cfg)
    preset = load_preset(cfg.preset, cfg)          # a bad preset fails before the run folder exists
    executor = executor_config(cfg)                # so does executor=ray without Ray
    torch.set_num_threads(cfg.threads)
    out = run_dir("offline-eval", cfg)
    run_offline_eval(cfg, preset, out, executor)
    print((out / "results.md").read_text())
    print(f"results: {out / 'results.json'}")
    return 0
