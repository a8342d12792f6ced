"""Sampling of plans with inpainted conditions; guidance and hard constraints act on
the model's x0 estimate.

At every denoising step i (diffusion step k_i, next k_{i+1}):
    x0 estimate:   x0_hat = the denoiser's estimate given the observed-frame mask and,
                   with a reward bucket and ``cfg_weight`` w > 0, classifier-free
                   guidance x0_hat = x0_u + w (x0_c - x0_u) (w = 0: unconditioned; 1:
                   conditioned);
    guidance:      on steps ``guide_start * n_steps <= i < n_steps - t_stopgrad``,
                   ``n_guide_steps`` times: x0_hat moves along the guide's gradient
                   (evaluated on x0_hat at k = 0) by ``scale`` feet (root mean square
                   over the generated frames' position channels; the gradient is taken
                   in feet, never multiplied by the step's variance: Diffuser's users
                   found its gains came from that and from no noise at the last step);
                   the mean move is reported (SampleResult.guide_move_ft);
    constraints:   x0_hat is projected (unless ``raw``): players on the court, player
                   speeds capped, the ball kept within ``ball_hold_ft`` of its nearest
                   attacker unless in flight (above ``ball_flight_z_ft`` or faster
                   than the player cap); velocity channels recomputed; conditioned
                   frames stay as given;
    re-noise:      x <- scheduler.step(x0_hat, k_i, x) (DDPM or DDIM); the last step
                   returns x0_hat itself (no noise at the last step);
    inpaint:       x[:, t] <- condition t for every conditioned frame t.
Decode: the final sample's positions are fused with its velocity channels by least
squares (planners.windows.fuse_channels, ``decode_weight``; 0 takes the position
channels alone). Part of reading the model's output, so raw samples are decoded too;
the gates report both readings.
(The constraint guide of earlier versions pushed x_k, where noise alone is ~33 ft per
coordinate: ~300 ft steps that blew plans up. Hard constraints now act on x0 only.)

Early rejection ranks the candidates at a chosen step by the guide on x0_hat and
keeps the best share; a warm start noises a previous plan to an intermediate step and
denoises from there. Finally plans are unnormalised, projected the same way and ranked
best first: by ``ranker`` (plans, raw plans -> values, inside-support flags;
candidates outside the support rank last, SampleResult.n_rejected counts them) or else
the guide's value at k = 0. ``raw`` switches every projection and the guide off: the
samples exactly as the model draws them (what the gates measure; preset RAW = DDIM-10
raw).

Conditions are given UNNORMALISED: {frame index: (c,) window channels (feet, ft per frame)}, or (G, c) for G groups of
candidates (``group_size`` candidates each, e.g. one group per possession of a batch):
then rejection and ranking happen within each group. All noise comes from the
``generator`` argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from engine.court import COURT_LENGTH, COURT_WIDTH
from planners.guides import Guide
from planners.normalizer import Normalizer
from planners.schedule import DiffusionConfig, make_scheduler
from planners.windows import (POS_CHANNELS, fuse_channels, positions_to_windows, windows_to_positions,
                              with_velocity)


@dataclass
class SamplerConfig:
    method: str = "ddpm"                  # "ddpm" | "ddim"
    n_steps: int | None = None            # denoising steps (None: all training steps)
    scale: float = 0.1                    # guidance: feet x0_hat moves per guide step
    n_guide_steps: int = 2                # gradient steps per denoising step
    t_stopgrad: int = 2                   # no guidance in the last N denoising steps
    guide_start: float = 0.0              # no guidance before this share of the steps
    early_reject: tuple[float, float] | None = None  # (share of steps, share kept)
    eta: float = 0.0                      # DDIM stochasticity
    player_speed_cap_ftps: float | None = 30.0
    ball_speed_cap_ftps: float | None = None
    clamp_to_court: bool = True
    ball_hold_ft: float | None = 3.0      # a ball not in flight stays this close to an attacker
    ball_flight_z_ft: float = 7.0         # ...in flight: above this height
    cfg_weight: float = 0.0               # classifier-free guidance weight (0: unconditioned)
    raw: bool = False                     # no projection, no guide: the model's own samples
    decode_weight: float = 1.0            # position/velocity least-squares decode (0: positions only)


# The sampler settings users and the benchmark name: the paper's (DDPM, all K steps,
# 2 guide steps each) and ours (DDIM 10 steps guided on the last half; plus early
# rejection of 75% of the candidates at halfway).
PAPER = SamplerConfig(method="ddpm", n_steps=None, n_guide_steps=2, t_stopgrad=2)
FAST = SamplerConfig(method="ddim", n_steps=10, n_guide_steps=2, t_stopgrad=1, guide_start=0.5)
FAST_REJECT = replace(FAST, early_reject=(0.5, 0.25))
RAW = SamplerConfig(method="ddim", n_steps=10, player_speed_cap_ftps=None, clamp_to_court=False,
                    ball_hold_ft=None, raw=True)
SAMPLER_PRESETS = {"paper": PAPER, "fast": FAST, "fast_reject": FAST_REJECT, "raw": RAW}


@dataclass
class WarmStart:
    """plan (h, c) or (n, h, c) feet, already shifted to the current time; ``start`` is
    the share of the denoising schedule skipped (0.5: denoise from the halfway step)."""
    plan: torch.Tensor
    start: float = 0.5


@dataclass
class SampleResult:
    plans: torch.Tensor        # (n_kept, h, c) feet, best first
    values: torch.Tensor       # (n_kept,) ranking value (zeros without a guide or ranker)
    n_started: int             # candidates before early rejection
    n_rejected: int = 0        # candidates outside the support (ranked last)
    guide_move_ft: float = 0.0  # mean RMS move of x0_hat per guide step, feet


def apply_conditions(x: torch.Tensor, cond: dict[int, torch.Tensor]) -> torch.Tensor:
    """Inpaint: x (b, h, c) with frame t set to cond[t], (c,) or (G, c) for G equal
    consecutive groups of x's rows, for every key t."""
    for t, value in cond.items():
        if value.ndim == 2:
            value = value.repeat_interleave(x.shape[0] // value.shape[0], dim=0)
        x[:, t] = value
    return x


def _group_order(values: torch.Tensor, groups: int) -> torch.Tensor:
    """Indices that sort ``values`` (b,) best first within each of ``groups`` equal
    consecutive groups, group-major: (b,) long."""
    per = values.shape[0] // groups
    order = torch.argsort(values.view(groups, per), dim=1, descending=True)
    return (order + per * torch.arange(groups, device=values.device)[:, None]).reshape(-1)


def guide_x0(x0: torch.Tensor, guide: Guide, normalizer: Normalizer, free: torch.Tensor,
             cfg: SamplerConfig) -> tuple[torch.Tensor, torch.Tensor | None, float]:
    """``n_guide_steps`` moves of the x0 estimate along the guide's gradient, each of
    ``cfg.scale`` feet root mean square over the position channels of the ``free``
    frames. x0 (b, h, c) normalised; free (h,) bool -> (x0, value (b,), mean move ft)."""
    scale = torch.as_tensor(normalizer.scale, dtype=x0.dtype, device=x0.device)     # ft per unit
    k0 = torch.zeros(x0.shape[0], dtype=torch.long, device=x0.device)
    y, moved = None, 0.0
    mask = torch.zeros_like(x0[0])
    mask[free, :POS_CHANNELS] = 1.0
    for _ in range(cfg.n_guide_steps):
        y, grad = guide.gradients(x0, k0)
        g_ft = grad / scale * mask                       # dJ/d(feet), generated positions only
        rms = g_ft.pow(2).sum((1, 2)).div(mask.sum()).sqrt().clamp_min(1e-12)
        step_ft = cfg.scale * g_ft / rms[:, None, None]
        x0 = x0 + step_ft / scale
        moved += float(step_ft.pow(2).sum((1, 2)).div(mask.sum()).sqrt().mean())
    return x0, y, moved / max(cfg.n_guide_steps, 1)


def hold_ball(pos: torch.Tensor, fixed: set[int], rate_hz: float, cfg: SamplerConfig) -> torch.Tensor:
    """Keep the ball with an attacker unless in flight: on free frames where the ball is
    below ``ball_flight_z_ft`` and moves no faster than the player cap, its x-y is pulled
    to within ``ball_hold_ft`` of the nearest attacker. pos (b, h, 11, 3) feet."""
    if cfg.ball_hold_ft is None:
        return pos
    free = [t for t in range(pos.shape[1]) if t not in fixed]
    if not free:
        return pos
    ball = pos[:, :, 0, :2]
    step = torch.cat([torch.zeros_like(ball[:, :1]), ball[:, 1:] - ball[:, :-1]], dim=1)
    cap = cfg.player_speed_cap_ftps or 30.0
    held = (pos[:, :, 0, 2] < cfg.ball_flight_z_ft) & (step.norm(dim=-1) * rate_hz <= cap)
    rel = ball[:, :, None] - pos[:, :, 1:6, :2]                                        # (b, h, 5, 2)
    d = rel.norm(dim=-1)
    k = d.argmin(dim=-1)
    near = torch.gather(pos[:, :, 1:6, :2], 2, k[..., None, None].expand(-1, -1, 1, 2))[:, :, 0]
    dk = d.min(dim=-1).values.clamp_min(1e-9)
    pulled = near + (ball - near) * (cfg.ball_hold_ft / dk).clamp(max=1.0)[..., None]
    use = held.clone()
    use[:, sorted(fixed)] = False
    out = pos.clone()
    out[:, :, 0, :2] = torch.where(use[..., None], pulled, ball)
    return out


def project_x0(x0: torch.Tensor, normalizer: Normalizer, fixed: set[int], rate_hz: float | None,
               cfg: SamplerConfig) -> torch.Tensor:
    """The hard constraints on an x0 estimate (b, h, c) normalised -> normalised:
    court, speed caps and the ball with its handler (:func:`project_plans`); unchanged
    when every one is switched off."""
    if not (cfg.clamp_to_court or cfg.ball_hold_ft is not None or cfg.player_speed_cap_ftps is not None
            or cfg.ball_speed_cap_ftps is not None):
        return x0
    return normalizer.normalize(project_plans(normalizer.unnormalize(x0), fixed, rate_hz or 1.0, cfg))


def project_plans(plans: torch.Tensor, fixed: set[int], rate_hz: float,
                  cfg: SamplerConfig) -> torch.Tensor:
    """Clamp players to the court, cap frame-to-frame speeds (ft/s at rate_hz) frame by
    frame from the start, keep a ball not in flight with an attacker
    (:func:`hold_ball`); conditioned frames stay as given; velocity channels
    (c = 46) are recomputed from the projected positions.
    plans (b, h, c) feet -> (b, h, c) feet."""
    pos = windows_to_positions(plans).clone()                      # (b, h, a, 3)
    free = [t for t in range(pos.shape[1]) if t not in fixed]
    if cfg.clamp_to_court and free:
        xy = pos[:, free, 1:, :2]
        xy[..., 0].clamp_(0.0, COURT_LENGTH)
        xy[..., 1].clamp_(0.0, COURT_WIDTH)
        pos[:, free, 1:, :2] = xy
    caps = [(slice(1, 11), cfg.player_speed_cap_ftps), (slice(0, 1), cfg.ball_speed_cap_ftps)]
    for t in free:
        if t == 0:
            continue
        for slots, cap in caps:
            if cap is None:
                continue
            prev = pos[:, t - 1, slots, :2]
            step = pos[:, t, slots, :2] - prev
            norm = step.norm(dim=-1, keepdim=True).clamp_min(1e-9)
            pos[:, t, slots, :2] = prev + step * (cap / rate_hz / norm).clamp(max=1.0)
    pos = hold_ball(pos, fixed, rate_hz, cfg)
    out = positions_to_windows(pos)
    if plans.shape[-1] == POS_CHANNELS:
        return out
    out = with_velocity(out, plans[:, 0, POS_CHANNELS:])
    keep = torch.zeros(plans.shape[1], dtype=torch.bool, device=plans.device)
    keep[sorted(fixed)] = True                              # conditioned frames stay as given
    return torch.where(keep[None, :, None], plans, out)


def _initial(n: int, h: int, c: int, normalizer, scheduler, timesteps, warm, generator, device):
    """Starting x (n, h, c) normalised and the first step index."""
    noise = torch.randn((n, h, c), generator=generator, device=generator.device).to(device)
    if warm is None:
        return noise, 0
    plan = torch.as_tensor(warm.plan, dtype=torch.float32, device=device)
    if plan.ndim == 2:
        plan = plan.expand(n, -1, -1)
    elif plan.shape[0] != n and n % plan.shape[0] == 0:       # one plan per group
        plan = plan.repeat_interleave(n // plan.shape[0], dim=0)
    if plan.shape != (n, h, c):
        raise ValueError(f"warm-start plan has shape {tuple(plan.shape)}, expected {(n, h, c)}")
    i0 = min(max(round(warm.start * len(timesteps)), 0), len(timesteps) - 1)
    k0 = timesteps[i0:i0 + 1]
    return scheduler.add_noise(normalizer.normalize(plan), noise, k0), i0


def _reject(x, x0, guide, keep: float, y, groups: int = 1):
    """Keep the best ceil(keep * per-group size) candidates of each group by the guide's
    value on the x0 estimate (computed if ``y`` is None): (x, x0) both (b, h, c)."""
    if y is None:
        with torch.no_grad():
            y = guide.value(x0, torch.zeros(x0.shape[0], device=x0.device, dtype=torch.long))
    per = x.shape[0] // groups
    n_keep = max(1, math.ceil(keep * per))
    order = _group_order(y, groups).view(groups, per)[:, :n_keep].reshape(-1)
    return x[order]


@torch.no_grad()
def sample(model, normalizer: Normalizer, diffusion: DiffusionConfig, n: int, h: int,
           conditions: dict[int, torch.Tensor], generator: torch.Generator,
           guide: Guide | None = None, cfg: SamplerConfig | None = None,
           warm_start: WarmStart | None = None, rate_hz: float | None = None,
           device: torch.device | str = "cpu", bucket: int | torch.Tensor | None = None,
           ranker=None) -> SampleResult:
    """Draw ``n`` candidate plans of ``h`` frames; see the module docstring.

    model: planners.denoiser.Denoiser, (x (b, h, c), k, observed, bucket) -> x0_hat;
    conditions {t: (c,) or (G, c)} unnormalised; bucket: the reward bucket 0..3 (int,
    or (G,) one per group) used when ``cfg.cfg_weight`` > 0; rate_hz is needed for the
    speed cap; ranker: (plans (b, h, c) feet, raw plans (b, h, c) feet, current frame) ->
    (values (b,), inside-support (b,) bool), or None. Returns plans unnormalised, best first.
    """
    cfg = cfg or SamplerConfig()
    if cfg.raw:
        guide, ranker = None, None
    if cfg.early_reject is not None and guide is None:
        raise ValueError("early rejection ranks candidates by a guide: pass one")
    device = torch.device(device)
    c = int(normalizer.shift.shape[0])
    cond = {int(t): normalizer.normalize(torch.as_tensor(v, dtype=torch.float32, device=device))
            for t, v in conditions.items()}
    groups = {v.shape[0] for v in cond.values() if v.ndim == 2} or {1}
    if len(groups) != 1 or n % next(iter(groups)):
        raise ValueError(f"grouped conditions need one group count dividing n={n}, got {groups}")
    groups = next(iter(groups))
    if any(not 0 <= t < h for t in cond):
        raise ValueError(f"condition frames {sorted(cond)} outside the horizon 0..{h - 1}")
    sched = make_scheduler(diffusion, cfg.method)
    sched.set_timesteps(cfg.n_steps or diffusion.n_train_steps)
    ts = [int(t) for t in sched.timesteps]
    x, i0 = _initial(n, h, c, normalizer, sched, sched.timesteps, warm_start, generator, device)
    x = apply_conditions(x, cond)
    observed = torch.zeros(h, device=device)
    observed[sorted(cond)] = 1.0
    denoise = _denoiser(model, observed, bucket, cfg.cfg_weight, groups, device)
    g_lo, g_hi = int(cfg.guide_start * len(ts)), len(ts) - cfg.t_stopgrad
    reject_at = None if cfg.early_reject is None else max(round(cfg.early_reject[0] * len(ts)), i0)
    moves: list[float] = []
    for i in range(i0, len(ts)):
        y = None
        out = denoise(x, ts[i])                                    # x0 estimate, normalised
        if guide is not None and g_lo <= i < g_hi:
            out, y, moved = guide_x0(out, guide, normalizer, observed == 0, cfg)
            moves.append(moved)
        if not cfg.raw:
            out = project_x0(out, normalizer, set(cond), rate_hz, cfg)
        out = apply_conditions(out, cond)
        if i == reject_at:
            keep = _reject(torch.arange(x.shape[0], device=device), out, guide,
                           cfg.early_reject[1], y, groups)
            x, out = x[keep], out[keep]
        if i == len(ts) - 1:
            x = out                                                # no noise at the last step
            break
        kw = {"eta": cfg.eta} if cfg.method == "ddim" else {}
        x = apply_conditions(sched.step(out, ts[i], x, generator=generator, **kw).prev_sample, cond)
    res = _finish(x, normalizer, guide, cond, rate_hz, cfg, n, groups, ranker)
    res.guide_move_ft = sum(moves) / len(moves) if moves else 0.0
    return res


def _denoiser(model, observed: torch.Tensor, bucket, weight: float, groups: int, device):
    """x0 estimate (x (b, h, c), k) -> (b, h, c): unconditioned, or classifier-free
    guided towards ``bucket`` (int or (G,) one per group) with weight ``weight``."""
    if bucket is None or weight == 0:
        return lambda x, k: model(x, k, observed)
    bucket = torch.as_tensor(bucket, device=device).long().reshape(-1)

    def guided(x, k):
        b = bucket.repeat_interleave(x.shape[0] // bucket.shape[0]) if bucket.numel() > 1 \
            else bucket.expand(x.shape[0])
        x0_u = model(x, k, observed)
        return x0_u + weight * (model(x, k, observed, b) - x0_u)
    return guided


def _finish(x, normalizer, guide, cond, rate_hz, cfg: SamplerConfig, n_started: int,
            groups: int = 1, ranker=None) -> SampleResult:
    """Unnormalise, project, rank within each group by ``ranker`` (candidates outside
    the support last) or the guide at k = 0; raw: only unnormalise."""
    raw = fuse_channels(normalizer.unnormalize(x), cond, cfg.decode_weight)
    zeros = torch.zeros(raw.shape[0], device=raw.device)
    if cfg.raw:
        return SampleResult(raw, zeros, n_started)
    caps = cfg.player_speed_cap_ftps is not None or cfg.ball_speed_cap_ftps is not None
    if caps and rate_hz is None:
        raise ValueError("rate_hz is needed to apply the speed cap")
    plans = project_plans(raw, set(cond), rate_hz or 1.0, cfg)
    n_rejected = 0
    if ranker is not None:
        values, ok = ranker(plans, raw, max(cond) if cond else 0)
        n_rejected = int((~ok).sum())
        key = torch.where(ok, values, values - 1e6)               # outside the support: last
    elif guide is not None:
        k0 = torch.zeros(plans.shape[0], dtype=torch.long, device=plans.device)
        values = key = guide.value(normalizer.normalize(plans), k0)
    else:
        return SampleResult(plans, zeros, n_started)
    order = _group_order(key, groups)
    return SampleResult(plans[order], values[order], n_started, n_rejected)
