"""Value model J(x_k, k): the return a noised window leads to, for value guidance.

Trained like Diffuser's value function: x0 = normalised window, k ~ U{0..K-1},
x_k = DDPMScheduler.add_noise(x0, eps, k) with the diffusion model's schedule, target
= the window's return-to-go (:func:`returns_to_go`: its possession's return, which
arrives at the possession's end, discounted by ``gamma`` per planning frame from the
window's first frame to that end -- not the whole possession's reward for every
window alike), MSE. Windows lie inside possessions (planners.windows), so no window
shows frozen frames past the end. :func:`value_report` gives held-out R^2 and
calibration per noise level (gate: R^2 >= 0.2 on clean windows). The network is a small
temporal conv encoder of diffusers' residual temporal blocks (Conv1d -> GroupNorm ->
Mish, step embedding added), halving the horizon at each level, then a mean over the
remaining frames and an MLP head on [features, step embedding]. The mean pool makes
it accept any horizon (diffusers' own ValueFunction head needs the horizon to shrink
to exactly one frame).

Checkpoint folder ``<out_dir>/value`` (kind "planner-value") with the same conventions
as the diffusion one (planners.diffusion).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from diffusers.models.unets.unet_1d_blocks import DownResnetBlock1D
from einops import rearrange
from torch import nn

from engine.runtime import resolve_device
from engine.runtime.training import TrainConfig, TrainResult, run_training, seeded_init
from planners.diffusion import checkpoint_folder, rebuild, windows_tensors
from planners.normalizer import Normalizer
from planners.schedule import DiffusionConfig, make_scheduler
from planners.unet import GROUPS
from planners.windows import WindowSet

VALUE_FOLDER = "value"


@dataclass
class ValueConfig:
    channels: int = 46
    widths: tuple[int, ...] = (32, 64, 128)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    reward: str = "reward_playbest"
    gamma: float = 0.97                # discount per planning frame of the return-to-go

    def __post_init__(self):
        self.widths = tuple(int(w) for w in self.widths)
        if not 0 < self.gamma <= 1:
            raise ValueError(f"ValueConfig.gamma {self.gamma} must be in (0, 1]")
        if any(w % GROUPS for w in self.widths):
            raise ValueError(f"ValueConfig.widths {self.widths} must be multiples of {GROUPS}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["widths"] = list(d["widths"])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ValueConfig:
        return cls(channels=d["channels"], widths=tuple(d["widths"]),
                   diffusion=DiffusionConfig(**d["diffusion"]), reward=d["reward"],
                   gamma=float(d.get("gamma", 1.0)))


class ValueNet(nn.Module):
    """forward(x (b, h, c) normalised, k (b,) or () steps) -> (b,) predicted return."""

    def __init__(self, cfg: ValueConfig):
        super().__init__()
        w0 = cfg.widths[0]
        self.time_proj = Timesteps(w0, flip_sin_to_cos=False, downscale_freq_shift=1)
        self.time_mlp = TimestepEmbedding(w0, 4 * w0, act_fn="mish", out_dim=w0)
        ins = (cfg.channels,) + cfg.widths[:-1]
        self.blocks = nn.ModuleList(
            DownResnetBlock1D(i, o, num_layers=1, temb_channels=w0, add_downsample=True)
            for i, o in zip(ins, cfg.widths))
        last = cfg.widths[-1]
        self.head = nn.Sequential(nn.Linear(last + w0, last // 2), nn.Mish(), nn.Linear(last // 2, 1))

    def forward(self, x: torch.Tensor, k: torch.Tensor | int) -> torch.Tensor:
        k = torch.as_tensor(k, device=x.device)
        if k.ndim == 0:
            k = k.expand(x.shape[0])
        temb = self.time_mlp(self.time_proj(k).to(x.dtype))         # (b, w0)
        z = rearrange(x, "b h c -> b c h")
        for block in self.blocks:
            z, _ = block(z, temb)
        feat = z.mean(dim=-1)                                        # (b, c_last)
        return self.head(torch.cat([feat, temb], dim=-1)).squeeze(-1)


def value_loss(model: ValueNet, scheduler, n_steps: int, x0: torch.Tensor, ret: torch.Tensor,
               gen: torch.Generator) -> torch.Tensor:
    """MSE of predicted vs target return. x0 (b, h, c) normalised, ret (b,) -> scalar."""
    k = torch.randint(0, n_steps, (x0.shape[0],), generator=gen).to(x0.device)
    eps = torch.randn(x0.shape, generator=gen).to(x0.device)
    return ((model(scheduler.add_noise(x0, eps, k), k) - ret) ** 2).mean()


def train_value(cfg: ValueConfig, windows: WindowSet, normalizer: Normalizer, steps: int,
                batch: int, device: str | torch.device = "auto", out_dir: str | Path = "planner",
                resume: bool = True, progress: bool = True,
                train_cfg: TrainConfig | None = None) -> TrainResult:
    """Train J on ``windows`` (normalised with the diffusion model's ``normalizer``)
    until ``steps`` total; checkpoint folder ``<out_dir>/value``."""
    if windows.reward != cfg.reward:
        raise ValueError(f"windows carry returns of {windows.reward!r}, config asks {cfg.reward!r}")
    device = resolve_device(device)
    x_all, _ = windows_tensors(windows, normalizer, device)
    r_all = torch.from_numpy(returns_to_go(windows, cfg.gamma)).to(device)
    model = seeded_init(lambda: ValueNet(cfg), (train_cfg or TrainConfig()).seed).to(device)
    scheduler = make_scheduler(cfg.diffusion)

    def loss_fn(gen: torch.Generator) -> torch.Tensor:
        idx = torch.randint(0, x_all.shape[0], (batch,), generator=gen).to(device)
        return value_loss(model, scheduler, cfg.diffusion.n_train_steps, x_all[idx], r_all[idx], gen)

    meta = {"config": cfg.to_dict(), "normalizer": normalizer.to_dict(),
            "horizon": windows.horizon, "rate_hz": windows.rate_hz}
    result, _ = run_training(model, loss_fn, Path(out_dir) / VALUE_FOLDER, steps, device, meta,
                             train_cfg, resume, progress, kind="planner-value")
    return result


def returns_to_go(windows: WindowSet, gamma: float) -> np.ndarray:
    """(n_w,) float32: each window's possession return times gamma ** (frames from the
    window's first frame to the possession's last); the plain return when the windows
    carry no possession end."""
    ret = windows.returns.astype(np.float32)
    if windows.end is None:
        return ret
    return (ret * np.power(float(gamma), np.maximum(windows.end - windows.start, 0))).astype(np.float32)


@torch.no_grad()
def value_report(model: ValueNet, normalizer: Normalizer, windows: WindowSet, gamma: float,
                 diffusion: DiffusionConfig, levels=(0, 10, 25, 50, 75, 99), n_bins: int = 5,
                 seed: int = 0, batch: int = 512, gate_r2: float = 0.2) -> dict:
    """Held-out R^2 and calibration of the value model per noise level k.

    windows: held-out WindowSet; targets its return-to-go (:func:`returns_to_go`).
    Returns {"levels": {k: {"r2", "mse", "calibration": [[mean prediction, mean target,
    n], ...] over n_bins prediction quantile bins}}, "r2_clean", "gate_r2", "passes",
    "n"}."""
    device = next(model.parameters()).device
    x0, _ = windows_tensors(windows, normalizer, device)
    y = returns_to_go(windows, gamma)
    sched = make_scheduler(diffusion)
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for k in levels:
        k = min(int(k), diffusion.n_train_steps - 1)
        pred = []
        for lo in range(0, x0.shape[0], batch):
            xb = x0[lo:lo + batch]
            kk = torch.full((xb.shape[0],), k, dtype=torch.long, device=device)
            eps = torch.randn(xb.shape, generator=gen).to(device)
            xk = xb if k == 0 else sched.add_noise(xb, eps, kk)
            pred.append(model(xk, kk).cpu().numpy())
        p = np.concatenate(pred)
        mse = float(np.mean((p - y) ** 2))
        r2 = float(1 - mse / max(float(np.var(y)), 1e-12))
        edges = np.quantile(p, np.linspace(0, 1, n_bins + 1))
        idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)
        cal = [[float(p[idx == i].mean()), float(y[idx == i].mean()), int((idx == i).sum())]
               for i in range(n_bins) if (idx == i).any()]
        out[k] = {"r2": r2, "mse": mse, "calibration": cal}
    clean = out[min(out)]["r2"]
    return {"levels": out, "r2_clean": clean, "gate_r2": gate_r2, "passes": clean >= gate_r2,
            "n": int(len(y)), "gamma": float(gamma)}


def load_value(path: str | Path, device: str | torch.device = "auto", ema: bool = True
               ) -> tuple[ValueNet, Normalizer, ValueConfig, dict]:
    """Rebuild the value model from its checkpoint alone (eval mode)."""
    model, cfg, meta = rebuild(checkpoint_folder(path, VALUE_FOLDER), "planner-value",
                               ValueConfig.from_dict, ValueNet, ema, resolve_device(device))
    return model, Normalizer.from_dict(meta["normalizer"]), cfg, meta
