"""Planner training wiring shared by ``hoopsim train`` and ``hoopsim evaluate`` (which
trains a preset once into the cache when no checkpoint is given): the ``planner`` preset
(hoopsim.task_configs.PlannerPreset) -> planners' model and training configs -> the
diffusion model and the value model."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from engine.atomic import write_text_atomic
from engine.rewards import REWARD_COLUMNS
from engine.runtime import resolve_device
from engine.runtime.cache import cache_folder, cache_key
from hoopsim.configs import plain

log = logging.getLogger(__name__)


def model_config(preset, rate_hz: float, reward_column: str):
    """The ``planner`` config group -> planners.diffusion.PlannerModelConfig (horizon in
    frames at ``rate_hz``)."""
    from planners.diffusion import DiffusionConfig, PlannerModelConfig
    from planners.unet import UNetConfig

    horizon = max(4, int(round(preset.horizon_s * rate_hz)))
    return PlannerModelConfig(unet=UNetConfig(widths=preset.widths),
                              diffusion=DiffusionConfig(n_train_steps=preset.n_diffusion_steps),
                              horizon=horizon, rate_hz=rate_hz, reward=reward_column)


def train_planner(ds, preset, out: Path, *, reward: str, seed: int, device) -> dict:
    """Train both networks of ``preset`` on ``ds``'s training split into ``out``, the value
    model on the return ``reward`` (an engine.rewards.REWARD_COLUMNS name), on ``device``
    (a name or torch.device); returns the train.json summary."""
    from engine.runtime.checkpoint import load_meta
    from engine.runtime.training import TrainConfig
    from planners.diffusion import train
    from planners.normalizer import Normalizer
    from planners.value import ValueConfig, train_value
    from planners.windows import make_windows

    device = resolve_device(device)
    column = REWARD_COLUMNS[reward]
    windows = make_windows(ds, preset.horizon_s, reward=column)
    train_w = windows.select_split("train")
    mcfg = model_config(preset, windows.rate_hz, column)
    tcfg = TrainConfig(lr=preset.lr, seed=seed, save_every=1000)
    t0 = time.perf_counter()
    res = train(mcfg, train_w, preset.steps, preset.batch, device, out, train_cfg=tcfg)
    t_diff = time.perf_counter() - t0
    norm = Normalizer.from_dict(load_meta(out / "diffusion", "planner-diffusion")["normalizer"])
    vcfg = ValueConfig(widths=preset.value_widths, diffusion=mcfg.diffusion, reward=column)
    vres = train_value(vcfg, train_w, norm, preset.value_steps, preset.batch, device, out,
                       train_cfg=tcfg)
    from hoopsim.planning import write_planning_extras

    write_planning_extras(out, train_w)       # support and training-game outcome models
    last = lambda r: float(np.mean(r.losses[-50:])) if r.losses else None  # noqa: E731
    return {"windows_train": len(train_w), "windows_all": len(windows), "horizon": mcfg.horizon,
            "rate_hz": windows.rate_hz, "reward": column, "steps": res.step,
            "value_steps": vres.step, "final_loss": last(res), "final_value_loss": last(vres),
            "diffusion_s": round(t_diff, 1),
            "samples_per_s": round(len(res.losses) * preset.batch / max(t_diff, 1e-9), 1),
            "device": str(device)}


def cached_planner(ds, preset, cache_root: Path, *, reward: str, seed: int, device) -> Path:
    """A planner of ``preset`` trained on ``ds`` once (:func:`train_planner`), in the cache
    folder keyed by the preset, the data's games and size, the reward and the seed."""
    key = cache_key({"planner": plain(preset), "n": len(ds), "seed": seed, "reward": reward,
                     "games": sorted(map(str, ds.meta["game_id"].unique()))})
    folder = cache_folder("planner", key, cache_root)
    if not (folder / "train.json").exists():
        log.info("training planner preset into %s", folder)
        summary = train_planner(ds, preset, folder, reward=reward, seed=seed, device=device)
        write_text_atomic(folder / "train.json", json.dumps(summary, indent=2) + "\n")
    return folder
