"""Save, load and cache the behaviour-cloned defense (:mod:`envs.defense_bc`):
``model.safetensors`` + ``config.json`` (no pickle), cached under
``engine.possessions.api.default_cache_dir()`` by the training possessions and the config."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from engine.atomic import atomic_path
from engine.possessions.dataset import PossessionSet
from envs.defense_bc import BCConfig, BCDefense, fit_bc, sample_frames

VERSION = 1


def save_defense(model: BCDefense, directory: str | Path) -> Path:
    with atomic_path(Path(directory)) as tmp:
        tmp.mkdir()
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(tmp / "model.safetensors"))
        (tmp / "config.json").write_text(json.dumps({"version": VERSION,
                                                     "config": asdict(model.cfg)}, indent=1))
    return Path(directory)


def load_defense(directory: str | Path) -> BCDefense:
    meta = json.loads((Path(directory) / "config.json").read_text())
    if meta.get("version") != VERSION:
        raise ValueError(f"{directory}: BC defense version {meta.get('version')}, expected {VERSION}")
    model = BCDefense(BCConfig(**meta["config"]))
    model.load_state_dict(load_file(str(Path(directory) / "model.safetensors")))
    return model.eval()


def fit_or_load_defense(train_ds: PossessionSet, cfg: BCConfig | None = None, seed: int = 0,
                        cache_dir: str | Path | None = None) -> BCDefense:
    """BC defense fitted on ``train_ds`` (the caller passes the train split), reused from
    ``<cache_dir>/defense-bc-<key>`` when that fit exists."""
    from engine.possessions.api import default_cache_dir

    cfg = cfg or BCConfig()
    m = train_ds.meta
    h = hashlib.sha256(json.dumps({**asdict(cfg), "seed": seed}, sort_keys=True).encode())
    h.update((m["game_id"].astype(str) + ":" + m["poss_index"].astype(str)).str.cat(sep=",").encode())
    directory = Path(cache_dir or default_cache_dir()) / f"defense-bc-{h.hexdigest()[:16]}"
    if (directory / "config.json").exists():
        return load_defense(directory)
    frames = sample_frames(train_ds, cfg.max_frames, np.random.default_rng(seed))
    model = fit_bc(frames, cfg, torch.Generator().manual_seed(seed))
    save_defense(model, directory)
    return model
