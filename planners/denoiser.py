"""The x0 denoiser: diffusers' UNet1DModel (planners.unet.TemporalUNet) wrapped in
EDM-style preconditioning for the variance-preserving schedule, with conditioning
channels.

With a = sqrt(alpha_bar_k), s = sqrt(1 - alpha_bar_k) and sd = sigma_data (the std of
clean normalised windows), x_k = a x0 + s eps and

    x0_hat = c_skip x_k + c_out F(c_in x_k, k, conditioning)
    c_skip = a sd^2 / (a^2 sd^2 + s^2)
    c_out  = sd s / sqrt(a^2 sd^2 + s^2)
    c_in   = 1 / sqrt(a^2 sd^2 + s^2)

(Karras et al. 2022, rewritten for x_k = a x0 + s eps). At low noise c_skip -> 1 and
c_out -> 0, so copying the input is the default (the plain UNet1DModel could not copy
its own input: ../shared/PLANNER_NOTES.md); at high noise the network predicts x0
from scratch. F's input is unit-variance at every step.

sigma_data is a config value, measured rather than taken as the windows' std (~0.5
in feet-normalised units): on the real 2 Hz windows after 600 steps (batch 32, raw
DDIM-10, 256 held-out windows; real median step speed 4.1 ft/s) sd = 0.5 gave median
speed 34 ft/s (KS 0.86: c_skip passes the noise of every mid-noise step into x0_hat
until F learns to cancel it), 0.2 gave 11.9 ft/s (KS 0.52), 0.1 gave 4.3 ft/s (KS
0.098), 0.05 gave 1.4 ft/s (KS 0.55, too smooth). 0.1 keeps the identity path at the
lowest noise (c_skip = 0.94 at k = 0 of the 100-step cosine schedule).

Conditioning enters F as three extra channels, broadcast over the window where
needed: the observed-frame mask (1 on frames given clean), the reward bucket scaled
to [-1, 1] (points 0..3; 0 when hidden) and a "bucket given" flag.
"""

from __future__ import annotations

import torch
from torch import nn

from planners.schedule import DiffusionConfig, make_scheduler
from planners.unet import TemporalUNet, UNetConfig

N_BUCKETS = 4            # points 0, 1, 2, 3+


def precondition(alpha_bar: torch.Tensor, sigma_data: float
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """alpha_bar (b,) -> (c_skip, c_out, c_in), each (b,) (module docstring)."""
    a2, s2, sd2 = alpha_bar, 1.0 - alpha_bar, sigma_data ** 2
    norm = a2 * sd2 + s2
    return (alpha_bar.sqrt() * sd2 / norm, sigma_data * s2.sqrt() / norm.sqrt(),
            1.0 / norm.sqrt())


def condition_channels(observed: torch.Tensor, bucket: torch.Tensor | None, b: int, h: int,
                       dtype: torch.dtype, device) -> torch.Tensor:
    """(b, h, 3): observed-frame mask, bucket value in [-1, 1], bucket-given flag.

    observed (b, h) or (h,) bool / float; bucket (b,) or () long 0..3, -1 = hidden,
    or None (hidden for all)."""
    obs = torch.as_tensor(observed, device=device).to(dtype).expand(b, h)
    if bucket is None:
        bucket = torch.full((b,), -1, device=device, dtype=torch.long)
    bucket = torch.as_tensor(bucket, device=device).long().expand(b)
    given = (bucket >= 0).to(dtype)
    value = torch.where(bucket >= 0, bucket.to(dtype) / 1.5 - 1.0, torch.zeros_like(given))
    return torch.stack([obs, value[:, None].expand(b, h), given[:, None].expand(b, h)], dim=-1)


class Denoiser(nn.Module):
    """forward(x_k (b, h, c) normalised, k (b,) or () int steps, observed (b, h) or (h,),
    bucket (b,) long 0..3 / -1 hidden, or None) -> x0_hat (b, h, c) normalised.

    The schedule's alpha_bar is a non-persistent buffer (rebuilt from the config, not
    saved with the weights)."""

    def __init__(self, unet: UNetConfig, diffusion: DiffusionConfig):
        super().__init__()
        self.net = TemporalUNet(unet)
        self.sigma_data = float(diffusion.sigma_data)
        acp = make_scheduler(diffusion).alphas_cumprod.to(torch.float32)
        self.register_buffer("alpha_bar", acp, persistent=False)

    def forward(self, x: torch.Tensor, k, observed: torch.Tensor | None = None,
                bucket: torch.Tensor | None = None) -> torch.Tensor:
        b, h, _ = x.shape
        k = torch.as_tensor(k, device=x.device).long()
        if k.ndim == 0:
            k = k.expand(b)
        if observed is None:
            observed = torch.zeros(h, device=x.device)
        c_skip, c_out, c_in = (c.to(x.dtype)[:, None, None]
                               for c in precondition(self.alpha_bar[k], self.sigma_data))
        cond = condition_channels(observed, bucket, b, h, x.dtype, x.device)
        f = self.net(torch.cat([c_in * x, cond], dim=-1), k)
        return c_skip * x + c_out * f
