"""PlayBest planner: a trained diffusion model (EMA weights), its normaliser, the
scheduler config and an optional value model, behind one ``plan`` call. The latency
and training-throughput measurements live in planners.bench.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.runtime import resolve_device
from planners.diffusion import DIFFUSION_FOLDER, PlannerModelConfig, load_diffusion
from planners.guides import (
    ConstraintGuide,
    Guide,
    RewardGuide,
    SumGuide,
    ValueGuide,
    ball_near_hoop,
)
from planners.normalizer import Normalizer

# FAST and PAPER: hoopsim/evaluation.py imports them from here until the method wiring
# moves to the planner registry.
from planners.sampler import FAST, PAPER, SamplerConfig, SampleResult, WarmStart, sample  # noqa: F401
from planners.unet import TemporalUNet
from planners.value import VALUE_FOLDER, ValueConfig, ValueNet, load_value
from planners.windows import CHANNELS, positions_to_windows

log = logging.getLogger(__name__)


@dataclass
class PlanResult:
    best: torch.Tensor          # (h, c) feet
    candidates: torch.Tensor    # (n_kept, h, c) feet, best first
    values: torch.Tensor        # (n_kept,)


def shift_plan(plan: torch.Tensor, frames: int) -> torch.Tensor:
    """Drop the first ``frames`` frames of a (h, c) plan and repeat its last frame."""
    if frames <= 0:
        return plan
    tail = plan[-1:].expand(min(frames, plan.shape[0]), -1)
    return torch.cat([plan[frames:], tail], dim=0)[: plan.shape[0]]


class Planner:
    """model: TemporalUNet with EMA weights (eval); value_model: ValueNet or None."""

    def __init__(self, model: TemporalUNet, normalizer: Normalizer, cfg: PlannerModelConfig,
                 value_model: torch.nn.Module | None = None, device: str | torch.device = "cpu"):
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.normalizer = normalizer
        self.cfg = cfg
        self.value_model = None if value_model is None else value_model.to(self.device).eval()

    def default_guide(self, constraint_weight: float = 0.01) -> Guide:
        """The value guide (if a value model is loaded) or 'ball near the hoop', each
        plus a weighted ConstraintGuide."""
        main = (ValueGuide(self.value_model) if self.value_model is not None
                else RewardGuide(ball_near_hoop, self.normalizer))
        cons = ConstraintGuide(self.normalizer, self.cfg.rate_hz)
        return SumGuide([main, cons], [1.0, constraint_weight])

    def plan(self, current_state, generator: torch.Generator, n_candidates: int = 64,
             horizon: int | None = None, guide: Guide | None | str = "default",
             sampler: SamplerConfig | None = None, warm_start: WarmStart | None = None
             ) -> PlanResult:
        """One decision. current_state (11, 3) or (c,) feet is inpainted at frame 0;
        guide 'default' -> default_guide(), None -> unguided. Returns the best plan
        (h, c) feet and all candidates ranked."""
        state = torch.as_tensor(np.asarray(current_state, np.float32))
        if state.shape == (11, 3):
            state = positions_to_windows(state)
        if state.shape != (CHANNELS,):
            raise ValueError(f"current_state must be (11, 3) or ({CHANNELS},), got {tuple(state.shape)}")
        guide = self.default_guide() if guide == "default" else guide
        res: SampleResult = sample(
            self.model, self.normalizer, self.cfg.diffusion, n_candidates, horizon or self.cfg.horizon,
            {0: state.to(self.device)}, generator, guide=guide, cfg=sampler,
            warm_start=warm_start, rate_hz=self.cfg.rate_hz, device=self.device)
        return PlanResult(res.plans[0], res.plans, res.values)


def load_planner(path: str | Path, device: str | torch.device = "auto", ema: bool = True) -> Planner:
    """Rebuild a Planner from ``path`` (a training out_dir holding diffusion/ and maybe
    value/, or the diffusion checkpoint folder itself) alone."""
    device = resolve_device(device)
    model, normalizer, cfg, _ = load_diffusion(path, device, ema)
    root = Path(path)
    root = root.parent if root.name == DIFFUSION_FOLDER and (root / "checkpoint.json").is_file() else root
    value = None
    if (root / VALUE_FOLDER / "checkpoint.json").is_file():
        value, _, _, _ = load_value(root / VALUE_FOLDER, device, ema)
    return Planner(model, normalizer, cfg, value, device)


def untrained_planner(cfg: PlannerModelConfig, device: str | torch.device = "cpu",
                      seed: int = 0, value: ValueConfig | None = None) -> Planner:
    """A planner with random weights and a court-sized normaliser (for timing); with
    ``value`` an untrained value model too (so the default guide is the value guide)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TemporalUNet(cfg.unet)
        value_model = None if value is None else ValueNet(value)
    lo = np.array([0, 0, 0] + [0, 0] * 10, np.float32)
    hi = np.array([94, 50, 15] + [94, 50] * 10, np.float32)
    norm = Normalizer("limits", (hi + lo) / 2, (hi - lo) / 2)
    return Planner(model, norm, cfg, value_model, device)
