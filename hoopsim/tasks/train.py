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
from engine.runtime import resolve_device, seed_everything
from hoopsim.runs import run_dir
from hoopsim.data import load_data
from hoopsim.training import train_planner

log = logging.getLogger(__name__)


def main(cfg) -> int:
    out = run_dir("train", cfg)
    seed_everything(int(cfg.seed))
    if cfg.get("threads"):
        torch.set_num_threads(int(cfg.threads))
    ds = load_data(cfg)
    summary = train_planner(ds, cfg, out)
    write_text_atomic(out / "train.json", json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"checkpoint: {out}")
    return 0
