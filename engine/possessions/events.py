"""A minimal event detector over a tracked possession (canonical orientation).

Events are plain dicts with ``type`` in {pass, drive, shot, rebound, turnover}, the
``frame`` where they start and the slots involved:

- pass: a decision point labelled pass (``from`` -> ``to``);
- drive: a run of consecutive drive labels by one holder; ``depth_ft`` is the
  closest he got to the hoop during it, ``end_frame`` its last frame;
- shot: a play-by-play field-goal attempt at its aligned release frame;
- rebound / turnover: from the play-by-play rows inside the possession, placed at
  the frame whose clock is nearest the logged clock.

With ``tactical=True`` (thresholds in :class:`TacticalConfig`) it also finds:

- screen: an offensive non-handler stands still within a few feet of the handler's
  defender (the defender nearest the handler) and the handler, still holding the
  ball and moving, passes within a few feet of him in the next seconds (``from`` the
  screener, ``to`` the handler, ``defender`` slot, ``end_frame`` the pass-by frame);
- post_entry: a pass caught by a player in the low post (6-14 ft from the hoop,
  inside the paint's width band, not above the block's depth) at ``frame`` (the catch;
  ``pass_frame`` the release);
- ball_reversal: two or more consecutive perimeter passes within a few seconds take
  the ball from one side of the floor (y < 25 - margin) to the other (y > 25 +
  margin), or back (``frame`` the first release, ``end_frame`` the last catch);
- kick_out: a drive followed within ~2 s by a pass from the driver to a teammate
  beyond the arc or far from the hoop (``frame`` the release, ``drive_frame``).

The tactical events are off by default so that the foundation's event counts (and the
cached dataset's ``n_events``) do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.court import HOOP_Y, RIGHT_HOOP_X, distance_to_hoop, is_three
from engine.possessions.labels import Action


@dataclass
class TacticalConfig:
    """Thresholds of the tactical events (feet, seconds, ft/s).

    screen_speed_ftps: a screener moves slower than this (he has stopped);
    screen_defender_ft: ...within this distance of the handler's defender;
    screen_pass_by_ft / screen_window_s: the handler comes within this distance of
    the screener within this many seconds, moving at least screen_handler_speed_ftps;
    post_min_ft / post_max_ft: the catch is this far from the hoop, post_band_ft at
    most from the hoop's y (the paint is 16 ft wide: 8 ft + 1 ft for a post player
    standing on the lane line) and post_depth_ft at most in front of the hoop (low post);
    reversal_margin_ft: sides are y < 25 - margin and y > 25 + margin;
    reversal_window_s / reversal_min_passes: the chain's duration and length;
    perimeter_ft: every touch of a reversal chain is at least this far from the hoop;
    kick_window_s: release within this long after the drive's end; kick_min_ft: a
    receiver this far from the hoop (or beyond the arc) counts as kicked out to.
    """

    screen_speed_ftps: float = 3.0
    screen_defender_ft: float = 4.0
    screen_pass_by_ft: float = 6.0
    screen_window_s: float = 2.5
    screen_handler_speed_ftps: float = 4.0
    post_min_ft: float = 6.0
    post_max_ft: float = 14.0
    post_band_ft: float = 9.0
    post_depth_ft: float = 11.0
    reversal_margin_ft: float = 7.0
    reversal_window_s: float = 6.0
    reversal_min_passes: int = 2
    perimeter_ft: float = 19.0
    kick_window_s: float = 2.0
    kick_min_ft: float = 22.0


def detect_events(poss, pbp_rows=None, tactical: bool = False,
                  cfg: TacticalConfig | None = None) -> list[dict]:
    """poss: engine.possessions.segment.Possession; pbp_rows: its play-by-play rows (a DataFrame
    or dict of arrays with msg_type and clock), optional; tactical: add screens, post
    entries, ball reversals and kick-outs (cfg). Returns events sorted by frame."""
    events = _passes(poss) + _drives(poss)
    if tactical:
        events += detect_tactical(poss, events, cfg)
    for s in poss.shots:
        if s["frame"] >= 0:
            slot = _slot_of(poss, s["shooter_id"])
            events.append({"type": "shot", "frame": s["frame"], "from": slot,
                           "made": s["made"], "is_three": s["is_three"]})
    if pbp_rows is not None and poss.n_frames:
        msg, clocks = np.asarray(pbp_rows["msg_type"]), np.asarray(pbp_rows["clock"])
        for kind, code in (("rebound", 4), ("turnover", 5)):
            for clock in clocks[msg == code]:
                frame = int(np.argmin(np.abs(poss.game_clock - clock)))
                events.append({"type": kind, "frame": frame})
    return sorted(events, key=lambda e: (e["frame"], e["type"]))


def _slot_of(poss, player_id: int) -> int:
    hit = np.flatnonzero(poss.player_ids == player_id)
    return int(hit[0]) if hit.size else -1


def _passes(poss) -> list[dict]:
    frames = np.flatnonzero(poss.action == Action.PASS)
    return [{"type": "pass", "frame": int(f), "from": int(poss.handler[f]),
             "to": int(poss.pass_target[f])} for f in frames]


def _drives(poss) -> list[dict]:
    is_drive = poss.action == Action.DRIVE
    out = []
    f = 0
    while f < is_drive.size:
        if not is_drive[f]:
            f += 1
            continue
        g = f
        while g + 1 < is_drive.size and is_drive[g + 1] and poss.handler[g + 1] == poss.handler[f]:
            g += 1
        slot = int(poss.handler[f])
        # the drive ends at the next frame (the step that closed on the hoop)
        end = min(g + 1, is_drive.size - 1)
        d = distance_to_hoop(poss.positions[f:end + 1, slot, :2], "right")
        out.append({"type": "drive", "frame": int(f), "end_frame": int(end), "from": slot,
                    "depth_ft": float(d.min())})
        f = g + 1
    return out


# ------------------------------------------------------------------ tactical events
def detect_tactical(poss, events: list[dict] | None = None,
                    cfg: TacticalConfig | None = None) -> list[dict]:
    """Screens, post entries, ball reversals and kick-outs of one possession.

    events: its pass and drive events (detected here when None). Returns a list of
    event dicts (see the module docstring), unsorted."""
    cfg = cfg or TacticalConfig()
    events = _passes(poss) + _drives(poss) if events is None else events
    passes = [e for e in events if e["type"] == "pass"]
    drives = [e for e in events if e["type"] == "drive"]
    return (_screens(poss, cfg) + _post_entries(poss, passes, cfg)
            + _reversals(poss, passes, cfg) + _kick_outs(poss, passes, drives, cfg))


def _speeds(poss) -> np.ndarray:
    """(T, 11) ft/s over the step to the next frame (the last frame repeats the
    previous step); inf where a slot is untracked at either end."""
    pos, t = poss.positions[..., :2].astype(np.float64), poss.time_s
    if poss.n_frames < 2:
        return np.full(pos.shape[:2], np.inf)
    step = np.linalg.norm(np.diff(pos, axis=0), axis=-1)
    dt = np.maximum(np.diff(t), 1e-3)[:, None]
    speed = step / dt
    speed[~(poss.valid[1:] & poss.valid[:-1])] = np.inf
    return np.concatenate([speed, speed[-1:]], axis=0)


def _holder_xy(poss) -> tuple[np.ndarray, np.ndarray]:
    """Handler slot (T,) int (-1 off-ball frames) and its xy (T, 2) feet."""
    h = poss.handler.astype(int)
    h = np.where((h >= 1) & (h <= 5), h, -1)
    return h, poss.positions[np.arange(poss.n_frames), np.clip(h, 0, None), :2]


def _screens(poss, cfg: TacticalConfig) -> list[dict]:
    if poss.n_frames < 2:
        return []
    pos, (h, hxy) = poss.positions[..., :2], _holder_xy(poss)
    speed = _speeds(poss)
    to_def = np.linalg.norm(pos[:, 6:11] - hxy[:, None], axis=-1)
    to_def[~poss.valid[:, 6:11]] = np.inf
    dslot = 6 + to_def.argmin(axis=1)                                   # (T,)
    dxy = pos[np.arange(poss.n_frames), dslot]
    near = np.linalg.norm(pos[:, 1:6] - dxy[:, None], axis=-1)          # (T, 5)
    cand = ((h >= 1)[:, None] & (speed[:, 1:6] < cfg.screen_speed_ftps)
            & (near <= cfg.screen_defender_ft) & poss.valid[:, 1:6]
            & (np.arange(1, 6)[None, :] != h[:, None]))
    out, busy = [], {}
    for f, k in zip(*np.nonzero(cand)):
        s = int(k) + 1
        if f <= busy.get(s, -1):
            continue
        g = _pass_by(poss, int(f), s, h, hxy, speed, cfg)
        if g >= 0:
            out.append({"type": "screen", "frame": int(f), "from": s, "to": int(h[f]),
                        "defender": int(dslot[f]), "end_frame": g})
            busy[s] = _screen_end(h, speed[:, s], g, cfg)
    return out


def _screen_end(h: np.ndarray, speed: np.ndarray, g: int, cfg: TacticalConfig) -> int:
    """Last frame of one screen: the screener stays put and the handler keeps the ball
    (one screen is counted once however long he stands there)."""
    while g + 1 < h.size and h[g + 1] == h[g] and speed[g] < cfg.screen_speed_ftps:
        g += 1
    return g


def _pass_by(poss, f: int, screener: int, h: np.ndarray, hxy: np.ndarray,
             speed: np.ndarray, cfg: TacticalConfig) -> int:
    """First frame g > f at which the handler of frame f, holding the ball throughout,
    moves past within screen_pass_by_ft of the screener; -1 if none in the window."""
    for g in range(f + 1, poss.n_frames):
        if h[g] != h[f] or poss.time_s[g] - poss.time_s[f] > cfg.screen_window_s:
            return -1
        close = np.linalg.norm(hxy[g] - poss.positions[g, screener, :2]) <= cfg.screen_pass_by_ft
        if close and speed[g - 1, h[f]] >= cfg.screen_handler_speed_ftps:
            return g
    return -1


def _catch(poss, e: dict) -> int:
    """Frame at which the pass ``e`` is caught by its target (-1 if never)."""
    later = np.flatnonzero(poss.handler[e["frame"] + 1:] >= 1)
    if later.size == 0:
        return -1
    g = e["frame"] + 1 + int(later[0])
    return g if int(poss.handler[g]) == e["to"] else -1


def _post_entries(poss, passes: list[dict], cfg: TacticalConfig) -> list[dict]:
    out = []
    for e in passes:
        g = _catch(poss, e)
        if g < 0:
            continue
        x, y = poss.positions[g, e["to"], :2]
        d = float(np.hypot(x - RIGHT_HOOP_X, y - HOOP_Y))
        if (cfg.post_min_ft <= d <= cfg.post_max_ft and abs(y - HOOP_Y) <= cfg.post_band_ft
                and RIGHT_HOOP_X - x <= cfg.post_depth_ft):
            out.append({"type": "post_entry", "frame": g, "pass_frame": e["frame"],
                        "from": e["from"], "to": e["to"], "distance_ft": d})
    return out


def _side(y: float, margin: float) -> int:
    return -1 if y < HOOP_Y - margin else (1 if y > HOOP_Y + margin else 0)


def _reversals(poss, passes: list[dict], cfg: TacticalConfig) -> list[dict]:
    """Chains of consecutive perimeter passes that move the ball across the floor."""
    pos, t = poss.positions[..., :2], poss.time_s
    chain = [(e, _catch(poss, e)) for e in passes]
    out, i = [], 0
    while i < len(chain):
        e0, _ = chain[i]
        start = _side(pos[e0["frame"], e0["from"], 1], cfg.reversal_margin_ft)
        found, j = -1, i
        while start != 0 and j < len(chain):
            e, g = chain[j]
            linked = j == i or (e["from"] == chain[j - 1][0]["to"] and chain[j - 1][1] >= 0
                                and e["frame"] >= chain[j - 1][1])
            on_perim = distance_to_hoop(pos[e["frame"], e["from"]]) >= cfg.perimeter_ft
            if g < 0 or not linked or not on_perim or t[g] - t[e0["frame"]] > cfg.reversal_window_s:
                break
            end_xy = pos[g, e["to"]]
            if (j - i + 1 >= cfg.reversal_min_passes and distance_to_hoop(end_xy) >= cfg.perimeter_ft
                    and _side(end_xy[1], cfg.reversal_margin_ft) == -start):
                found = j
                break
            j += 1
        if found >= 0:
            out.append({"type": "ball_reversal", "frame": int(e0["frame"]),
                        "end_frame": int(chain[found][1]), "from": e0["from"],
                        "to": chain[found][0]["to"], "passes": found - i + 1})
            i = found + 1
        else:
            i += 1
    return out


def _kick_outs(poss, passes: list[dict], drives: list[dict], cfg: TacticalConfig) -> list[dict]:
    out = []
    for d in drives:
        for e in passes:
            if e["from"] != d["from"] or e["frame"] < d["frame"]:
                continue
            if poss.time_s[e["frame"]] - poss.time_s[d["end_frame"]] > cfg.kick_window_s:
                break
            g = _catch(poss, e)
            xy = poss.positions[g, e["to"], :2] if g >= 0 else None
            if xy is not None and (bool(is_three(xy)) or distance_to_hoop(xy) >= cfg.kick_min_ft):
                out.append({"type": "kick_out", "frame": int(e["frame"]), "from": e["from"],
                            "to": e["to"], "drive_frame": int(d["frame"])})
            break
    return out
