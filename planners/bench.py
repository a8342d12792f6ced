"""Speed figures of the planner for the benchmark harness (``hoopsim bench``): the
latency of one planning decision per sampler setting, and the training throughput of
the diffusion U-Net. Every figure is a median after a warm-up.
"""

from __future__ import annotations

import logging
import statistics
import time

import numpy as np
import torch

from engine.runtime import resolve_device
from planners.diffusion import PlannerModelConfig, build_model, diffusion_loss
from planners.planner import Planner, shift_plan, untrained_planner
from planners.sampler import FAST, FAST_REJECT, PAPER, WarmStart
from planners.schedule import make_scheduler
from planners.unet import n_params
from planners.value import ValueConfig

log = logging.getLogger(__name__)


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
    """Training throughput of the x0 denoiser on random windows (after 3 warm-up
    steps): steps/s and samples/s."""
    cfg = cfg or PlannerModelConfig()
    device = resolve_device(device)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    sched = make_scheduler(cfg.diffusion)
    x0 = (torch.rand((batch, cfg.horizon, cfg.unet.channels), generator=gen) * 2 - 1).to(device)
    bucket = torch.randint(0, 4, (batch,), generator=gen).to(device)

    def one_step():
        loss = diffusion_loss(model, sched, cfg.diffusion, x0, bucket, gen)
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
