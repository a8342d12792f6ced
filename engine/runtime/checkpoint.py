"""The one checkpoint format of every learned model (planner networks, behaviour-cloned
offense and defense, offline agents).

A checkpoint is a folder written atomically (a temporary sibling renamed into place):
    checkpoint.json       ``kind`` (what model), ``checkpoint_format``, schema version,
                          code revision, the resolved config as a plain dict, and what
                          the model needs besides weights (normaliser statistics, step,
                          optimiser hyper-parameters, fit metrics)
    <name>.safetensors    one tensor file per state dict (weights, ema, optimizer, rng)
Nothing is pickled: optimiser state is flattened to named tensors plus JSON numbers.
Folders written before ``kind`` existed (the planner's, format 1) still load.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from engine.atomic import atomic_path
from engine.errors import HoopsimDataError
from engine.runtime.device import code_revision
from engine.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

META_FILE = "checkpoint.json"
CHECKPOINT_FORMAT = 2   # 2: kind + checkpoint_format fields; 1: the planner's, without them


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
                    meta: dict, kind: str) -> Path:
    """Write ``<name>.safetensors`` for each entry of ``tensors`` and checkpoint.json
    (``meta`` plus kind, format, schema version and code revision) into ``folder``,
    atomically (an existing checkpoint is replaced whole)."""
    folder = Path(folder)
    full = {**meta, "kind": kind, "checkpoint_format": CHECKPOINT_FORMAT,
            "schema_version": SCHEMA_VERSION, "code_revision": code_revision()}
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        for name, sd in tensors.items():
            save_file({k: v.detach().cpu().contiguous() for k, v in sd.items()},
                      str(tmp / f"{name}.safetensors"))
        (tmp / META_FILE).write_text(json.dumps(full, indent=2))
    return folder


def has_checkpoint(folder: str | Path) -> bool:
    return (Path(folder) / META_FILE).is_file()


def load_meta(folder: str | Path, kind: str | None = None) -> dict:
    """checkpoint.json of ``folder``. A missing or unreadable file, another kind, or
    another schema version is a :class:`HoopsimDataError` naming the file and saying
    what to do (a format-1 folder, which has no kind, is a planner's: it loads as any planner-* kind)."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise HoopsimDataError(str(path), "checkpoint", f"not a readable checkpoint ({exc})") from exc
    found = meta.get("kind", "planner")
    legacy_ok = "checkpoint_format" not in meta and (kind or "planner").startswith("planner")
    if kind is not None and found != kind and not legacy_ok:
        raise HoopsimDataError(str(path), "kind", f"a {found} checkpoint, expected {kind}")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise HoopsimDataError(str(path), "schema_version",
                               f"written with schema {meta.get('schema_version')}, code expects "
                               f"{SCHEMA_VERSION}: retrain")
    return meta


def load_tensors(folder: str | Path, name: str, device: torch.device | str = "cpu"
                 ) -> dict[str, torch.Tensor]:
    """``<folder>/<name>.safetensors`` as a dict of tensors on ``device``."""
    return load_file(str(Path(folder) / f"{name}.safetensors"), device=str(device))
