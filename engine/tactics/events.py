"""Play-by-play events read from tracking alone (no log needed), for commentary and for
checking the tracking against the log.

From :func:`engine.tactics.exact.read_trajectory`: pass, drive, screen, shot (with zone,
distance, shooter). Added here, after each shot's arrival at the rim:
- make / miss: made when, within the next two frames, the ball drops below
  ``made_max_z_ft`` while within ``made_reach_ft`` of the hoop (it went through the
  net) and either the possession ends within ``made_end_frames`` or the ball stays
  within ``made_stay_ft`` of the hoop; a ball that stays high but right on the rim
  (within ``rim_roll_ft``) also counts as made. Thresholds fitted on training games
  only (a depth-3 tree on 600 training possessions, 85% there);
- rebound: after a miss, the next player to hold the ball (offensive or defensive);
- turnover: after the offense last held the ball (no shot since), the defense holds it
  on ``steal_frames`` frames (a steal or a loose ball), or it leaves the court and
  nobody holds it again.
Fouls and free throws are not visible in tracking: they come from the play-by-play
when one is given (language.commentary).

Each event is a dict: type, frame, slots (from / to / by), and details.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.court import COURT_LENGTH, COURT_WIDTH
from engine.tactics.exact import TacticsConfig, hoop_distance, read_trajectory


@dataclass(frozen=True)
class ResultConfig:
    made_reach_ft: float = 3.5
    made_max_z_ft: float = 8.8
    made_end_frames: int = 6
    made_stay_ft: float = 2.0
    rim_roll_ft: float = 1.3
    out_margin_ft: float = 0.5
    steal_frames: int = 2


def _made(pos: np.ndarray, t: int, cfg: ResultConfig) -> bool:
    ball = pos[t + 1:t + 3, 0]
    if not len(ball):
        return True        # the possession ends at the rim: a miss would continue it
    d = hoop_distance(ball)
    low = np.where(d < cfg.made_reach_ft, ball[:, 2], np.inf).min()
    if low <= cfg.made_max_z_ft:
        return len(pos) - t <= cfg.made_end_frames or d.max() <= cfg.made_stay_ft
    return d.max() <= cfg.rim_roll_ft


def tracking_events(pos: np.ndarray, rate_hz: float, tcfg: TacticsConfig | None = None,
                    rcfg: ResultConfig | None = None) -> list[dict]:
    """pos (h, 11, 3) feet, canonical -> events sorted by frame (module docstring)."""
    rcfg = rcfg or ResultConfig()
    r = read_trajectory(pos, rate_hz, tcfg)
    pos = np.asarray(pos, np.float64)
    ev = [dict(type="pass", **p) for p in r.passes]
    ev += [dict(type="drive", **d) for d in r.drives]
    ev += [dict(type="screen", **s) for s in r.screens]
    shot_frames = []
    for s in r.shots:
        made = _made(pos, s["arrival"], rcfg)
        ev.append(dict(type="shot", made=made, **s))
        shot_frames.append(s["arrival"])
        if not made:
            after = [u for u in range(s["arrival"] + 1, len(pos)) if r.holder[u] >= 1]
            if after:
                by = int(r.holder[after[0]])
                ev.append({"type": "rebound", "frame": after[0], "by": by, "offensive": by <= 5})
    ev += _turnovers(pos, r.holder, shot_frames, rcfg, tcfg or TacticsConfig())
    return sorted(ev, key=lambda e: (e["frame"], e["type"] != "pass"))


def _turnovers(pos: np.ndarray, holder: np.ndarray, shot_frames: list[int], cfg: ResultConfig,
               tcfg: TacticsConfig) -> list[dict]:
    """The defense ends up with the ball (holds it on ``cfg.steal_frames`` frames and the
    offense never again) after an attacker last held it with no shot since; or the ball
    leaves the court last held by an attacker and nobody holds it again."""
    att = np.flatnonzero((holder >= 1) & (holder <= 5))
    if not att.size:
        return []
    last = int(att[-1])
    if any(f >= last for f in shot_frames):
        return []
    dfn = np.flatnonzero(holder[last:] >= 6)
    ball = pos[last:last + (int(dfn[0]) if dfn.size else len(pos)), 0]
    if ((hoop_distance(ball) <= tcfg.rim_reach_ft) & (ball[:, 2] >= tcfg.rim_min_z_ft)).any():
        return []          # the ball reached the rim first: a shot the reading could not place
    if dfn.size >= cfg.steal_frames:
        t = last + int(dfn[0])
        return [{"type": "turnover", "frame": t, "from": int(holder[last]), "by": int(holder[t]), "kind": "steal"}]
    ball = pos[last:, 0, :2]
    off = (ball[:, 0] < -cfg.out_margin_ft) | (ball[:, 0] > COURT_LENGTH + cfg.out_margin_ft) \
        | (ball[:, 1] < -cfg.out_margin_ft) | (ball[:, 1] > COURT_WIDTH + cfg.out_margin_ft)
    if off.any() and not (holder[last + 1:] >= 1).any():
        return [{"type": "turnover", "frame": int(last + np.flatnonzero(off)[0]), "from": int(holder[last]),
                 "by": -1, "kind": "out of bounds"}]
    return []
