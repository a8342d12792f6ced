"""PlayBest planner: a trained diffusion model (EMA weights), its normaliser, the
scheduler config and an optional value model, behind one ``plan`` call; plus the
latency / throughput measurements used by the benchmark harness.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from engine.runtime import resolve_device
from planners.diffusion import (
    DIFFUSION_FOLDER,
    PlannerModelConfig,
    diffusion_loss,
    load_diffusion,
    make_scheduler,
)
from planners.guides import (
    ConstraintGuide,
    Guide,
    RewardGuide,
    SumGuide,
    ValueGuide,
    ball_near_hoop,
)
from planners.normalizer import Normalizer
from planners.sampler import SamplerConfig, SampleResult, WarmStart, sample
from planners.unet import TemporalUNet, n_params
from planners.value import VALUE_FOLDER, ValueConfig, ValueNet, load_value
from planners.windows import CHANNELS, positions_to_windows

log = logging.getLogger(__name__)

# The four sampler settings the benchmark compares (see bench_plan_latency).
PAPER = SamplerConfig(method="ddpm", n_steps=None, n_guide_steps=2, t_stopgrad=2)
FAST = SamplerConfig(method="ddim", n_steps=10, n_guide_steps=2, t_stopgrad=1, guide_start=0.5)
FAST_REJECT = replace(FAST, early_reject=(0.5, 0.25))


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


def _median_ms(fn, repeats: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "repeats": repeats}


def bench_plan_latency(planner: Planner | None = None, horizon_s: float = 12.0,
                       n_candidates: int = 64, repeats: int = 5, seed: int = 0,
                       configs: tuple[str, ...] = ("paper", "fast", "fast_reject", "warm"),
                       device: str | torch.device = "cpu") -> dict:
    """Median latency (ms) of one planning decision per sampler setting:
    paper (DDPM, all K steps, 2 guide steps each), fast (DDIM 10 steps guided on the
    last half), fast_reject (fast + keep 25% of candidates at halfway), warm (fast,
    warm-started from the previous plan, denoising only the last half). The guide is
    the planner's default_guide (value guide when it has a value model). Without a
    planner: an untrained default-size one with an untrained value model."""
    planner = planner or untrained_planner(PlannerModelConfig(), device, value=ValueConfig())
    h = max(round(horizon_s * planner.cfg.rate_hz), 2)
    state = np.tile(np.array([[70.0, 25.0, 5.0]], np.float32), (11, 1))
    gen = torch.Generator().manual_seed(seed)
    guide = planner.default_guide()
    prev = planner.plan(state, gen, 4, h, guide, FAST).best
    settings = {"paper": (PAPER, None), "fast": (FAST, None), "fast_reject": (FAST_REJECT, None),
                "warm": (FAST, WarmStart(shift_plan(prev, 1), start=0.5))}
    out = {"n_candidates": n_candidates, "horizon_frames": h, "rate_hz": planner.cfg.rate_hz,
           "device": str(planner.device), "n_params": n_params(planner.model)}
    for name in configs:
        cfg, warm = settings[name]
        out[name] = _median_ms(
            lambda c=cfg, w=warm: planner.plan(state, gen, n_candidates, h, guide, c, w), repeats)
        log.info("plan latency %s: %.1f ms", name, out[name]["median_ms"])
    return out


def bench_train_samples_per_s(cfg: PlannerModelConfig | None = None, batch: int = 32,
                              steps: int = 20, device: str | torch.device = "cpu",
                              seed: int = 0) -> dict:
    """Training throughput of the diffusion U-Net on random windows (after 3 warm-up
    steps): steps/s and samples/s."""
    cfg = cfg or PlannerModelConfig()
    device = resolve_device(device)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TemporalUNet(cfg.unet).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    sched = make_scheduler(cfg.diffusion)
    x0 = (torch.rand((batch, cfg.horizon, cfg.unet.channels), generator=gen) * 2 - 1).to(device)
    mask = torch.ones((batch, cfg.horizon), dtype=torch.bool, device=device)

    def one_step():
        loss = diffusion_loss(model, sched, cfg.diffusion, x0, mask, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        one_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        one_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return {"steps_per_s": steps / dt, "samples_per_s": steps * batch / dt, "batch": batch,
            "horizon": cfg.horizon, "n_params": n_params(model), "device": str(device)}
