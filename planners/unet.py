"""Temporal U-Net over planner windows: diffusers' UNet1DModel set up like Janner's
Diffuser (residual temporal blocks Conv1d -> GroupNorm(8) -> Mish, a sinusoidal step
embedding through an MLP, skip connections, a conv output head).

It is the inner network F of planners.denoiser.Denoiser: its input is the scaled
noisy window plus ``cond_channels`` conditioning channels (observed-frame mask, reward
bucket value, "bucket given"), its output the window's channels.

Windows are (b, h, c); only this module rearranges to (b, c, h). The network halves
the horizon ``len(widths) - 1`` times, so h is padded at the end (repeating the last
frame) to a multiple of ``2 ** (len(widths) - 1)`` and the output is cropped back:
any horizon is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from diffusers import UNet1DModel
from einops import rearrange
from torch import nn

GROUPS = 8  # diffusers' Conv1dBlock uses GroupNorm(8, width)


@dataclass
class UNetConfig:
    channels: int = 46                     # window channels (output)
    cond_channels: int = 3                 # extra input channels (conditioning)
    widths: tuple[int, ...] = (32, 64, 128, 256)
    layers_per_block: int = 1

    def __post_init__(self):
        self.widths = tuple(int(w) for w in self.widths)
        if len(self.widths) < 2:
            raise ValueError("UNetConfig.widths needs at least two levels")
        if any(w % GROUPS for w in self.widths):
            raise ValueError(f"UNetConfig.widths {self.widths} must be multiples of {GROUPS}")


def pad_horizon(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """(b, h, c) -> (b, h', c) with h' the next multiple, last frame repeated."""
    extra = (-x.shape[1]) % multiple
    if extra == 0:
        return x
    return torch.cat([x, x[:, -1:].expand(-1, extra, -1)], dim=1)


class TemporalUNet(nn.Module):
    """forward(x (b, h, channels + cond_channels), k (b,) or () int steps) -> (b, h,
    channels)."""

    def __init__(self, cfg: UNetConfig):
        super().__init__()
        self.cfg = cfg
        n = len(cfg.widths)
        self.multiple = 2 ** (n - 1)
        self.net = UNet1DModel(
            in_channels=cfg.channels + cfg.cond_channels, out_channels=cfg.channels, block_out_channels=cfg.widths,
            down_block_types=("DownResnetBlock1D",) * n,
            up_block_types=("UpResnetBlock1D",) * (n - 1),
            mid_block_type="MidResTemporalBlock1D", out_block_type="OutConv1DBlock",
            act_fn="mish", time_embedding_type="positional", use_timestep_embedding=True,
            flip_sin_to_cos=False, freq_shift=1, layers_per_block=cfg.layers_per_block,
            norm_num_groups=GROUPS, downsample_each_block=False,
        )

    def forward(self, x: torch.Tensor, k: torch.Tensor | int) -> torch.Tensor:
        h = x.shape[1]
        k = torch.as_tensor(k, device=x.device)
        if k.ndim == 0:
            k = k.expand(x.shape[0])
        z = rearrange(pad_horizon(x, self.multiple), "b h c -> b c h")
        out = self.net(z, k, return_dict=False)[0]
        return rearrange(out, "b c h -> b h c")[:, :h]


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
