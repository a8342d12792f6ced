"""What the planner may prefer: expected points of a plan, read the way the executor
would play it, from outcome models fitted on the TRAINING games only (pass them in:
e.g. ``engine.outcomes.fit.fit_held_out(tables, cutoff)`` or the shipped defaults,
fitted before 0021500500), plus the value network.

Open-loop reading (:func:`read_plan`): from plan frame ``first`` on, at each frame t
the executor's rule (planners.receding.read_decision) is applied with the plan itself
as the simulated state (frame t now, t + 1 next), the handler being the planned
attacker holding the ball at t (within ``catch_ft``). The first shot ends the reading.

Expected points of a plan (:func:`expected_points`), walking its decisions in order:
each pass survives with 1 - P(intercept | lane, length); the first shot scores
P(make | distance, three, defender, angle, shot clock) x its value; a plan that never
shoots is worth its survival times the continuation value (the value network's
estimate, clipped to 0..3, or ``hold_value`` without one).

:class:`PlanObjective` ranks candidates (expected points + ``value_weight`` x value
network, candidates outside the support flagged); :class:`SoftExpectedPoints` is a
differentiable surrogate for gradient guidance on x0 (the shot taken where the ball
nears the rim, softly).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.sim.geometry import segment_distance, shot_geometry
from engine.sim.step import Decision
from planners.guides import DifferentiableGuide
from planners.receding import RecedingConfig, read_decision
from planners.support import Support, inside, shot_geometry_ft, speed_ok
from planners.windows import windows_to_positions


@dataclass
class PlanRead:
    """Open-loop reading of plans (b, h, c): decisions (b, n_t) long (HOLD / PASS_k /
    SHOOT, -1 after the first shot or without a handler), frames (n_t,) their plan
    frames; per plan the first shot's frame (-1 none), distance, defender distance
    (ft), three flag, angle (deg); passes' survival product before it (b,)."""
    decisions: torch.Tensor
    frames: torch.Tensor
    shot_frame: torch.Tensor
    shot_distance_ft: torch.Tensor
    shot_defender_ft: torch.Tensor
    shot_three: torch.Tensor
    shot_angle_deg: torch.Tensor
    survive: torch.Tensor


def planned_holder(pos: torch.Tensor, catch_ft: float) -> torch.Tensor:
    """pos (b, 11, 3) feet -> (b,) slot 1..5 of the attacker nearest the ball when within
    ``catch_ft``, else -1."""
    d = (pos[:, 1:6, :2] - pos[:, None, 0, :2]).norm(dim=-1)
    return torch.where(d.min(dim=1).values < catch_ft, d.argmin(dim=1) + 1, torch.full_like(d[:, 0], -1).long())


@torch.no_grad()
def read_plan(plans: torch.Tensor, first: int, cfg: RecedingConfig, outcomes=None,
              support: Support | None = None) -> PlanRead:
    """Read plans (b, h, c) feet (role order) from frame ``first`` (module docstring);
    with ``outcomes`` (engine.outcomes.torch_eval.OutcomeTensors) passes' interception
    probabilities are multiplied into ``survive``."""
    b, h = plans.shape[:2]
    dev = plans.device
    pos = windows_to_positions(plans)                                               # (b, h, 11, 3)
    last = h - 1
    frames = torch.arange(first, max(first, last), device=dev)
    dec = torch.full((b, frames.numel()), -1, dtype=torch.long, device=dev)
    shot_frame = torch.full((b,), -1, dtype=torch.long, device=dev)
    z = torch.zeros(b, device=dev)
    dist, dfn, ang, three, survive = z.clone(), z.clone(), z.clone(), z.bool(), torch.ones(b, device=dev)
    done = torch.zeros(b, dtype=torch.bool, device=dev)
    for j, t in enumerate(frames.tolist()):
        hnd = planned_holder(pos[:, t], cfg.catch_ft)
        d = read_decision(plans, torch.full((b,), float(t + 1), device=dev), hnd, cfg,
                          pos[:, t, 0], support=support, f_now=torch.full((b,), float(t), device=dev))
        live = ~done & (hnd > 0)
        dec[:, j] = torch.where(live, d, torch.full_like(d, -1))
        shoot = live & (d == int(Decision.SHOOT))
        xy = torch.gather(pos[:, t, 1:6, :2], 1, (hnd - 1).clamp(0, 4)[:, None, None].expand(-1, 1, 2))[:, 0]
        di, de = shot_geometry_ft(xy, pos[:, t, 6:11, :2])
        _, th, an = shot_geometry(xy)
        dist, dfn = torch.where(shoot, di, dist), torch.where(shoot, de, dfn)
        ang, three = torch.where(shoot, an, ang), torch.where(shoot, th, three)
        shot_frame = torch.where(shoot, torch.full_like(shot_frame, t), shot_frame)
        passing = live & (d >= int(Decision.PASS_0)) & (d <= int(Decision.PASS_4))
        if outcomes is not None and bool(passing.any()):
            recv = torch.gather(pos[:, t + 1, 1:6, :2], 1,
                                (d - int(Decision.PASS_0)).clamp(0, 4)[:, None, None].expand(-1, 1, 2))[:, 0]
            lane = segment_distance(pos[:, t, 6:11, :2], xy, recv).amin(dim=1)
            p_int = outcomes.p_intercept(lane, (recv - xy).norm(dim=-1))
            survive = torch.where(passing, survive * (1 - p_int), survive)
        done = done | shoot
    return PlanRead(dec, frames, shot_frame, dist, dfn, three, ang, survive)


