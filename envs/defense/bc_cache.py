"""Save, load and cache the behaviour-cloned defense (:mod:`envs.defense.bc`) in the one
checkpoint format (:mod:`engine.runtime.checkpoint`, kind ``bc-defense``: safetensors +
JSON config, no pickle), cached in ``cache_folder("bc-defense", key)`` with the key of
:func:`engine.runtime.cache.cache_key` over the config, the seed and the training possessions. Registers ``bc`` in
:data:`envs.defense.DEFENSES`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from engine.errors import HoopsimConfigError
from engine.possessions.dataset import PossessionSet
from engine.runtime.cache import cache_folder, cache_key
from engine.runtime.checkpoint import (
    has_checkpoint,
    load_meta,
    load_tensors,
    save_checkpoint,
)
from envs.defense.bc import BCConfig, BCDefense, fit_bc, sample_frames
from envs.defense.schemes import DEFENSES

KIND = "bc-defense"


def save_defense(model: BCDefense, directory: str | Path) -> Path:
    """Weights and config into ``directory`` (kind ``bc-defense``), atomically."""
    return save_checkpoint(directory, {"weights": model.state_dict()},
                           {"config": asdict(model.cfg)}, KIND)


def load_defense(directory: str | Path) -> BCDefense:
    """Inverse of :func:`save_defense` (HoopsimDataError for another kind or schema)."""
    meta = load_meta(directory, KIND)
    model = BCDefense(BCConfig(**meta["config"]))
    model.load_state_dict(load_tensors(directory, "weights"))
    return model.eval()


def fit_key(train_ds: PossessionSet, cfg: BCConfig, seed: int) -> str:
    """Cache key: config, seed and the training possessions' ids."""
    m = train_ds.meta
    ident = (m["game_id"].astype(str) + ":" + m["poss_index"].astype(str)).str.cat(sep=",")
    return cache_key(KIND, asdict(cfg), seed, ident)


def fit_or_load_defense(train_ds: PossessionSet, cfg: BCConfig | None = None, seed: int = 0,
                        cache_dir: str | Path | None = None) -> BCDefense:
    """BC defense fitted on ``train_ds`` (the caller passes the train split), reused from
    ``cache_folder("bc-defense", key, cache_dir)`` when that fit exists."""
    cfg = cfg or BCConfig()
    directory = cache_folder(KIND, fit_key(train_ds, cfg, seed), cache_dir)
    if has_checkpoint(directory):
        return load_defense(directory)
    frames = sample_frames(train_ds, cfg.max_frames, np.random.default_rng(seed))
    model = fit_bc(frames, cfg, torch.Generator().manual_seed(seed))
    save_defense(model, directory)
    return model


@DEFENSES.register("bc", BCConfig, help="behaviour-cloned defense, fitted on train= possessions")
def _bc(cfg: BCConfig, train: PossessionSet | None = None, seed: int = 0,
        cache_dir: str | Path | None = None) -> BCDefense:
    """The ``bc`` entry of :data:`envs.defense.DEFENSES`: :func:`fit_or_load_defense`."""
    if train is None:
        raise HoopsimConfigError("defense", "bc", "needs training possessions (the data "
                                 "options); the scripted schemes need none")
    return fit_or_load_defense(train, cfg, seed=seed, cache_dir=cache_dir)
