"""hoopsim train: PlayBest's diffusion U-Net and value model on the training split.

Writes ``<out>/diffusion/`` and ``<out>/value/`` (safetensors + checkpoint.json: config,
normaliser, schema version, code revision) and ``<out>/train.json`` (windows, steps,
final losses, samples per second). Re-running with the same ``out=`` resumes.
"""

from __future__ import annotations

import json
import logging

import torch

from engine.atomic import write_text_atomic
from engine.runtime import seed_everything
from hoopsim.configs import to_config
from hoopsim.data import cache_root, load_data
from hoopsim.runs import run_dir
from hoopsim.task_configs import TrainTask
from hoopsim.training import train_planner

log = logging.getLogger(__name__)
CONFIG = TrainTask


def main(cfg) -> int:
    cfg = to_config(TrainTask, cfg)
    out = run_dir("train", cfg)
    seed_everything(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    ds = load_data(cfg.data, cache_root(cfg.cache_dir), cfg.workers)
    summary = train_planner(ds, cfg.planner, out, reward=cfg.reward, seed=cfg.seed,
                            device=cfg.device)
    write_text_atomic(out / "train.json", json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"checkpoint: {out}")
    return 0
