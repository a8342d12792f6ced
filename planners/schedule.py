"""The diffusion noise schedule and its diffusers schedulers, shared by training
(planners.diffusion, planners.value) and sampling (planners.sampler).

``DiffusionConfig`` is the forward process (K steps, beta schedule, what the network
predicts); :func:`make_scheduler` builds a fresh diffusers scheduler for it: DDPM for
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
    predict: str = "epsilon"               # "epsilon" | "sample" (x0)
    clip_sample: bool = True               # clip predicted x0 to [-1, 1] (limits normaliser)
    condition_first: bool = True           # train with the first frame given (inpainted)

    def __post_init__(self):
        if self.predict not in ("epsilon", "sample"):
            raise ValueError(f"DiffusionConfig.predict must be 'epsilon' or 'sample', "
                             f"not {self.predict!r}")


def make_scheduler(cfg: DiffusionConfig, method: str = "ddpm") -> DDPMScheduler | DDIMScheduler:
    """A fresh diffusers scheduler ("ddpm" | "ddim") for this diffusion config."""
    # "trailing" spacing: a shortened schedule still starts at the last training step
    kw = {"num_train_timesteps": cfg.n_train_steps, "beta_schedule": cfg.beta_schedule,
          "prediction_type": cfg.predict, "clip_sample": cfg.clip_sample,
          "clip_sample_range": 1.0, "timestep_spacing": "trailing"}
    if method == "ddpm":
        return DDPMScheduler(variance_type="fixed_small", **kw)
    if method == "ddim":
        return DDIMScheduler(set_alpha_to_one=True, **kw)
    raise ValueError(f"unknown sampling method {method!r} (ddpm | ddim)")
