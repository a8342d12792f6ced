"""Geometry of the simulator in torch: the attacked hoop, lengths of (..., 2) vectors,
shot geometry and features, pass-lane distances, slot lookups and the batched player
move of :func:`engine.sim.step.step` (also usable on its own, :func:`move_players`).

Why the per-coordinate forms: on CPU, torch's reductions over a last dimension of
size 2, and elementwise ops on strided (b, 10, 2) slices of (b, 11, 3) tensors, run an
order of magnitude slower than the same ops on contiguous (b, 10) tensors.
"""

from __future__ import annotations

import torch

from engine.court import (
    CORNER_LINE_LENGTH,
    COURT_LENGTH,
    COURT_WIDTH,
    HOOP_Y,
    RIGHT_HOOP_X,
    THREE_ARC_RADIUS,
    THREE_CORNER_DIST,
)
from engine.sim.state import DEF, SHOT_CLOCK_S, SimConfig, SimState, _slot_xy


def hoop_xy(ref: torch.Tensor) -> torch.Tensor:
    """The attacked (right) hoop (2,) feet on ref's device and dtype."""
    return torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=ref.device, dtype=ref.dtype)


def norm2(v: torch.Tensor) -> torch.Tensor:
    """Length (...) of (..., 2) vectors. Written out: torch's reductions over a last
    dimension of size 2 are an order of magnitude slower on CPU than two products."""
    x, y = v[..., 0], v[..., 1]
    return torch.sqrt(x * x + y * y)


def shot_geometry(xy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(b, 2) shooter feet -> distance to the right hoop (b,) ft, is_three (b,) bool,
    angle (b,) degrees off the hoop's long axis (0 straight on, 90 along the baseline)."""
    d = xy - hoop_xy(xy)
    dist = norm2(d)
    corner = (xy[:, 0] >= COURT_LENGTH - CORNER_LINE_LENGTH) & (d[:, 1].abs() >= THREE_CORNER_DIST)
    three = corner | (dist >= THREE_ARC_RADIUS)
    angle = torch.rad2deg(torch.atan2(d[:, 1].abs(), (-d[:, 0]).clamp_min(0.0)))
    return dist, three, angle


def segment_distance(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Distance (b, m) feet of points p (b, m, 2) to the segments a -> b, each (b, 2)."""
    ab = (b - a)[:, None, :]
    ap = p - a[:, None, :]
    dot = ap[..., 0] * ab[..., 0] + ap[..., 1] * ab[..., 1]
    t = dot / (ab[..., 0] * ab[..., 0] + ab[..., 1] * ab[..., 1]).clamp_min(1e-9)
    return norm2(ap - t.clamp(0.0, 1.0)[..., None] * ab)


def player_xy(state: SimState) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x, y, vx, vy) of slots 1..10, each a contiguous (b, 10) copy, feet and ft/s."""
    p, v = state.pos[:, 1:], state.vel[:, 1:]
    return p[..., 0].contiguous(), p[..., 1].contiguous(), v[..., 0].contiguous(), v[..., 1].contiguous()


def _length(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """sqrt(x² + y²).clamp_min(1e-9), bit for bit. Why the floor under the square: CPU
    torch takes a slow path for sqrt(0), and players standing still are common; any
    square below 1e-30 gives a length below 1e-9 either way."""
    return torch.sqrt((x * x + y * y).clamp_min_(1e-30)).clamp_min_(1e-9)


def any_row(mask: torch.Tensor) -> bool:
    """bool(mask.any()) for a (b,) bool mask; through numpy on CPU (a quarter of the cost)."""
    if mask.device.type == "cpu":
        return bool(mask.numpy().any())
    return bool(mask.any())


def move_xy(px: torch.Tensor, py: torch.Tensor, vx0: torch.Tensor, vy0: torch.Tensor,
            wx: torch.Tensor, wy: torch.Tensor, done: torch.Tensor | None, cfg: SimConfig):
    """The player move per coordinate. px, py, vx0, vy0: slots 1..10 now (b, 10) feet,
    ft/s; wx, wy (b, 10) wanted ft/s; done (b,) bool rows that must not move, or None
    when no row is done. -> (x, y, vx, vy) each (b, 10): the wanted velocity capped by
    acceleration then speed, integrated, kept on the court."""
    dx, dy = wx - vx0, wy - vy0
    k = torch.clamp(cfg.player_accel_ftps2 * cfg.dt_s / _length(dx, dy), max=1.0)
    vx, vy = vx0 + dx * k, vy0 + dy * k
    k = torch.clamp(cfg.player_speed_ftps / _length(vx, vy), max=1.0)
    x = (px + vx * k * cfg.dt_s).clamp(0.0, COURT_LENGTH)
    y = (py + vy * k * cfg.dt_s).clamp(0.0, COURT_WIDTH)
    if done is None:     # why: four where()s over (b, 10) cost as much as the move itself
        return x, y, (x - px) / cfg.dt_s, (y - py) / cfg.dt_s
    alive = (~done)[:, None].expand_as(x).contiguous()
    x, y = torch.where(alive, x, px), torch.where(alive, y, py)
    zero = torch.zeros_like(x)
    vx = torch.where(alive, (x - px) / cfg.dt_s, zero)
    vy = torch.where(alive, (y - py) / cfg.dt_s, zero)
    return x, y, vx, vy


def move_players(state: SimState, wanted: torch.Tensor, cfg: SimConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """wanted (b, 10, 2) ft/s for slots 1..10 -> new (pos, vel) of those slots, capped
    by acceleration then speed, kept on the court. Rows that are done do not move."""
    px, py, vx0, vy0 = player_xy(state)
    x, y, vx, vy = move_xy(px, py, vx0, vy0, wanted[..., 0], wanted[..., 1], state.done, cfg)
    return torch.stack([x, y], dim=-1), torch.stack([vx, vy], dim=-1)


def shot_features(state: SimState) -> dict[str, torch.Tensor]:
    """Features of a shot by the current handler: distance_ft, is_three, defender_ft,
    angle_deg, shot_clock (s), logit_adj, ft_pct — each (b,)."""
    xy = _slot_xy(state.pos, state.handler)[:, :2]
    dist, three, angle = shot_geometry(xy)
    defender = norm2(state.pos[:, DEF, :2] - xy[:, None]).amin(dim=1)
    k = (state.handler - 1).clamp(0, 4)[:, None]
    return {"distance_ft": dist, "is_three": three, "angle_deg": angle, "defender_ft": defender,
            "shot_clock": state.shot_clock.clamp(0.0, SHOT_CLOCK_S),
            "logit_adj": torch.gather(state.logit_adj, 1, k)[:, 0],
            "ft_pct": torch.gather(state.ft_pct, 1, k)[:, 0]}




TIE_FT = 1e-3   # distances this close count as a tie


def first_nearest(d: torch.Tensor) -> torch.Tensor:
    """(k,) index of the smallest of d (k, n) feet, ties within ``TIE_FT`` to the lowest
    index. Why: players parked on mirror spots (the corners) are equally far from the rim;
    a plain argmin would then pick by float32 rounding, and the float64 twin
    (engine.sim.fast) by its own, so the two would give the ball to different players."""
    near = d <= d.min(dim=1, keepdim=True).values + TIE_FT
    return near.to(torch.uint8).argmax(dim=1)
