"""Guides steer sampling: each maps normalised windows to a value to maximise.

A Guide has ``gradients(x, k) -> (value (b,), grad (b, h, c))`` with x (b, h, c) the
normalised noisy windows and k (b,) their diffusion steps; grad is d value / d x. The
guided sampler adds ``scale * variance * grad`` to x (planners.sampler).

- ValueGuide       the learned value model J(x_k, k) (planners.value)
- RewardGuide      any differentiable reward of positions (b, h, 11, 3) feet -> (b,),
                   evaluated on the unnormalised windows (e.g. engine.possessions.features)
- ConstraintGuide  minus a penalty on player speeds above a cap and on positions off
                   the 94 x 50 ft court
- SumGuide         weighted sum of guides
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import torch
from torch import nn

from engine.court import COURT_LENGTH, COURT_WIDTH
from engine.possessions.features import ball_to_hoop
from planners.normalizer import Normalizer
from planners.windows import windows_to_positions


class Guide(Protocol):
    def gradients(self, x: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (b, h, c) normalised, k (b,) -> (value (b,), d value / d x (b, h, c))."""
        ...

    def value(self, x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """x (b, h, c) normalised, k (b,) -> (b,) differentiable value."""
        ...


class DifferentiableGuide:
    """Base: subclasses define ``value``; ``gradients`` differentiates it."""

    def value(self, x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def gradients(self, x: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            y = self.value(x, k)
            (grad,) = torch.autograd.grad(y.sum(), x)
        return y.detach(), grad.detach()


class ValueGuide(DifferentiableGuide):
    """The value model's prediction J(x_k, k) (b,) in return units."""

    def __init__(self, model: nn.Module):
        self.model = model

    def value(self, x, k):
        return self.model(x, k)


class RewardGuide(DifferentiableGuide):
    """reward(positions (b, h, 11, 3) feet) -> (b,), on the unnormalised windows."""

    def __init__(self, reward: Callable[[torch.Tensor], torch.Tensor], normalizer: Normalizer):
        self.reward = reward
        self.normalizer = normalizer

    def value(self, x, k):
        return self.reward(windows_to_positions(self.normalizer.unnormalize(x)))


def ball_near_hoop(positions: torch.Tensor) -> torch.Tensor:
    """(b, h, 11, 3) feet -> (b,) minus the mean ball distance (ft) to the attacked hoop."""
    return -ball_to_hoop(positions).mean(dim=-1)


class ConstraintGuide(DifferentiableGuide):
    """Minus the penalty (b,): sum over frames and players of the squared speed excess
    above ``max_speed_ftps`` (ft/s at ``rate_hz``) plus the squared distance (ft) of
    every entity outside the court rectangle."""

    def __init__(self, normalizer: Normalizer, rate_hz: float, max_speed_ftps: float = 30.0,
                 court_weight: float = 1.0):
        self.normalizer = normalizer
        self.rate_hz = float(rate_hz)
        self.max_speed = float(max_speed_ftps)
        self.court_weight = float(court_weight)

    def value(self, x, k):
        pos = windows_to_positions(self.normalizer.unnormalize(x))       # (b, h, a, 3)
        step = pos[:, 1:, 1:, :2] - pos[:, :-1, 1:, :2]
        speed = torch.sqrt((step ** 2).sum(-1) + 1e-6) * self.rate_hz     # (b, h-1, 10) ft/s
        over = torch.relu(speed - self.max_speed) ** 2
        xy = pos[..., :2]
        lo = torch.relu(-xy)
        hi = torch.stack([torch.relu(xy[..., 0] - COURT_LENGTH),
                          torch.relu(xy[..., 1] - COURT_WIDTH)], dim=-1)
        off_court = (lo ** 2 + hi ** 2).sum((-1, -2, -3))
        return -(over.sum((-1, -2)) + self.court_weight * off_court)


class SumGuide(DifferentiableGuide):
    """sum_i w_i * guide_i.value(x, k)."""

    def __init__(self, guides: Sequence[Guide], weights: Sequence[float] | None = None):
        self.guides = list(guides)
        self.weights = [1.0] * len(self.guides) if weights is None else [float(w) for w in weights]
        if len(self.weights) != len(self.guides):
            raise ValueError("SumGuide needs one weight per guide")

    def value(self, x, k):
        return sum(w * g.value(x, k) for g, w in zip(self.guides, self.weights))