def expected_points(read: PlanRead, outcomes, continuation: torch.Tensor | float,
                    shot_clock_s: float = 12.0) -> torch.Tensor:
    """(b,) expected points of read plans (module docstring); continuation (b,) or a
    number: the worth of a plan that does not shoot."""
    shot = read.shot_frame >= 0
    clock = torch.full_like(read.shot_distance_ft, shot_clock_s)
    p = outcomes.p_make(read.shot_distance_ft, read.shot_three, read.shot_defender_ft,
                        read.shot_angle_deg, clock).to(read.survive.dtype)
    value = torch.where(read.shot_three, 3.0, 2.0)
    cont = torch.as_tensor(continuation, dtype=read.survive.dtype, device=read.survive.device)
    return read.survive * torch.where(shot, p * value, cont.expand_as(p))


class PlanObjective:
    """Ranker of candidate plans (planners.sampler ``ranker``): (plans, raw plans) feet
    (b, h, c) -> (objective (b,), inside support (b,) bool).

    objective = expected points (training-game outcome models, executor reading from
    frame ``first``) + value_weight x value network at k = 0. Inside support: raw
    speeds (planners.support.speed_ok) and, when the plan shoots, its shot distance and
    defender distance within the support's ranges. ``last`` keeps the share rejected."""

    def __init__(self, outcomes, normalizer, rate_hz: float, support: Support | None = None,
                 value_model=None, value_weight: float = 0.0, hold_value: float = 0.95,
                 executor: RecedingConfig | None = None, first: int = 0):
        self.outcomes, self.normalizer, self.rate_hz = outcomes, normalizer, float(rate_hz)
        self.support = support or Support()
        self.value_model, self.value_weight = value_model, float(value_weight)
        self.hold_value, self.cfg, self.first = float(hold_value), executor or RecedingConfig(), first
        self.n_seen = self.n_rejected = 0

    @torch.no_grad()
    def value(self, plans: torch.Tensor) -> torch.Tensor | None:
        if self.value_model is None:
            return None
        k0 = torch.zeros(plans.shape[0], dtype=torch.long, device=plans.device)
        return self.value_model(self.normalizer.normalize(plans), k0)

    def __call__(self, plans: torch.Tensor, raw: torch.Tensor | None = None, first: int | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        first = self.first if first is None else first
        read = read_plan(plans, first, self.cfg, self.outcomes)
        v = self.value(plans)
        cont = self.hold_value if v is None else v.clamp(0.0, 3.0)
        obj = expected_points(read, self.outcomes, cont)
        if v is not None and self.value_weight:
            obj = obj + self.value_weight * v
        ok = speed_ok(plans if raw is None else raw, self.rate_hz, self.support, first)
        shot = read.shot_frame >= 0
        ok = ok & (~shot | (inside(read.shot_distance_ft, self.support.shot_distance_ft)
                            & inside(read.shot_defender_ft, self.support.defender_ft)))
        self.n_seen += int(ok.numel())
        self.n_rejected += int((~ok).sum())
        return obj, ok

    @property
    def rejected_share(self) -> float:
        """Share of the candidates seen so far outside the support."""
        return self.n_rejected / self.n_seen if self.n_seen else 0.0


class SoftExpectedPoints(DifferentiableGuide):
    """Differentiable surrogate of expected points on normalised windows (b, h, c):
    a shot at frame t (t >= 1) with weight w_t = sigmoid((reach - ball-to-hoop distance
    at t) / width), taken from the ball's position at t - 1 (the ball is with its
    handler); sum_t w_t prod_{s<t} (1 - w_s) xpts_t + prod_t (1 - w_t) hold_value."""

    def __init__(self, outcomes, normalizer, reach_ft: float = 10.0, width_ft: float = 2.0,
                 hold_value: float = 0.95, shot_clock_s: float = 12.0):
        self.outcomes, self.normalizer = outcomes, normalizer
        self.reach, self.width, self.hold, self.clock = reach_ft, width_ft, hold_value, shot_clock_s

    def value(self, x, k):
        pos = windows_to_positions(self.normalizer.unnormalize(x))                     # (b, h, 11, 3)
        hoop = torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=x.device, dtype=x.dtype)
        ball = pos[:, :, 0, :2]
        w = torch.sigmoid((self.reach - _safe_norm(ball[:, 1:] - hoop)) / self.width)    # (b, h-1)
        src = ball[:, :-1]                                                              # release
        rel = src - hoop
        dist = _safe_norm(rel)
        three = dist >= 23.75
        angle = torch.rad2deg(torch.atan2(_safe_norm(rel[..., 1:]), (-rel[..., 0]).clamp_min(0.0) + 1e-3))
        defender = _safe_norm(pos[:, :-1, 6:11, :2] - src[:, :, None]).amin(dim=-1)
        b, n = dist.shape
        p = self.outcomes.p_make(dist.reshape(-1), three.reshape(-1), defender.reshape(-1),
                                 angle.reshape(-1), torch.full((b * n,), self.clock, device=x.device))
        xpts = (p * torch.where(three.reshape(-1), 3.0, 2.0)).reshape(b, n).to(x.dtype)
        keep = torch.cumprod(torch.cat([torch.ones_like(w[:, :1]), 1 - w[:, :-1]], dim=1), dim=1)
        return (keep * w * xpts).sum(1) + keep[:, -1] * (1 - w[:, -1]) * self.hold


def _safe_norm(v: torch.Tensor) -> torch.Tensor:
    """Length of (..., d) vectors with a finite gradient at 0."""
    return torch.sqrt((v * v).sum(-1) + 1e-6)
