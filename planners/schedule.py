"""The diffusion noise schedule and its diffusers schedulers, shared by training
(planners.diffusion, planners.value) and sampling (planners.sampler).

``DiffusionConfig`` is the forward process (K steps, beta schedule) and the
preconditioning constant sigma_data of the x0 denoiser (planners.denoiser); the network
always predicts the clean window x0 (prediction_type "sample", no clipping: epsilon
prediction turned a small error into ~2,000x larger positions at the last cosine step);
:func:`make_scheduler` builds a fresh diffusers scheduler for it: DDPM for
training and the paper's sampler, DDIM for the fast one. This module imports no other
planner module, so training and sampling both depend on it without depending on each
other.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffusers import DDIMScheduler, DDPMScheduler


@dataclass
class DiffusionConfig:
    n_train_steps: int = 100               # K, diffusion steps of the forward process
    beta_schedule: str = "squaredcos_cap_v2"
    sigma_data: float = 0.1                # preconditioning scale (see planners.denoiser)
    max_observed: int = 4                  # training observes a random 1..max_observed leading frames
    bucket_drop: float = 0.15              # share of training windows whose reward bucket is hidden
    loss_weight: str = "edm"               # "edm": x0 MSE times 1 / c_out^2 per step | "none"

    def __post_init__(self):
        if self.loss_weight not in ("edm", "none"):
            raise ValueError(f"DiffusionConfig.loss_weight must be 'edm' or 'none', not "
                             f"{self.loss_weight!r}")
        if self.sigma_data <= 0 or self.max_observed < 1 or not 0 <= self.bucket_drop <= 1:
            raise ValueError("DiffusionConfig: sigma_data > 0, max_observed >= 1, "
                             "0 <= bucket_drop <= 1")


def make_scheduler(cfg: DiffusionConfig, method: str = "ddpm") -> DDPMScheduler | DDIMScheduler:
    """A fresh diffusers scheduler ("ddpm" | "ddim") for this diffusion config."""
    # "trailing" spacing: a shortened schedule still starts at the last training step
    kw = {"num_train_timesteps": cfg.n_train_steps, "beta_schedule": cfg.beta_schedule,
          "prediction_type": "sample", "clip_sample": False,
          "timestep_spacing": "trailing"}
    if method == "ddpm":
        return DDPMScheduler(variance_type="fixed_small", **kw)
    if method == "ddim":
        return DDIMScheduler(set_alpha_to_one=True, **kw)
    raise ValueError(f"unknown sampling method {method!r} (ddpm | ddim)")
