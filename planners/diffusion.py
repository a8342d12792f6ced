"""Training of the x0 denoiser (planners.denoiser) on normalised windows, and its
checkpoint.

Training (one batch): x0 = normalised window (b, h, c); k ~ U{0..K-1}; x_k =
DDPMScheduler.add_noise(x0, eps, k); a random 1..``max_observed`` leading frames are
observed: written clean into x_k with the mask channel on (planning inpaints the last
2-4 observed frames the same way); the reward bucket is hidden for a
``bucket_drop`` share of windows (classifier-free guidance); the loss is the MSE of
x0_hat against x0 over the unobserved frames, weighted per window by 1 / c_out(k)^2
(``loss_weight`` "edm", Karras et al.: the inner network's target has unit variance at
every noise level). Unweighted, low-noise steps weigh up to ~600x less than high-noise
ones: on the real windows after 2,000 steps the model still only copied its noisy
input at low noise and raw DDIM-10 samples moved at a median 34 ft/s (real 4.1). The noise schedule and its diffusers
schedulers live in planners.schedule.

Checkpoint folder ``<out_dir>/diffusion`` in engine.runtime's one format (kind
"planner-diffusion"): weights / ema / optimizer / rng safetensors and checkpoint.json
holding the resolved PlannerModelConfig, the normaliser, schema version, code revision
and step. Folders written before that format (no kind / checkpoint_format) load; one
this code cannot rebuild (e.g. an epsilon-prediction config) is a one-line
HoopsimDataError that says to retrain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import DDPMScheduler
from torch import nn

from engine.errors import HoopsimDataError
from engine.runtime import resolve_device
from engine.runtime.checkpoint import META_FILE, load_meta, load_tensors
from engine.runtime.training import TrainConfig, TrainResult, run_training, seeded_init
from planners.normalizer import Normalizer, NormalizerConfig
from planners.schedule import DiffusionConfig, make_scheduler
from planners.denoiser import Denoiser, precondition
from planners.unet import UNetConfig
from planners.windows import WindowSet

log = logging.getLogger(__name__)

DIFFUSION_FOLDER = "diffusion"


@dataclass
class PlannerModelConfig:
    """Everything needed to rebuild the planner's network from a checkpoint."""
    unet: UNetConfig = field(default_factory=UNetConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    normalizer: NormalizerConfig = field(default_factory=NormalizerConfig)
    horizon: int = 23                      # frames at rate_hz
    rate_hz: float = 2.0
    reward: str = "reward_playbest"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["unet"]["widths"] = list(d["unet"]["widths"])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> PlannerModelConfig:
        return cls(unet=UNetConfig(**d["unet"]), diffusion=DiffusionConfig(**d["diffusion"]),
                   normalizer=NormalizerConfig(**d["normalizer"]), horizon=int(d["horizon"]),
                   rate_hz=float(d["rate_hz"]), reward=d["reward"])


def diffusion_loss(model: Denoiser, scheduler: DDPMScheduler, cfg: DiffusionConfig,
                   x0: torch.Tensor, bucket: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Masked x0 MSE of one batch (module docstring). x0 (b, h, c) normalised, bucket
    (b,) long 0..3 -> scalar."""
    b, h, _ = x0.shape
    k = torch.randint(0, cfg.n_train_steps, (b,), generator=gen).to(x0.device)
    eps = torch.randn(x0.shape, generator=gen).to(x0.device)
    n_obs = torch.randint(1, min(cfg.max_observed, h - 1) + 1, (b,), generator=gen).to(x0.device)
    observed = torch.arange(h, device=x0.device)[None, :] < n_obs[:, None]           # (b, h)
    hide = (torch.rand((b,), generator=gen) < cfg.bucket_drop).to(x0.device)
    bucket = torch.where(hide, torch.full_like(bucket, -1), bucket)
    xk = torch.where(observed[..., None], x0, scheduler.add_noise(x0, eps, k))
    err = (model(xk, k, observed, bucket) - x0) ** 2                                # (b, h, c)
    weight = (~observed).to(x0.dtype)
    frames = weight.sum()
    if cfg.loss_weight == "edm":
        c_out = precondition(model.alpha_bar[k], cfg.sigma_data)[1]
        weight = weight / c_out[:, None] ** 2
    return (err * weight[..., None]).sum() / (frames * x0.shape[-1])


def windows_tensors(windows: WindowSet, normalizer: Normalizer, device: torch.device
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised windows (n_w, h, c) and reward buckets (n_w,) long as tensors on
    ``device``."""
    x = torch.from_numpy(normalizer.normalize(windows.windows).astype(np.float32)).to(device)
    return x, torch.from_numpy(windows.bucket.astype(np.int64)).to(device)


def build_model(cfg: PlannerModelConfig) -> Denoiser:
    """The denoiser a config describes (random weights)."""
    return Denoiser(cfg.unet, cfg.diffusion)


def train(cfg: PlannerModelConfig, windows: WindowSet, steps: int, batch: int,
          device: str | torch.device = "auto", out_dir: str | Path | None = "planner",
          resume: bool = True, progress: bool = True, train_cfg: TrainConfig | None = None,
          normalizer: Normalizer | None = None) -> TrainResult:
    """Train the denoiser on ``windows`` (the train split) until ``steps`` total.

    The normaliser is built from ``cfg.normalizer`` unless given (or restored on
    resume). ``cfg.horizon`` must equal the windows' horizon and ``cfg.unet.channels``
    their channels. out_dir None trains in memory. Returns the TrainResult of the
    checkpoint folder ``<out_dir>/diffusion``.
    """
    if windows.horizon != cfg.horizon:
        raise ValueError(f"windows have h={windows.horizon}, config says horizon={cfg.horizon}")
    if windows.windows.shape[-1] != cfg.unet.channels:
        raise ValueError(f"windows have {windows.windows.shape[-1]} channels, config says "
                         f"{cfg.unet.channels}")
    device = resolve_device(device)
    folder = None if out_dir is None else Path(out_dir) / DIFFUSION_FOLDER
    if folder is not None and resume and (folder / "checkpoint.json").is_file():
        normalizer = Normalizer.from_dict(load_meta(folder, "planner-diffusion")["normalizer"])
    normalizer = normalizer or Normalizer.fit(windows.windows, windows.mask, cfg.normalizer)
    x_all, b_all = windows_tensors(windows, normalizer, device)
    model = seeded_init(lambda: build_model(cfg), (train_cfg or TrainConfig()).seed).to(device)
    scheduler = make_scheduler(cfg.diffusion)

    def loss_fn(gen: torch.Generator) -> torch.Tensor:
        idx = torch.randint(0, x_all.shape[0], (batch,), generator=gen).to(device)
        return diffusion_loss(model, scheduler, cfg.diffusion, x_all[idx], b_all[idx], gen)

    meta = {"config": cfg.to_dict(), "normalizer": normalizer.to_dict(),
            "n_windows": len(windows)}
    result, _ = run_training(model, loss_fn, folder, steps, device, meta, train_cfg, resume, progress,
                             kind="planner-diffusion")
    return result


def checkpoint_folder(path: str | Path, name: str = DIFFUSION_FOLDER) -> Path:
    """``path`` itself when it holds checkpoint.json, else ``path/name``."""
    path = Path(path)
    return path if (path / "checkpoint.json").is_file() else path / name


def rebuild(folder: Path, kind: str, config_from_dict: Callable[[dict], Any],
            build: Callable[[Any], nn.Module], ema: bool, device: torch.device
            ) -> tuple[nn.Module, Any, dict]:
    """(model in eval mode, config, checkpoint.json) of the checkpoint in ``folder``.

    A folder this code cannot rebuild (another schema version, a config layout or
    weights of another shape) is a HoopsimDataError of one line that says to retrain."""
    meta = load_meta(folder, kind)
    where = str(folder / META_FILE)
    try:
        cfg = config_from_dict(meta["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HoopsimDataError(where, "config", f"does not fit this code's {kind} config "
                               f"({type(exc).__name__}: {exc}): retrain") from exc
    model = build(cfg).to(device)
    try:
        names = ("ema", "weights") if ema else ("weights", "ema")     # a shipped folder keeps one
        name = next((n for n in names if (folder / f"{n}.safetensors").is_file()), names[0])
        model.load_state_dict(load_tensors(folder, name, device))
    except RuntimeError as exc:
        lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
        first = (lines[1] if len(lines) > 1 else lines[0])[:160] if lines else type(exc).__name__
        raise HoopsimDataError(where, "weights", f"do not fit the network its config builds "
                               f"({first}): retrain") from exc
    return model.eval(), cfg, meta


def load_diffusion(path: str | Path, device: str | torch.device = "auto", ema: bool = True
                   ) -> tuple[Denoiser, Normalizer, PlannerModelConfig, dict]:
    """Rebuild the denoiser from a checkpoint alone -> (model in eval mode, normaliser,
    config, checkpoint.json). ``ema`` picks the averaged weights."""
    model, cfg, meta = rebuild(checkpoint_folder(path), "planner-diffusion",
                               PlannerModelConfig.from_dict, build_model,
                               ema, resolve_device(device))
    return model, Normalizer.from_dict(meta["normalizer"]), cfg, meta
