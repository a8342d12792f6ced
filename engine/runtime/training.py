"""The one training loop of every learned model (planner networks, behaviour-cloned
offense and defense, offline agents that are not d3rlpy's).

AdamW, gradient clipping, an exponential moving average of the weights, tqdm
progress, periodic atomic checkpoints (:mod:`engine.runtime.checkpoint`) and
resumption: a re-run with the same folder continues from the saved step, optimiser
state, EMA and the batch generator's state, so ``steps`` is the total target, not an
increment. ``folder=None`` trains in memory (small models fitted inside a cache entry).
"""

from __future__ import annotations

import copy
import math
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from engine.runtime.checkpoint import (
    has_checkpoint,
    load_meta,
    load_tensors,
    optimizer_from_tensors,
    optimizer_to_tensors,
    save_checkpoint,
)

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    lr: float = 2e-4
    weight_decay: float = 0.0
    grad_clip: float | None = 1.0   # None: no clipping
    ema_decay: float = 0.995
    ema_start: int = 100       # steps before the EMA starts tracking (copied until then)
    save_every: int = 1000
    log_every: int = 100
    seed: int = 0
    lr_schedule: str = "constant"   # "constant" | "cosine" (to 0 at ``steps``, as CosineAnnealingLR)

    def __post_init__(self):
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"TrainConfig.lr_schedule must be 'constant' or 'cosine', not {self.lr_schedule!r}")

    def lr_at(self, step: int, steps: int) -> float:
        """Learning rate of the update made at 0-based ``step`` of a ``steps``-step run
        (a pure function of the step, so a resumed run follows the same schedule)."""
        if self.lr_schedule == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * min(step, steps) / max(steps, 1)))
        return self.lr


@dataclass
class TrainResult:
    folder: Path
    step: int
    losses: list[float] = field(default_factory=list)   # one per step run in this call


def seeded_init(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    """Build a module with reproducible initial weights without touching the global
    torch RNG (initialisers draw from it, so it is forked and restored)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


class Ema:
    """Exponential moving average of a module's parameters (buffers copied)."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).requires_grad_(False).eval()

    @torch.no_grad()
    def update(self, model: nn.Module, copy_only: bool = False) -> None:
        w = 1.0 if copy_only else 1.0 - self.decay
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p.detach(), w)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


def _resume(folder: Path, kind: str, model: nn.Module, ema: Ema, opt, gen: torch.Generator,
            config: dict, device: torch.device) -> int:
    meta = load_meta(folder, kind)
    if meta["config"] != config:
        raise ValueError(f"{folder}: checkpoint config differs from the requested one; "
                         f"use another folder or resume=False\nsaved: {meta['config']}\n"
                         f"asked: {config}")
    model.load_state_dict(load_tensors(folder, "weights", device))
    ema.model.load_state_dict(load_tensors(folder, "ema", device))
    optimizer_from_tensors(opt, load_tensors(folder, "optimizer", device), meta["optimizer"])
    gen.set_state(load_tensors(folder, "rng")["batch_generator"])
    log.info("resumed %s at step %d", folder, meta["step"])
    return int(meta["step"])


def _save(folder: Path | None, kind: str, model, ema, opt, gen, step: int, extra: dict) -> None:
    if folder is None:
        return
    opt_tensors, opt_meta = optimizer_to_tensors(opt)
    tensors = {"weights": model.state_dict(), "ema": ema.model.state_dict(),
               "optimizer": opt_tensors, "rng": {"batch_generator": gen.get_state()}}
    save_checkpoint(folder, tensors, {**extra, "step": step, "optimizer": opt_meta}, kind)


def run_training(model: nn.Module, loss_fn: Callable[[torch.Generator], torch.Tensor],
                 folder: str | Path | None, steps: int, device: torch.device, meta: dict,
                 cfg: TrainConfig | None = None, resume: bool = True,
                 progress: bool = True, kind: str = "planner") -> tuple[TrainResult, Ema]:
    """Train ``model`` (already on ``device``) until ``steps`` total steps.

    loss_fn(generator) -> scalar loss of one batch drawn with ``generator`` (a CPU
    torch.Generator seeded from cfg.seed). meta: JSON-ready dict saved with every
    checkpoint; must hold 'config' (compared on resume) and may hold 'normalizer'.
    kind: the checkpoint's model kind (checked on resume). folder=None: no checkpoints.
    """
    cfg = cfg or TrainConfig()
    folder = Path(folder) if folder is not None else None
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    ema = Ema(model, cfg.ema_decay)
    meta = {**meta, "config": json.loads(json.dumps(meta["config"])), "train": asdict(cfg)}
    step = _resume(folder, kind, model, ema, opt, gen, meta["config"], device) \
        if folder is not None and resume and has_checkpoint(folder) else 0
    losses: list[float] = []
    model.train()
    bar = tqdm(total=steps, initial=min(step, steps), disable=not progress, desc=folder.name if folder else kind)
    while step < steps:
        for group in opt.param_groups:
            group["lr"] = cfg.lr_at(step, steps)
        loss = loss_fn(gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        step += 1
        ema.update(model, copy_only=step <= cfg.ema_start)
        losses.append(float(loss.detach()))
        bar.update(1)
        if step % cfg.log_every == 0:
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
            log.info("%s step %d loss %.5f", folder.name if folder else kind, step, losses[-1])
        if step % cfg.save_every == 0 and step < steps:
            _save(folder, kind, model, ema, opt, gen, step, meta)
    bar.close()
    if folder is not None and (losses or not has_checkpoint(folder)):
        _save(folder, kind, model, ema, opt, gen, step, meta)
    model.eval()
    return TrainResult(folder, step, losses), ema
