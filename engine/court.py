"""Court geometry in feet and the canonical orientation.

The court is 94 x 50 ft with the origin at a corner; hoops sit at x = 5.25 and
x = 88.75, y = 25. The three-point line is an arc of 23.75 ft from the hoop centre,
22 ft in the corners (straight segments for the first 14 ft from the baseline).
Canonical orientation: the offense always attacks the right hoop (x = 88.75). The
transform is a 180-degree rotation about the centre, its own inverse.
"""

from __future__ import annotations

import numpy as np

COURT_LENGTH = 94.0
COURT_WIDTH = 50.0
HOOP_Y = 25.0
LEFT_HOOP_X = 5.25
RIGHT_HOOP_X = 88.75
THREE_ARC_RADIUS = 23.75
THREE_CORNER_DIST = 22.0
CORNER_LINE_LENGTH = 14.0  # straight corner segment, measured from the baseline
PAINT_WIDTH = 16.0
PAINT_LENGTH = 19.0  # baseline to free-throw line
RESTRICTED_RADIUS = 4.0


def hoop_xy(side: str) -> tuple[float, float]:
    """('left' | 'right') -> hoop centre in feet."""
    return (RIGHT_HOOP_X if side == "right" else LEFT_HOOP_X, HOOP_Y)


def flip(xyz: np.ndarray) -> np.ndarray:
    """Rotate positions 180 degrees about the court centre. (..., >=2) feet -> same shape.

    Only x and y change; z (ball height) is kept. Applying it twice is the identity.
    """
    out = np.array(xyz, copy=True)
    out[..., 0] = COURT_LENGTH - out[..., 0]
    out[..., 1] = COURT_WIDTH - out[..., 1]
    return out


def to_canonical(xyz: np.ndarray, attacks_right: np.ndarray | bool) -> np.ndarray:
    """Orient so the offense attacks the right hoop.

    xyz: (..., 3) feet; attacks_right: bool, or a boolean array broadcastable to
    xyz[..., 0] saying whether the offense already attacks the right hoop.
    """
    flipped = flip(xyz)
    keep = np.asarray(attacks_right, dtype=bool)[..., None]
    return np.where(keep, xyz, flipped)


from_canonical = to_canonical  # the rotation is its own inverse


def distance_to_hoop(xy: np.ndarray, side: str = "right") -> np.ndarray:
    """(..., >=2) feet -> (...,) distance in feet to the given hoop."""
    hx, hy = hoop_xy(side)
    return np.hypot(xy[..., 0] - hx, xy[..., 1] - hy)


def is_three(xy: np.ndarray, side: str = "right") -> np.ndarray:
    """(..., >=2) feet -> (...,) True where a shot from here is a three-pointer.

    Corner rule: within 14 ft of the baseline the line is 22 ft from the hoop's y;
    elsewhere it is the 23.75 ft arc.
    """
    hx, hy = hoop_xy(side)
    from_baseline = xy[..., 0] if side == "left" else COURT_LENGTH - xy[..., 0]
    corner = from_baseline <= CORNER_LINE_LENGTH
    lateral = np.abs(xy[..., 1] - hy)
    dist = np.hypot(xy[..., 0] - hx, xy[..., 1] - hy)
    return np.where(corner, lateral >= THREE_CORNER_DIST, dist >= THREE_ARC_RADIUS)


def off_court_distance(xy: np.ndarray) -> np.ndarray:
    """(..., >=2) feet -> (...,) how far outside the court rectangle (0 inside)."""
    dx = np.maximum(np.maximum(-xy[..., 0], xy[..., 0] - COURT_LENGTH), 0.0)
    dy = np.maximum(np.maximum(-xy[..., 1], xy[..., 1] - COURT_WIDTH), 0.0)
    return np.hypot(dx, dy)


def shot_zone(xy: np.ndarray, side: str = "right") -> np.ndarray:
    """(..., >=2) feet -> (...,) zone name: 'rim', 'paint', 'mid_range', 'corner_three',
    'above_break_three'.

    rim: within 6 ft of the hoop; paint: inside the 16 x 19 ft lane otherwise.
    """
    hx, hy = hoop_xy(side)
    dist = np.hypot(xy[..., 0] - hx, xy[..., 1] - hy)
    from_baseline = xy[..., 0] if side == "left" else COURT_LENGTH - xy[..., 0]
    three = is_three(xy, side)
    corner = from_baseline <= CORNER_LINE_LENGTH
    in_paint = (from_baseline <= PAINT_LENGTH) & (np.abs(xy[..., 1] - hy) <= PAINT_WIDTH / 2)
    zone = np.where(in_paint, "paint", "mid_range").astype(object)
    zone = np.where(dist <= 6.0, "rim", zone)
    zone = np.where(three & corner, "corner_three", zone)
    zone = np.where(three & ~corner, "above_break_three", zone)
    return zone
