"""PlayBest planner: a trained diffusion model (EMA weights), its normaliser, the
scheduler config and an optional value model, behind one ``plan`` call. The latency
and training-throughput measurements live in planners.bench.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.runtime import resolve_device
from planners.diffusion import DIFFUSION_FOLDER, PlannerModelConfig, load_diffusion
from planners.guides import Guide, RewardGuide, ValueGuide, ball_near_hoop
from planners.denoiser import Denoiser
from planners.normalizer import Normalizer, feet_stats
from planners.sampler import SamplerConfig, SampleResult, WarmStart, sample
from planners.support import Support
from planners.value import VALUE_FOLDER, ValueConfig, ValueNet, load_value
from planners.windows import CHANNELS, POS_CHANNELS, positions_to_windows, with_velocity

log = logging.getLogger(__name__)


@dataclass
class PlanResult:
    """One decision. With a batch of g current states every field has a leading g axis;
    with one state it has none.

    best         (g, h, c) feet, the best candidate of each state
    candidates   (g, n_kept, h, c) feet, best first
    values       (g, n_kept) the guide's value at k = 0 (zeros unguided)
    value_score  (g,) the value model on ``best`` at k = 0, in return units (NaN without a
                 value model); None unless ``plan(..., score=True)``
    """

    best: torch.Tensor
    candidates: torch.Tensor
    values: torch.Tensor
    value_score: torch.Tensor | None = None
    now: int = 0               # plan frame of the current state (observed frames 0..now)
    guide_move_ft: float = 0.0  # mean move of the x0 estimate per guide step (feet)
    n_rejected: int = 0        # candidates outside the support (ranked last)


def shift_plan(plan: torch.Tensor, frames: int) -> torch.Tensor:
    """Drop the first ``frames`` frames of plans (..., h, c) and repeat the last frame, so
    a plan made ``frames`` frames ago starts at the current time."""
    if frames <= 0:
        return plan
    h = plan.shape[-2]
    tail = plan[..., -1:, :].expand(*plan.shape[:-2], min(frames, h), plan.shape[-1])
    return torch.cat([plan[..., frames:, :], tail], dim=-2)[..., :h, :]


def as_window_states(current_state) -> tuple[torch.Tensor, bool]:
    """(11, 3) / (23,) / (46,) feet, or a batch (g, 11, 3) / (g, 23) / (g, 46), numpy or
    torch -> ((g, 46) float32 on the input's device, whether the input was a batch).
    A state without velocity channels gets zero velocity."""
    state = (current_state.float() if torch.is_tensor(current_state)
             else torch.as_tensor(np.asarray(current_state, np.float32)))
    if state.shape[-2:] == (11, 3):
        state = positions_to_windows(state)
    if state.ndim not in (1, 2) or state.shape[-1] not in (POS_CHANNELS, CHANNELS):
        raise ValueError(f"current_state must be (11, 3), ({POS_CHANNELS},), ({CHANNELS},) or a "
                         f"batch of them, got {tuple(np.shape(current_state))}")
    if state.shape[-1] == POS_CHANNELS:
        state = torch.cat([state, torch.zeros_like(state)], dim=-1)
    return state.reshape(-1, CHANNELS), state.ndim == 2


def history_conditions(history) -> tuple[dict[int, torch.Tensor], bool]:
    """Observed frames (t, 11, 3) or (g, t, 11, 3) feet at the planning rate, oldest
    first, the last one now -> ({frame: (c,) or (g, c)} window channels with
    backward-difference velocities, whether batched)."""
    hist = history.float() if torch.is_tensor(history) else torch.as_tensor(
        np.asarray(history, np.float32))
    batched = hist.ndim == 4
    chans = with_velocity(positions_to_windows(hist if batched else hist[None]))  # (g, t, c)
    return {t: (chans[:, t] if batched else chans[0, t]) for t in range(chans.shape[1])}, batched


class Planner:
    """model: planners.denoiser.Denoiser with EMA weights (eval); value_model: ValueNet
    or None.

    ``plan`` is the one door to planning: the receding-horizon executor, the benchmarks
    and users all go through it."""

    def __init__(self, model: Denoiser, normalizer: Normalizer, cfg: PlannerModelConfig,
                 value_model: torch.nn.Module | None = None, device: str | torch.device = "cpu",
                 support: Support | None = None, outcomes: dict | None = None):
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.normalizer = normalizer
        self.cfg = cfg
        self.value_model = None if value_model is None else value_model.to(self.device).eval()
        self.support = support                # training data's support (planners.support)
        self.outcomes = outcomes              # training-game outcome models (a plain dict)

    def default_guide(self) -> Guide:
        """The value guide (if a value model is loaded) or 'ball near the hoop'. Hard
        constraints are not a guide: the sampler projects the x0 estimate."""
        return (ValueGuide(self.value_model) if self.value_model is not None
                else RewardGuide(ball_near_hoop, self.normalizer))

    def plan(self, current_state, generator: torch.Generator, n_candidates: int = 64,
             horizon: int | None = None, guide: Guide | None | str = "default",
             sampler: SamplerConfig | None = None, warm_start: WarmStart | None = None,
             score: bool = False, history=None, bucket=None, ranker=None) -> PlanResult:
        """Plan from one state or a batch of g states (see :func:`as_window_states`),
        each inpainted at frame 0; or, with ``history`` ((t, 11, 3) or (g, t, 11, 3)
        feet at the planning rate, oldest first, the last frame now; current_state is
        then ignored), from its t observed frames inpainted at frames 0..t-1
        (PlanResult.now = t - 1). ``n_candidates`` candidates per state, ranked within
        each state's group. guide 'default' -> default_guide(), None -> unguided.
        bucket: reward bucket 0..3 (or (g,)) for classifier-free guidance (used when
        sampler.cfg_weight > 0). ranker: planners.sampler's ranking callable (e.g.
        planners.objective.PlanObjective), None: rank by the guide. warm_start.plan: (h, c) or (g, h, c) feet, aligned
        with this plan's frames. ``score`` fills PlanResult.value_score. All noise
        comes from ``generator`` (on this planner's device or the CPU). Returns
        tensors on the planner's device."""
        if history is not None:
            cond, batched = history_conditions(history)
        else:
            states, batched = as_window_states(current_state)
            cond = {0: states.to(self.device) if batched else states[0]}
        cond = {t: v.to(self.device) for t, v in cond.items()}
        g = cond[0].shape[0] if batched else 1
        h = horizon or self.cfg.horizon
        guide = self.default_guide() if guide == "default" else guide
        res: SampleResult = sample(
            self.model, self.normalizer, self.cfg.diffusion, n_candidates * g, h, cond,
            generator, guide=guide, cfg=sampler, warm_start=warm_start, rate_hz=self.cfg.rate_hz,
            device=self.device, bucket=bucket, ranker=ranker)
        candidates = res.plans.view(g, -1, h, res.plans.shape[-1])
        now = len(cond) - 1
        out = PlanResult(candidates[:, 0], candidates, res.values.view(g, -1),
                         self.value_score(candidates[:, 0]) if score else None, now,
                         res.guide_move_ft, res.n_rejected)
        if batched:
            return out
        return PlanResult(out.best[0], out.candidates[0], out.values[0],
                          None if out.value_score is None else out.value_score[0], now,
                          res.guide_move_ft, res.n_rejected)

    @torch.no_grad()
    def value_score(self, plans: torch.Tensor) -> torch.Tensor:
        """The value model on plans (b, h, c) feet at k = 0 -> (b,) return units (NaN
        without a value model). Reported in its own column, never used to evaluate."""
        if self.value_model is None:
            return torch.full((plans.shape[0],), float("nan"), device=plans.device)
        x = self.normalizer.normalize(plans.to(self.device))
        return self.value_model(x, torch.zeros(plans.shape[0], dtype=torch.long, device=self.device))


def load_planner(path: str | Path, device: str | torch.device = "auto", ema: bool = True) -> Planner:
    """Rebuild a Planner from ``path`` (a training out_dir holding diffusion/ and maybe
    value/, the diffusion checkpoint folder itself, or a shipped planner's name such as
    ``playbest-2hz``, planners.checkpoints) alone."""
    from planners.checkpoints import resolve

    path = resolve(path)
    device = resolve_device(device)
    model, normalizer, cfg, _ = load_diffusion(path, device, ema)
    root = Path(path)
    root = root.parent if root.name == DIFFUSION_FOLDER and (root / "checkpoint.json").is_file() else root
    value = None
    if (root / VALUE_FOLDER / "checkpoint.json").is_file():
        value, _, _, _ = load_value(root / VALUE_FOLDER, device, ema)
    extras = load_planning_extras(root)
    return Planner(model, normalizer, cfg, value, device, Support.from_dict(extras.get("support")),
                   extras.get("outcomes"))


PLANNING_FILE = "planning.json"


def save_planning_extras(out_dir: str | Path, support: Support | None = None,
                         outcomes: dict | None = None, **info) -> Path:
    """Write ``<out_dir>/planning.json``: what planning needs besides the networks --
    the training data's support, the outcome models fitted on the training games
    (``OutcomeModels.to_dict()``), and any plain ``info`` (e.g. the value report)."""
    from engine.atomic import write_text_atomic

    path = Path(out_dir) / PLANNING_FILE
    old = load_planning_extras(out_dir)
    new = {**old, **info}
    if support is not None:
        new["support"] = support.to_dict()
    if outcomes is not None:
        new["outcomes"] = outcomes
    write_text_atomic(path, json.dumps(new, indent=1) + "\n")
    return path


def load_planning_extras(out_dir: str | Path) -> dict:
    """``<out_dir>/planning.json`` as a dict ({} when absent)."""
    path = Path(out_dir) / PLANNING_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def untrained_planner(cfg: PlannerModelConfig, device: str | torch.device = "cpu",
                      seed: int = 0, value: ValueConfig | None = None) -> Planner:
    """A planner with random weights and the feet normaliser (for timing); with
    ``value`` an untrained value model too (so the default guide is the value guide)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Denoiser(cfg.unet, cfg.diffusion)
        value_model = None if value is None else ValueNet(value)
    norm = Normalizer("feet", *feet_stats(cfg.unet.channels))
    return Planner(model, norm, cfg, value_model, device)
