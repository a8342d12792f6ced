"""Tactical features of possessions.

Two faces:
- exact per-possession numbers for reports (numpy): shot zone, spacing, passes per
  possession, drive depth, time to shot, paint touches, three-point attempts;
- differentiable per-frame features of a trajectory batch (torch) for rewards,
  planner guides and judges. Positions are canonical (offense attacks the right hoop).
"""

from __future__ import annotations

import numpy as np
import torch

from engine.court import (
    COURT_LENGTH,
    HOOP_Y,
    PAINT_LENGTH,
    PAINT_WIDTH,
    RIGHT_HOOP_X,
    shot_zone,
)
from engine.possessions.labels import Action
from engine.tactics.exact import hull_area  # the one hull, in engine.tactics


def in_paint(xy: np.ndarray) -> np.ndarray:
    """(..., 2) canonical feet -> (...,) True inside the lane of the attacked hoop."""
    return (xy[..., 0] >= COURT_LENGTH - PAINT_LENGTH) & (np.abs(xy[..., 1] - HOOP_Y) <= PAINT_WIDTH / 2)


def possession_features(poss, events: list[dict]) -> dict:
    """Exact report features of one possession (Possession + its detected events).

    spacing_sqft: mean convex-hull area of the five attackers over frames where all
    five are tracked (NaN if none). time_to_shot_s: seconds from the first frame to
    the first tracked release (NaN without one). drive_depth_ft: closest approach to
    the hoop over all drives (NaN without drives). paint_touches: entries of the ball
    holder into the paint.
    """
    off_ok = poss.valid[:, 1:6].all(axis=1)
    areas = hull_area(poss.positions[off_ok][:, 1:6, :2])
    drives = [e["depth_ft"] for e in events if e["type"] == "drive"]
    releases = [s for s in poss.shots if s["frame"] >= 0]
    first = min(releases, key=lambda s: s["frame"]) if releases else None
    holder = np.clip(poss.handler, 0, None).astype(int)
    hxy = poss.positions[np.arange(poss.n_frames), holder, :2]
    touch = in_paint(hxy) & (poss.handler >= 1) & (poss.handler <= 5)
    zones = []
    for s in releases:
        slot = int(np.flatnonzero(poss.player_ids == s["shooter_id"])[0]) \
            if (poss.player_ids == s["shooter_id"]).any() else 0
        zones.append(str(shot_zone(poss.positions[s["frame"], slot, :2])))
    return {
        "spacing_sqft": float(areas.mean()) if areas.size else float("nan"),
        "passes": int((poss.action == Action.PASS).sum()),
        "drives": len(drives),
        "drive_depth_ft": float(min(drives)) if drives else float("nan"),
        "time_to_shot_s": float(poss.time_s[first["frame"]]) if first else float("nan"),
        "paint_touches": int(np.count_nonzero(np.diff(touch.astype(int)) == 1) + touch[:1].sum()),
        "three_point_attempts": int(sum(s["is_three"] for s in poss.shots)),
        "shot_zones": zones,
    }


# ---- differentiable per-frame features (torch) -------------------------------------
# positions: (b, h, a, 3) feet, canonical, a = 11 slots [ball, off x5, def x5].

def spacing(positions: torch.Tensor) -> torch.Tensor:
    """(b, h, a, 3) -> (b, h) mean pairwise distance (ft) among the five attackers."""
    off = positions[..., 1:6, :2]
    diff = off.unsqueeze(-2) - off.unsqueeze(-3)
    dist = torch.sqrt((diff ** 2).sum(-1) + 1e-6)
    return dist.sum((-1, -2)) / 20.0  # 5 * 4 ordered pairs


def paint_presence(positions: torch.Tensor, sharpness: float = 2.0) -> torch.Tensor:
    """(b, h, a, 3) -> (b, h) soft count of attackers inside the lane (0..5)."""
    x, y = positions[..., 1:6, 0], positions[..., 1:6, 1]
    inside_x = torch.sigmoid(sharpness * (x - (COURT_LENGTH - PAINT_LENGTH)))
    inside_y = torch.sigmoid(sharpness * (PAINT_WIDTH / 2 - (y - HOOP_Y).abs()))
    return (inside_x * inside_y).sum(-1)


def ball_to_hoop(positions: torch.Tensor) -> torch.Tensor:
    """(b, h, a, 3) -> (b, h) horizontal ball distance (ft) to the attacked hoop."""
    b = positions[..., 0, :2]
    return torch.sqrt((b[..., 0] - RIGHT_HOOP_X) ** 2 + (b[..., 1] - HOOP_Y) ** 2 + 1e-6)


def ball_movement(positions: torch.Tensor) -> torch.Tensor:
    """(b, h, a, 3) -> (b,) total horizontal ball travel (ft) over the horizon."""
    step = positions[:, 1:, 0, :2] - positions[:, :-1, 0, :2]
    return torch.sqrt((step ** 2).sum(-1) + 1e-6).sum(-1)


def pace(positions: torch.Tensor, dt_s: float) -> torch.Tensor:
    """(b, h, a, 3), frame interval (s) -> (b,) mean attacker speed (ft/s)."""
    step = positions[:, 1:, 1:6, :2] - positions[:, :-1, 1:6, :2]
    return torch.sqrt((step ** 2).sum(-1) + 1e-6).mean((-1, -2)) / dt_s
