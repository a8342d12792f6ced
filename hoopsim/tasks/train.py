"""hoopsim train: PlayBest's diffusion U-Net and value model on the training split.

Writes ``<out>/diffusion/`` and ``<out>/value/`` (safetensors + checkpoint.json: config,
normaliser, schema version, code revision) and ``<out>/train.json`` (windows, steps,
final losses, samples per second). Re-running with the same ``out=`` resumes.
"""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import torch

from engine.atomic import write_text_atomic
from engine.rewards import REWARD_COLUMNS
from engine.runtime import resolve_device, seed_everything
from hoopsim.cli import run_dir
from hoopsim.data import load_data

log = logging.getLogger(__name__)


def model_config(p, rate_hz: float, reward_column: str):
    from planners.diffusion import DiffusionConfig, PlannerModelConfig
    from planners.unet import UNetConfig

    horizon = max(4, int(round(float(p.horizon_s) * rate_hz)))
    return PlannerModelConfig(unet=UNetConfig(widths=tuple(p.widths)),
                              diffusion=DiffusionConfig(n_train_steps=int(p.n_diffusion_steps),
                                                        predict=str(p.predict)),
                              horizon=horizon, rate_hz=rate_hz, reward=reward_column)


def train_planner(ds, cfg, out) -> dict:
    """Train both networks into ``out``; returns the train.json summary."""
    from planners.diffusion import train
    from planners.normalizer import Normalizer
    from engine.runtime.training import TrainConfig
    from planners.value import ValueConfig, train_value
    from planners.windows import make_windows

    p, device = cfg.planner, resolve_device(str(cfg.device))
    column = REWARD_COLUMNS[str(cfg.reward)]
    windows = make_windows(ds, float(p.horizon_s), reward=column)
    train_w = windows.select_split("train")
    mcfg = model_config(p, windows.rate_hz, column)
    tcfg = TrainConfig(lr=float(p.lr), seed=int(cfg.seed), save_every=1000)
    t0 = time.perf_counter()
    res = train(mcfg, train_w, int(p.steps), int(p.batch), device, out, train_cfg=tcfg)
    t_diff = time.perf_counter() - t0
    from engine.runtime.checkpoint import load_meta
    norm = Normalizer.from_dict(load_meta(out / "diffusion", "planner-diffusion")["normalizer"])
    vcfg = ValueConfig(widths=tuple(p.value_widths), diffusion=mcfg.diffusion, reward=column)
    vres = train_value(vcfg, train_w, norm, int(p.value_steps), int(p.batch), device, out,
                       train_cfg=tcfg)
    last = lambda r: float(np.mean(r.losses[-50:])) if r.losses else None  # noqa: E731
    return {"windows_train": len(train_w), "windows_all": len(windows), "horizon": mcfg.horizon,
            "rate_hz": windows.rate_hz, "reward": column, "steps": res.step,
            "value_steps": vres.step, "final_loss": last(res), "final_value_loss": last(vres),
            "diffusion_s": round(t_diff, 1),
            "samples_per_s": round(len(res.losses) * int(p.batch) / max(t_diff, 1e-9), 1),
            "device": str(device)}


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
