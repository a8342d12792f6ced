"""Exact tactical features of trajectories, read from positions alone (numpy).

A trajectory is ``(h, 11, 3)`` feet in the canonical orientation (offense attacks the
right hoop), slots ``[ball, off_0..4, def_0..4]``, at ``rate_hz`` frames per second;
a batch is ``(b, h, 11, 3)`` with an optional ``frame_valid (b, h)`` mask (frames outside it
are dropped). Nothing else is needed, so real possessions, simulated ones and
planner samples are read the same way.

Reading (thresholds in :class:`TacticsConfig`):
- holder: the player nearest the ball within ``catch_ft`` while the ball is below
  ``hold_max_z_ft``; otherwise the ball is in flight (-1);
- shot: the ball arrives within ``rim_reach_ft`` of the hoop at least ``rim_min_z_ft``
  high, at most ``max_flight_s`` after an attacker last held it (or while an attacker
  holds it: a dunk); the shooter is that attacker, the release his position then, the
  zone ``engine.court.shot_zone`` of the release. After a shot the ball must be held
  again before the next one counts;
- pass: the holder changes from one attacker to another (only flight frames between);
- drive: an attacker holds the ball over consecutive frames, each step closing on the
  hoop at ``drive_speed_ftps`` or faster, gaining ``drive_gain_ft`` in all;
- screen: an attacker without the ball, standing (slower than ``screen_speed_ftps``),
  within ``screen_defender_ft`` of the defender nearest the holder and within
  ``screen_holder_ft`` of the holder (one per run of such frames);
- post entry: a pass caught 6-14 ft from the hoop inside the lane's width band
  (``engine.possessions.events.TacticalConfig``'s low post);
- ball reversal: passes take the ball from one side of the floor to the other within
  ``reversal_window_s``, every touch on the perimeter;
- kick-out: a pass by a driver within ``kick_window_s`` of his drive's end to a
  receiver ``kick_min_ft`` or farther from the hoop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.court import HOOP_Y, RIGHT_HOOP_X, shot_zone
from engine.tactics.library import FEATURE_NAMES


@dataclass(frozen=True)
class TacticsConfig:
    catch_ft: float = 3.5
    hold_max_z_ft: float = 9.0
    rim_reach_ft: float = 4.5
    rim_min_z_ft: float = 7.0
    max_flight_s: float = 2.0
    drive_speed_ftps: float = 4.0
    drive_gain_ft: float = 5.0
    drive_start_ft: float = 35.0
    screen_speed_ftps: float = 3.0
    screen_defender_ft: float = 4.0
    screen_holder_ft: float = 8.0
    post_min_ft: float = 6.0
    post_max_ft: float = 14.0
    post_band_ft: float = 9.0
    post_depth_ft: float = 11.0
    perimeter_ft: float = 19.0
    reversal_margin_ft: float = 7.0
    reversal_window_s: float = 6.0
    kick_window_s: float = 2.0
    kick_min_ft: float = 22.0
    lane_risk_ft: float = 3.0       # pass-lane risk = exp(-closest defender to the lane / this)
    finisher_ft: float = 14.0       # a shooter this close is read one frame later
    depth_from_ft: float = 30.0     # drive depth = this minus the holder's closest approach


@dataclass
class Reading:
    """What was read from one trajectory: per-frame holder (h,) (slot 1..10, -1 in
    flight), events as dicts with frames, and the feature values."""

    holder: np.ndarray
    shots: list[dict] = field(default_factory=list)
    passes: list[dict] = field(default_factory=list)
    drives: list[dict] = field(default_factory=list)
    screens: list[dict] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)


def hoop_distance(xy: np.ndarray) -> np.ndarray:
    """(..., >=2) feet -> (...,) horizontal distance to the attacked hoop."""
    return np.hypot(xy[..., 0] - RIGHT_HOOP_X, xy[..., 1] - HOOP_Y)


def hull_area(xy: np.ndarray) -> np.ndarray:
    """Convex-hull area (sq ft) of small point sets, vectorised over leading axes.

    xy (..., n, 2) feet -> (...,). A directed pair i -> j is a counter-clockwise hull
    edge when every other point lies strictly to its left; the shoelace sum over those
    edges is the hull area (collinear points on an edge split it, not double it).
    """
    p = np.asarray(xy, np.float64)
    d = p[..., None, :, :] - p[..., :, None, :]                     # (..., i, j, 2) pj - pi
    e = p[..., None, None, :, :] - p[..., :, None, None, :]         # (..., i, 1, k, 2) pk - pi
    cross = d[..., :, :, None, 0] * e[..., 1] - d[..., :, :, None, 1] * e[..., 0]  # (..., i, j, k)
    n = p.shape[-2]
    eye = np.eye(n, dtype=bool)
    others = ~(eye[:, None, :] | eye[None, :, :])                   # k not in {i, j}
    left = np.where(others, cross > 1e-9, True).all(axis=-1) & ~eye
    shoelace = p[..., :, None, 0] * p[..., None, :, 1] - p[..., None, :, 0] * p[..., :, None, 1]
    return 0.5 * np.where(left, shoelace, 0.0).sum(axis=(-1, -2))


def holders(pos: np.ndarray, cfg: TacticsConfig) -> np.ndarray:
    """pos (h, 11, 3) feet -> (h,) slot 1..10 of the player holding the ball, -1 in flight."""
    d = np.linalg.norm(pos[:, 1:, :2] - pos[:, :1, :2], axis=-1)           # (h, 10)
    near = np.nanargmin(np.where(np.isfinite(d), d, np.inf), axis=1)
    held = (d[np.arange(len(d)), near] <= cfg.catch_ft) & (pos[:, 0, 2] <= cfg.hold_max_z_ft)
    return np.where(held, near + 1, -1)


def _shots(pos: np.ndarray, holder: np.ndarray, rate_hz: float, cfg: TacticsConfig) -> list[dict]:
    ball = pos[:, 0]
    arrive = (hoop_distance(ball) <= cfg.rim_reach_ft) & (ball[:, 2] >= cfg.rim_min_z_ft)
    lookback = max(1, int(math.ceil(cfg.max_flight_s * rate_hz)))
    shots, armed, last = [], False, -1
    for t in range(len(holder)):
        hd = int(holder[t])
        if 1 <= hd <= 5:
            last, armed = t, armed or not arrive[t]
        elif hd >= 6:
            armed, last = False, -1
        if arrive[t] and armed and last >= 0 and t - last <= lookback:
            shooter = int(holder[last])
            # the release lies between the last held frame and the next one: a finisher
            # (close to the hoop) is read on the next frame, past his last dribble; a
            # jump shooter on the last held frame (he drifts after the release)
            close = hoop_distance(pos[last, shooter, :2]) < cfg.finisher_ft
            at = last + 1 if close and last + 1 <= t else last
            xy = pos[at, shooter, :2]
            shots.append({"frame": int(last), "arrival": int(t), "shooter": shooter,
                          "xy": [float(xy[0]), float(xy[1])], "distance_ft": float(hoop_distance(xy)),
                          "zone": str(shot_zone(xy))})
            armed = False
    return shots


def _passes(pos: np.ndarray, holder: np.ndarray) -> list[dict]:
    out, prev, prev_t = [], -1, -1
    for t, hd in enumerate(holder.tolist()):
        if hd >= 6:
            prev = -1
        elif hd >= 1:
            if prev >= 1 and hd != prev:
                out.append({"frame": prev_t, "catch": t, "from": prev, "to": hd})
            prev, prev_t = hd, t
    return out


def _drives(pos: np.ndarray, holder: np.ndarray, rate_hz: float, cfg: TacticsConfig) -> list[dict]:
    d = hoop_distance(pos[np.arange(len(holder)), np.clip(holder, 0, 10), :2])
    step_ok = np.zeros(len(holder), bool)
    same = (holder[1:] == holder[:-1]) & (holder[1:] >= 1) & (holder[1:] <= 5)
    step_ok[:-1] = same & ((d[:-1] - d[1:]) * rate_hz >= cfg.drive_speed_ftps)
    out, t = [], 0
    while t < len(step_ok):
        if not step_ok[t]:
            t += 1
            continue
        g = t
        while g + 1 < len(step_ok) and step_ok[g + 1]:
            g += 1
        if d[t] - d[g + 1] >= cfg.drive_gain_ft and d[t] <= cfg.drive_start_ft:
            out.append({"frame": t, "end_frame": g + 1, "from": int(holder[t]),
                        "depth_ft": float(d[g + 1])})
        t = g + 1
    return out


def _screens(pos: np.ndarray, holder: np.ndarray, rate_hz: float, cfg: TacticsConfig) -> list[dict]:
    xy = pos[..., :2]
    speed = np.zeros(xy.shape[:2])
    if len(xy) > 1:
        speed[1:] = np.linalg.norm(np.diff(xy, axis=0), axis=-1) * rate_hz
        speed[0] = speed[1]
    out, active = [], set()
    for t, hd in enumerate(holder.tolist()):
        now = set()
        if 1 <= hd <= 5:
            dfn = 6 + int(np.argmin(np.linalg.norm(xy[t, 6:11] - xy[t, hd], axis=-1)))
            for s in range(1, 6):
                if s != hd and speed[t, s] < cfg.screen_speed_ftps \
                        and np.linalg.norm(xy[t, s] - xy[t, dfn]) <= cfg.screen_defender_ft \
                        and np.linalg.norm(xy[t, s] - xy[t, hd]) <= cfg.screen_holder_ft:
                    now.add(s)
                    if s not in active:
                        out.append({"frame": t, "from": s, "to": hd, "defender": dfn})
        active = now
    return out


def _low_post(xy: np.ndarray, cfg: TacticsConfig) -> np.ndarray:
    d = hoop_distance(xy)
    return ((d >= cfg.post_min_ft) & (d <= cfg.post_max_ft) & (np.abs(xy[..., 1] - HOOP_Y) <= cfg.post_band_ft)
            & (xy[..., 0] >= RIGHT_HOOP_X - cfg.post_depth_ft))


def _reversals(pos: np.ndarray, passes: list[dict], rate_hz: float, cfg: TacticsConfig) -> int:
    count, side, since = 0, 0, -1
    for p in passes:
        a, b = pos[p["frame"], p["from"], :2], pos[p["catch"], p["to"], :2]
        if min(hoop_distance(a), hoop_distance(b)) < cfg.perimeter_ft:
            side, since = 0, -1
            continue
        s = int(np.sign(b[1] - HOOP_Y)) if abs(b[1] - HOOP_Y) > cfg.reversal_margin_ft else 0
        a_side = int(np.sign(a[1] - HOOP_Y)) if abs(a[1] - HOOP_Y) > cfg.reversal_margin_ft else 0
        if side == 0 and a_side:
            side, since = a_side, p["frame"]
        if s and side and s != side and (p["catch"] - since) / rate_hz <= cfg.reversal_window_s:
            count += 1
        if s:
            side, since = s, p["catch"]
    return count


def _lane_risk(pos: np.ndarray, passes: list[dict], cfg: TacticsConfig) -> float:
    if not passes:
        return 0.0
    risks = []
    for p in passes:
        a, b = pos[p["frame"], p["from"], :2], pos[p["catch"], p["to"], :2]
        ab = b - a
        t = np.clip(((pos[p["frame"], 6:11, :2] - a) @ ab) / max(float(ab @ ab), 1e-6), 0.0, 1.0)
        lane = np.linalg.norm(pos[p["frame"], 6:11, :2] - (a + t[:, None] * ab), axis=-1).min()
        risks.append(math.exp(-lane / cfg.lane_risk_ft))
    return float(np.mean(risks))


def read_trajectory(pos: np.ndarray, rate_hz: float, cfg: TacticsConfig | None = None) -> Reading:
    """One trajectory (h, 11, 3) feet, canonical, every frame valid -> its Reading
    (events and the features named in engine.tactics.library)."""
    cfg = cfg or TacticsConfig()
    pos = np.asarray(pos, np.float64)
    h = len(pos)
    if h == 0:
        return Reading(np.zeros(0, int), features={name: float("nan") for name in FEATURE_NAMES})
    holder = holders(pos, cfg)
    shots = _shots(pos, holder, rate_hz, cfg)
    passes = _passes(pos, holder)
    drives = _drives(pos, holder, rate_hz, cfg)
    screens = _screens(pos, holder, rate_hz, cfg)
    r = Reading(holder, shots, passes, drives, screens)
    att = (holder >= 1) & (holder <= 5)
    hxy = pos[np.arange(h), np.clip(holder, 0, 10), :2]
    zones = [s["zone"] for s in shots]
    paint = att & (hxy[:, 0] >= 94.0 - 19.0) & (np.abs(hxy[:, 1] - HOOP_Y) <= 8.0)
    for p in passes:
        p["post_entry"] = bool(_low_post(pos[p["catch"], p["to"], :2], cfg))
    kicks = sum(1 for p in passes for d in drives
                if d["from"] == p["from"] and 0 <= (p["frame"] - d["end_frame"]) / rate_hz <= cfg.kick_window_s
                and hoop_distance(pos[p["catch"], p["to"], :2]) >= cfg.kick_min_ft)
    off = pos[:, 1:6, :2]
    pair = np.linalg.norm(off[:, :, None] - off[:, None], axis=-1).sum((1, 2)) / 20.0
    step = np.linalg.norm(np.diff(pos[:, :, :2], axis=0), axis=-1) if h > 1 else np.zeros((1, 11))
    f = r.features
    for z in ("rim", "paint", "mid_range", "corner_three", "above_break_three"):
        f[f"{z}_attempts"] = float(zones.count(z))
    f["three_point_attempts"] = f["corner_three_attempts"] + f["above_break_three_attempts"]
    f["paint_touches"] = float(np.count_nonzero(np.diff(paint.astype(int)) == 1) + paint[:1].sum())
    closest = hoop_distance(hxy[att]).min() if att.any() else cfg.depth_from_ft
    f["drive_depth_ft"] = float(max(0.0, cfg.depth_from_ft - closest))
    f["drives"] = float(len(drives))
    f["kick_outs"] = float(kicks)
    f["passes"] = float(len(passes))
    f["ball_reversals"] = float(_reversals(pos, passes, rate_hz, cfg))
    f["ball_movement_ft"] = float(step[:, 0].sum())
    f["spacing_hull_sqft"] = float(hull_area(off).mean())
    f["spacing_pairwise_ft"] = float(pair.mean())
    f["time_to_first_shot_s"] = float((shots[0]["frame"] if shots else h - 1) / rate_hz)
    f["pace_ftps"] = float(step[:, 1:6].mean() * rate_hz)
    f["screens"] = float(len(screens))
    f["post_entries"] = float(sum(p["post_entry"] for p in passes))
    f["post_time_s"] = float((att & _low_post(hxy, cfg)).sum() / rate_hz)
    f["pass_lane_risk"] = _lane_risk(pos, passes, cfg)
    return r


def tactical_features(positions: np.ndarray, rate_hz: float, frame_valid: np.ndarray | None = None,
                      cfg: TacticsConfig | None = None) -> dict[str, np.ndarray]:
    """positions (b, h, 11, 3) feet, canonical; frame_valid (b, h) (frames
    outside it are dropped) -> {feature name: (b,) float64} for every feature of
    engine.tactics.library; NaN for a trajectory without a valid frame."""
    positions = np.asarray(positions)
    b, h = positions.shape[:2]
    keep = np.ones((b, h), bool) if frame_valid is None else np.asarray(frame_valid, bool)
    out = {name: np.full(b, np.nan) for name in FEATURE_NAMES}
    for i in range(b):
        if not keep[i].any():
            continue
        feats = read_trajectory(positions[i][keep[i]], rate_hz, cfg).features
        for name in FEATURE_NAMES:
            out[name][i] = feats[name]
    return out
