"""Court markings as polylines in feet, and the feet -> pixels mapping.

Both renderers (pygame frames in :mod:`viz.render`, matplotlib diagrams in
:mod:`viz.diagram`) draw the same markings, so the geometry lives here once and knows
nothing about either backend. Dimensions come from :mod:`engine.court`; the few that
engine does not need (centre circle, backboard, free-throw circle) are NBA rule values.

Screen convention: court y up = screen up (y = 0, the canonical offense's right-hand
sideline, is at the bottom of the picture); x grows to the right, so the canonical
offense attacks the right hoop on screen too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.court import (
    COURT_LENGTH,
    COURT_WIDTH,
    HOOP_Y,
    LEFT_HOOP_X,
    PAINT_LENGTH,
    PAINT_WIDTH,
    RESTRICTED_RADIUS,
    THREE_ARC_RADIUS,
    THREE_CORNER_DIST,
    flip,
)

HALF_X = COURT_LENGTH / 2
CENTRE_CIRCLE_RADIUS = 6.0
FREE_THROW_RADIUS = 6.0
RIM_RADIUS = 0.75            # 18 in diameter
BACKBOARD_X = 4.0            # feet from the baseline
BACKBOARD_HALF_WIDTH = 3.0   # the board is 6 ft wide


@dataclass(frozen=True)
class Marking:
    """One court line. points: (m, 2) feet; style: 'line' | 'dashed' | 'rim' | 'backboard'."""

    points: np.ndarray
    style: str = "line"


def _arc(cx: float, cy: float, r: float, a0: float, a1: float, n: int = 48) -> np.ndarray:
    """(n, 2) feet: points of a circle arc from angle a0 to a1 (radians, from +x)."""
    a = np.linspace(a0, a1, n)
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)


def _left_end() -> list[Marking]:
    """Markings of the left end (baseline at x = 0, hoop at x = 5.25)."""
    lo, hi = HOOP_Y - PAINT_WIDTH / 2, HOOP_Y + PAINT_WIDTH / 2
    paint = np.array([[0, lo], [PAINT_LENGTH, lo], [PAINT_LENGTH, hi], [0, hi]], float)
    # The straight corner lines run until they meet the arc (x ~ 14.2 ft, a hair past the
    # 14 ft of the rule book) so the drawn line is continuous.
    phi = np.arcsin(THREE_CORNER_DIST / THREE_ARC_RADIUS)
    arc = _arc(LEFT_HOOP_X, HOOP_Y, THREE_ARC_RADIUS, -phi, phi)
    three = np.vstack([[0, HOOP_Y - THREE_CORNER_DIST], arc, [0, HOOP_Y + THREE_CORNER_DIST]])
    r = RESTRICTED_RADIUS
    restricted = np.vstack([[BACKBOARD_X, HOOP_Y - r], [LEFT_HOOP_X, HOOP_Y - r],
                            _arc(LEFT_HOOP_X, HOOP_Y, r, -np.pi / 2, np.pi / 2),
                            [BACKBOARD_X, HOOP_Y + r]])
    board = np.array([[BACKBOARD_X, HOOP_Y - BACKBOARD_HALF_WIDTH],
                      [BACKBOARD_X, HOOP_Y + BACKBOARD_HALF_WIDTH]])
    neck = np.array([[BACKBOARD_X, HOOP_Y], [LEFT_HOOP_X - RIM_RADIUS, HOOP_Y]])
    return [
        Marking(paint),
        Marking(_arc(PAINT_LENGTH, HOOP_Y, FREE_THROW_RADIUS, -np.pi / 2, np.pi / 2)),
        Marking(_arc(PAINT_LENGTH, HOOP_Y, FREE_THROW_RADIUS, np.pi / 2, 1.5 * np.pi), "dashed"),
        Marking(three),
        Marking(restricted),
        Marking(board, "backboard"),
        Marking(neck, "backboard"),
        Marking(_arc(LEFT_HOOP_X, HOOP_Y, RIM_RADIUS, 0, 2 * np.pi, 24), "rim"),
    ]


def court_markings(half_court: bool = False) -> list[Marking]:
    """All lines to draw, in feet. half_court: only the right half (x >= 47), the end the
    canonical offense attacks."""
    x0 = HALF_X if half_court else 0.0
    boundary = np.array([[x0, 0], [COURT_LENGTH, 0], [COURT_LENGTH, COURT_WIDTH],
                         [x0, COURT_WIDTH], [x0, 0]], float)
    midline = np.array([[HALF_X, 0], [HALF_X, COURT_WIDTH]], float)
    a0 = -np.pi / 2 if half_court else 0.0
    a1 = np.pi / 2 if half_court else 2 * np.pi
    centre = _arc(HALF_X, HOOP_Y, CENTRE_CIRCLE_RADIUS, a0, a1, 64)
    left = _left_end()
    # the right end is the left end rotated 180 degrees about the centre (engine's flip)
    right = [Marking(flip(m.points), m.style) for m in left]
    ends = right if half_court else left + right
    return [Marking(boundary), Marking(midline), Marking(centre)] + ends


def paint_polygons(half_court: bool = False) -> list[np.ndarray]:
    """(4, 2) feet rectangles of the lanes, for a fill colour under the lines."""
    lo, hi = HOOP_Y - PAINT_WIDTH / 2, HOOP_Y + PAINT_WIDTH / 2
    left = np.array([[0, lo], [PAINT_LENGTH, lo], [PAINT_LENGTH, hi], [0, hi]], float)
    right = flip(left)
    return [right] if half_court else [left, right]


@dataclass(frozen=True)
class CourtView:
    """Where the court sits in a picture W px wide.

    The view spans x in [0, 94] ft (full) or [47, 94] ft (half) and y in [0, 50] ft, with
    ``margin_ft`` of apron on every side so out-of-bounds players stay visible.
    scale (px per ft) = width_px / (span + 2 * margin_ft).
    """

    width_px: int = 940
    half_court: bool = False
    margin_ft: float = 2.0

    @property
    def x_min(self) -> float:
        return HALF_X if self.half_court else 0.0

    @property
    def scale(self) -> float:
        return self.width_px / (COURT_LENGTH - self.x_min + 2 * self.margin_ft)

    @property
    def height_px(self) -> int:
        return round((COURT_WIDTH + 2 * self.margin_ft) * self.scale)

    def to_pixels(self, xy: np.ndarray) -> np.ndarray:
        """(..., >=2) feet -> (..., 2) float pixels (px right, py down; court y up = up)."""
        xy = np.asarray(xy, dtype=float)
        px = (xy[..., 0] - self.x_min + self.margin_ft) * self.scale
        py = (COURT_WIDTH + self.margin_ft - xy[..., 1]) * self.scale
        return np.stack([px, py], axis=-1)

    def from_pixels(self, pxy: np.ndarray) -> np.ndarray:
        """(..., 2) pixels -> (..., 2) feet; the inverse of :meth:`to_pixels`."""
        pxy = np.asarray(pxy, dtype=float)
        x = pxy[..., 0] / self.scale + self.x_min - self.margin_ft
        y = COURT_WIDTH + self.margin_ft - pxy[..., 1] / self.scale
        return np.stack([x, y], axis=-1)
