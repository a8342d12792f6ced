"""Shot selection of the league: P(shoot | court zone, nearest-defender distance, shot clock).

Where and when real shots are taken, fitted on the train games' decision points (an
attacker holds the ball, :func:`offline_rl.bc.features.frame_index`): the share of those
frames labelled SHOT, per cell of

- court zone of the handler (:func:`engine.court.shot_zone`'s vocabulary, in this order:
  rim (within 6 ft of the hoop), paint, mid_range, corner_three, above_break_three;
  :func:`zone_index` is its torch twin);
- the handler's distance to the rim (ft) bins ``DIST_EDGES`` (a zone spans a range of
  distances: a holder 32 ft out is in the same zone as a spot-up shooter at 24 ft and
  almost never shoots);
- nearest-defender distance (ft) bins ``DEF_EDGES``;
- shot clock (s) bins ``CLOCK_EDGES``.

Each cell's rate is shrunk towards its (zone, distance) rate, and that towards its
zone's rate, with ``prior`` pseudo-frames each (empty cells take the coarser rate). The rate is per decision frame at the data's frame rate,
the simulator's step. These features do not drift the way a learned net's inputs do in
closed loop (velocities, team-mates' relative layout): they are what the handler sees.

Used by :class:`offline_rl.bc.offense.BCOffense` when the config's ``shot_model`` is
on: the decision is shoot with this probability, else the net's non-shot classes
renormalised. Saved as one :data:`TABLE_SHAPE` tensor with the BC checkpoint.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.court import (
    CORNER_LINE_LENGTH,
    COURT_LENGTH,
    PAINT_LENGTH,
    PAINT_WIDTH,
)
from engine.sim.step import DEF, hoop_xy
from offline_rl.bc.features import CLS_SHOT, three_spot

ZONES = ("rim", "paint", "mid_range", "corner_three", "above_break_three")
DIST_EDGES = (3.0, 6.0, 10.0, 16.0, 22.0, 25.0, 28.0)   # ft to the rim
DEF_EDGES = (2.0, 4.0, 6.0, 9.0)          # ft: bins <2, 2-4, 4-6, 6-9, >=9
CLOCK_EDGES = (4.0, 8.0, 12.0, 16.0)      # s: bins <4, 4-8, 8-12, 12-16, >=16
TABLE_SHAPE = (len(ZONES), len(DIST_EDGES) + 1, len(DEF_EDGES) + 1, len(CLOCK_EDGES) + 1)


def zone_index(xy: torch.Tensor) -> torch.Tensor:
    """(..., 2) feet, canonical (right hoop) -> (...,) long index into :data:`ZONES`,
    the same cuts as :func:`engine.court.shot_zone`."""
    d = (xy - hoop_xy(xy)).norm(dim=-1)
    from_baseline = COURT_LENGTH - xy[..., 0]
    three = three_spot(xy)
    corner = from_baseline <= CORNER_LINE_LENGTH
    paint = (from_baseline <= PAINT_LENGTH) & ((xy[..., 1] - hoop_xy(xy)[..., 1]).abs() <= PAINT_WIDTH / 2)
    z = torch.where(paint, 1, 2)
    z = torch.where(d <= 6.0, 0, z)
    z = torch.where(three & corner, 3, z)
    return torch.where(three & ~corner, 4, z)


def cell_index(pos: torch.Tensor, holder: torch.Tensor, shot_clock: torch.Tensor,
               by_distance: bool = True) -> tuple[torch.Tensor, ...]:
    """pos (b, 11, >=2) ft, holder (b,) attacker slot 1..5, shot_clock (b,) s -> (zone,
    rim-distance bin (0 everywhere unless ``by_distance``), defender bin, clock bin),
    each (b,) long."""
    rows = torch.arange(pos.shape[0], device=pos.device)
    xy = pos[rows, holder.clamp(1, 5), :2]
    dd = (pos[:, DEF, :2] - xy[:, None]).norm(dim=-1).min(1).values
    rim = (xy - hoop_xy(xy)).norm(dim=-1)
    edges = lambda e: torch.tensor(e, dtype=xy.dtype, device=xy.device)
    ring = torch.bucketize(rim, edges(DIST_EDGES), right=True)
    return (zone_index(xy), ring if by_distance else torch.zeros_like(ring),
            torch.bucketize(dd, edges(DEF_EDGES), right=True),
            torch.bucketize(shot_clock.to(xy.dtype), edges(CLOCK_EDGES), right=True))


def fit_table(pos: torch.Tensor, holder: torch.Tensor, shot_clock: torch.Tensor,
              cls: torch.Tensor, prior: float = 50.0, by_distance: bool = True) -> torch.Tensor:
    """Decision frames (pos (n, 11, 3), holder (n,), shot_clock (n,), cls (n,) decision
    class) -> P(shoot) table :data:`TABLE_SHAPE`, cells shrunk to their zone's rate."""
    z, r, d, c = cell_index(pos, holder, shot_clock, by_distance)
    flat = ((z * TABLE_SHAPE[1] + r) * TABLE_SHAPE[2] + d) * TABLE_SHAPE[3] + c
    size = int(np.prod(TABLE_SHAPE))
    shots = torch.bincount(flat, weights=(cls == CLS_SHOT).double(), minlength=size)
    n = torch.bincount(flat, minlength=size).double()
    shots, n = shots.reshape(TABLE_SHAPE), n.reshape(TABLE_SHAPE)
    overall = shots.sum() / n.sum().clamp_min(1)
    zone = (shots.sum((1, 2, 3)) + prior * overall) / (n.sum((1, 2, 3)) + prior)
    ring = (shots.sum((2, 3)) + prior * zone[:, None]) / (n.sum((2, 3)) + prior)
    return ((shots + prior * ring[..., None, None]) / (n + prior)).float()


def p_shoot(table: torch.Tensor, pos: torch.Tensor, holder: torch.Tensor,
            shot_clock: torch.Tensor, by_distance: bool = True) -> torch.Tensor:
    """(b,) probability that the holder shoots this step (see :func:`cell_index`; the
    same ``by_distance`` as the fit)."""
    z, r, d, c = cell_index(pos, holder, shot_clock, by_distance)
    return table.to(pos.device)[z, r, d, c].to(pos.dtype)


def fit_from_dataset(ds, dt_s: float, glitch_ftps: float, prior: float = 50.0,
                     by_distance: bool = True) -> torch.Tensor:
    """The table of :func:`fit_table` over every decision frame of ``ds`` (a
    PossessionSet; the caller passes the train split)."""
    from offline_rl.bc.features import frame_index, gather_frames, impute_shot_clock

    idx = frame_index(ds, dt_s, glitch_ftps)
    rows, cols = np.nonzero(idx["decision"])
    f = gather_frames(ds, rows, cols, dt_s, impute_shot_clock(ds), idx["cls"], idx["holder"])
    return fit_table(f.pos, f.holder, f.shot_clock, f.action, prior, by_distance)
