"""Smooth twins of the exact features (torch, differentiable in the positions), for
guides that climb a rubric on the planner's x0 estimate. Same shapes and units as
engine.tactics.exact: positions (b, h, 11, 3) feet, canonical -> {name: (b,)}.

The soft shot: at frame t >= 1 the ball reaches the hoop with weight
w_t = sigmoid((reach - d_t) / width) * sigmoid((z_t - min_z) / 1 ft); the first
arrival counts (keep_t = prod_{s<t} (1 - w_s)); the release is the ball's position
at the last frame s in t-L..t-1 where it was held (soft: held_s = sigmoid of the ball's
height below 9 ft and of its distance to the nearest attacker under 3.5 ft, the latest
winning), placed in soft zones (sigmoids of the zone boundaries of
engine.court.shot_zone with a ``soft_ft`` edge). Drive depth is a soft minimum of the
held ball's distance to the hoop.
"""

from __future__ import annotations

import torch

from engine.court import (CORNER_LINE_LENGTH, COURT_LENGTH, HOOP_Y, PAINT_LENGTH, PAINT_WIDTH,
                          RIGHT_HOOP_X, THREE_ARC_RADIUS, THREE_CORNER_DIST)

SOFT_FEATURES = ("rim_attempts", "paint_attempts", "mid_range_attempts", "corner_three_attempts",
                 "above_break_three_attempts", "paint_touches", "drive_depth_ft",
                 "ball_movement_ft", "spacing_pairwise_ft", "pace_ftps")


def _norm(v: torch.Tensor) -> torch.Tensor:
    return torch.sqrt((v * v).sum(-1) + 1e-6)


def soft_zones(xy: torch.Tensor, soft_ft: float = 1.0) -> dict[str, torch.Tensor]:
    """(..., 2) feet -> {zone: (...,) membership in 0..1}; the five memberships sum to 1."""
    s = lambda v: torch.sigmoid(v / soft_ft)  # noqa: E731
    lateral = (xy[..., 1] - HOOP_Y).abs()
    d = _norm(xy - torch.tensor([RIGHT_HOOP_X, HOOP_Y], dtype=xy.dtype, device=xy.device))
    corner = s(xy[..., 0] - (COURT_LENGTH - CORNER_LINE_LENGTH))
    three = corner * s(lateral - THREE_CORNER_DIST) + (1 - corner) * s(d - THREE_ARC_RADIUS)
    lane = s(xy[..., 0] - (COURT_LENGTH - PAINT_LENGTH)) * s(PAINT_WIDTH / 2 - lateral)
    rim = s(6.0 - d)
    two = 1 - three
    return {"rim": two * rim, "paint": two * (1 - rim) * lane, "mid_range": two * (1 - rim) * (1 - lane),
            "corner_three": three * corner, "above_break_three": three * (1 - corner)}


def held(positions: torch.Tensor, catch_ft: float = 3.5, max_z_ft: float = 9.0) -> torch.Tensor:
    """(b, h, 11, 3) -> (b, h) soft 'an attacker holds the ball' in 0..1."""
    ball = positions[:, :, 0]
    near = _norm(positions[:, :, 1:6, :2] - ball[:, :, None, :2]).amin(-1)
    return torch.sigmoid(catch_ft - near) * torch.sigmoid(max_z_ft - ball[..., 2])


def soft_release(ball_xy: torch.Tensor, hold: torch.Tensor, lookback: int) -> torch.Tensor:
    """ball_xy (b, h, 2), hold (b, h) -> (b, h - 1, 2): for an arrival at t = 1..h-1, the
    ball's position at its last held frame in t-lookback..t-1 (soft, the latest wins)."""
    b, h = hold.shape
    out = []
    for t in range(1, h):
        lo = max(0, t - lookback)
        r = hold[:, lo:t]                                                        # (b, n)
        later = torch.cumprod(torch.cat([torch.ones_like(r[:, :1]), 1 - r.flip(1)[:, :-1]], 1), 1).flip(1)
        wts = r * later + 1e-6
        out.append((wts[..., None] * ball_xy[:, lo:t]).sum(1) / wts.sum(1, keepdim=True))
    return torch.stack(out, dim=1) if out else ball_xy[:, :0]


def soft_features(positions: torch.Tensor, rate_hz: float, reach_ft: float = 4.5, width_ft: float = 1.0,
                  min_z_ft: float = 7.0, depth_from_ft: float = 30.0, soft_ft: float = 1.0,
                  max_flight_s: float = 2.0) -> dict[str, torch.Tensor]:
    """positions (b, h, 11, 3) feet, canonical, h >= 2 -> {name in SOFT_FEATURES: (b,)}."""
    hoop = torch.tensor([RIGHT_HOOP_X, HOOP_Y], dtype=positions.dtype, device=positions.device)
    ball = positions[:, :, 0]
    d = _norm(ball[..., :2] - hoop)                                              # (b, h)
    w = torch.sigmoid((reach_ft - d[:, 1:]) / width_ft) * torch.sigmoid(ball[:, 1:, 2] - min_z_ft)
    keep = torch.cumprod(torch.cat([torch.ones_like(w[:, :1]), 1 - w[:, :-1]], dim=1), dim=1)
    first = keep * w                                                              # (b, h-1)
    hold = held(positions)
    zones = soft_zones(soft_release(ball[..., :2], hold, max(1, int(round(max_flight_s * rate_hz)))), soft_ft)
    out = {f"{z}_attempts": (first * m).sum(1) for z, m in zones.items()}
    lateral = (ball[..., 1] - HOOP_Y).abs()
    lane = torch.sigmoid((ball[..., 0] - (COURT_LENGTH - PAINT_LENGTH)) / soft_ft) \
        * torch.sigmoid((PAINT_WIDTH / 2 - lateral) / soft_ft) * torch.sigmoid(8.0 - ball[..., 2])
    out["paint_touches"] = torch.relu(lane[:, 1:] - lane[:, :-1]).sum(1) + lane[:, 0]
    held_d = d + (1 - hold) * depth_from_ft
    out["drive_depth_ft"] = torch.relu(depth_from_ft + soft_ft * torch.logsumexp(-held_d / soft_ft, dim=1))
    step = positions[:, 1:, :, :2] - positions[:, :-1, :, :2]
    out["ball_movement_ft"] = _norm(step[:, :, 0]).sum(1)
    off = positions[:, :, 1:6, :2]
    out["spacing_pairwise_ft"] = (_norm(off.unsqueeze(-2) - off.unsqueeze(-3)).sum((-1, -2)) / 20.0).mean(1)
    out["pace_ftps"] = _norm(step[:, :, 1:6]).mean((1, 2)) * rate_hz
    return out
