"""Runtime helpers of the planner: device choice, code revision, checkpoint folders.

A checkpoint is a folder written atomically (a temporary sibling renamed into place):
    checkpoint.json       resolved config as a plain dict, normaliser statistics,
                          schema version, code revision, step, optimiser hyper-parameters
    <name>.safetensors    one tensor file per state dict (weights, ema, optimizer, rng)
Nothing is pickled: optimiser state is flattened to named tensors plus JSON numbers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from engine.atomic import atomic_path
from engine.runtime import code_revision
from engine.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

META_FILE = "checkpoint.json"


def optimizer_to_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Flatten an optimiser state dict: ({'state.<i>.<name>': tensor}, JSON-ready groups)."""
    sd = opt.state_dict()
    tensors = {}
    for idx, state in sd["state"].items():
        for name, value in state.items():
            t = value if torch.is_tensor(value) else torch.tensor(value)
            tensors[f"state.{idx}.{name}"] = t.detach().cpu().contiguous()
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
              for g in sd["param_groups"]]
    return tensors, {"param_groups": groups}


def optimizer_from_tensors(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor],
                           meta: dict) -> None:
    """Inverse of :func:`optimizer_to_tensors`, loaded into ``opt`` in place."""
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        _, idx, name = key.split(".", 2)
        state.setdefault(int(idx), {})[name] = value
    groups = []
    for g in meta["param_groups"]:
        g = dict(g)
        if isinstance(g.get("betas"), list):
            g["betas"] = tuple(g["betas"])
        groups.append(g)
    opt.load_state_dict({"state": state, "param_groups": groups})


def save_checkpoint(folder: str | Path, tensors: dict[str, dict[str, torch.Tensor]],
                    meta: dict) -> Path:
    """Write ``<name>.safetensors`` for each entry of ``tensors`` and checkpoint.json
    (``meta`` plus schema version and code revision) into ``folder``, atomically."""
    folder = Path(folder)
    full = {"schema_version": SCHEMA_VERSION, "code_revision": code_revision(), **meta}
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        for name, sd in tensors.items():
            save_file({k: v.detach().cpu().contiguous() for k, v in sd.items()},
                      str(tmp / f"{name}.safetensors"))
        (tmp / META_FILE).write_text(json.dumps(full, indent=2))
    return folder


def has_checkpoint(folder: str | Path) -> bool:
    return (Path(folder) / META_FILE).is_file()


def load_meta(folder: str | Path) -> dict:
    """checkpoint.json of ``folder``; a wrong schema version is an error naming the file."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"{path}: not a readable planner checkpoint ({exc})") from exc
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {meta.get('schema_version')}, "
                         f"code expects {SCHEMA_VERSION}")
    return meta


def load_tensors(folder: str | Path, name: str, device: torch.device | str = "cpu"
                 ) -> dict[str, torch.Tensor]:
    """``<folder>/<name>.safetensors`` as a dict of tensors on ``device``."""
    return load_file(str(Path(folder) / f"{name}.safetensors"), device=str(device))
