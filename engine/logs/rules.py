"""Data rules every tracking reader applies, in one place.

1. Shot clock above 24 s is missing (NaN).
2. A coordinate up to ``clip_ft`` (10 ft) off the court is clipped onto the court and
   counted; farther than that, or non-finite, the entity is masked for that moment.
3. A moment is unusable when its clocks are non-finite, its ball is masked, or more
   than two players are masked/missing; unusable moments are dropped and counted. A
   file where more than ``max_unusable`` (5%) of moments are unusable is an error.
4. A new segment starts when the period changes, the game clock steps backwards
   (rises), or the gap to the previous moment exceeds twice the frame interval
   (timestamps when the source has them, else game clock; a stopped game clock is
   not a gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.court import COURT_LENGTH, COURT_WIDTH, off_court_distance
from engine.errors import HoopsimDataError
from engine.schema import Quality, Tracking


@dataclass
class RulesConfig:
    clip_ft: float = 10.0
    max_unusable: float = 0.05
    max_shot_clock: float = 24.0
    gap_factor: float = 2.0
    max_masked_players: int = 2


def estimate_rate(game_clock: np.ndarray, timestamp: np.ndarray) -> float:
    """Median frame rate in Hz from timestamps (ms) when present, else the game clock."""
    if timestamp.size > 1 and np.all(timestamp >= 0):
        d = np.diff(timestamp.astype(np.float64)) / 1000.0
    else:
        d = -np.diff(game_clock)
    d = d[(d > 1e-6) & np.isfinite(d)]
    if d.size == 0:
        return 25.0
    return float(round(1.0 / np.median(d), 3))


def apply_rules(arrays: dict, file: str, quality: Quality,
                rate_hz: float | None = None, cfg: RulesConfig | None = None) -> Tracking:
    """Clean raw moment arrays (see engine.schema for names and shapes) into Tracking.

    ``arrays`` holds period, game_clock, shot_clock, timestamp, event_id, entity_id,
    team_id, xyz, valid for moments already in time order. Updates ``quality``.
    """
    cfg = cfg or RulesConfig()
    a = {k: np.asarray(v) for k, v in arrays.items()}
    n = a["game_clock"].shape[0]
    quality.moments_read += n
    if n == 0:
        return Tracking.empty(rate_hz or 25.0)
    shot = a["shot_clock"].astype(np.float64).copy()
    bad_shot = ~np.isfinite(shot) | (shot > cfg.max_shot_clock) | (shot < 0)
    quality.shot_clock_missing += int(bad_shot.sum())
    shot[bad_shot] = np.nan
    xyz, valid = _clip_and_mask(a["xyz"].astype(np.float64, copy=False),
                                a["valid"].astype(bool, copy=False), cfg, quality)
    clocks_ok = np.isfinite(a["game_clock"].astype(np.float64, copy=False))
    masked_players = (~valid[:, 1:]).sum(axis=1)
    usable = clocks_ok & valid[:, 0] & (masked_players <= cfg.max_masked_players)
    n_bad = int((~usable).sum())
    quality.moments_unusable += n_bad
    if n_bad > cfg.max_unusable * n:
        raise HoopsimDataError(file, f"{n} moments",
                               f"{n_bad} moments ({n_bad / n:.1%}) are unusable "
                               f"(non-finite clock, no ball, or >{cfg.max_masked_players} "
                               f"players missing); limit is {cfg.max_unusable:.0%}")
    keep = None if usable.all() else usable  # indexing with a mask copies: skip when clean

    def kept(x, dtype):
        x = x.astype(dtype, copy=False)
        return x if keep is None else x[keep]

    period = kept(a["period"], np.int16)
    clock = kept(a["game_clock"], np.float64)
    stamp = kept(a["timestamp"], np.int64)
    rate = rate_hz or estimate_rate(clock, stamp)
    seg = segment_ids(period, clock, stamp, rate, cfg.gap_factor)
    quality.moments_kept += int(usable.sum())
    quality.segments += int(seg.max() + 1) if seg.size else 0
    return Tracking(
        period=period, game_clock=clock, shot_clock=kept(shot, np.float64), timestamp=stamp,
        event_id=kept(a["event_id"], np.int32), entity_id=kept(a["entity_id"], np.int64),
        team_id=kept(a["team_id"], np.int64), xyz=kept(xyz, np.float64),
        valid=kept(valid, bool), segment=seg, rate_hz=rate,
    )


def _clip_and_mask(xyz: np.ndarray, valid: np.ndarray, cfg: RulesConfig,
                   quality: Quality) -> tuple[np.ndarray, np.ndarray]:
    """xyz (M, E, 3), valid (M, E) -> clipped xyz and updated mask."""
    finite = np.isfinite(xyz).all(axis=-1)
    off = np.where(finite, off_court_distance(np.nan_to_num(xyz)), np.inf)
    clip = valid & finite & (off > 0) & (off <= cfg.clip_ft)
    mask = valid & (off > cfg.clip_ft)
    quality.coords_clipped += int(clip.sum())
    quality.entities_masked += int(mask.sum())
    new_valid = valid & ~mask
    if not clip.any() and new_valid.all():
        return xyz, new_valid  # nothing to change: no copy of the biggest array
    out = xyz.copy()
    out[..., 0] = np.where(clip, np.clip(out[..., 0], 0.0, COURT_LENGTH), out[..., 0])
    out[..., 1] = np.where(clip, np.clip(out[..., 1], 0.0, COURT_WIDTH), out[..., 1])
    out[~new_valid] = 0.0
    return out, new_valid


def segment_ids(period: np.ndarray, clock: np.ndarray, stamp: np.ndarray,
                rate_hz: float, gap_factor: float = 2.0) -> np.ndarray:
    """(M,) period, clock (s left), timestamp (ms or -1) -> (M,) int32 segment ids."""
    if clock.size == 0:
        return np.zeros(0, np.int32)
    max_gap = gap_factor / rate_hz
    dclock = np.diff(clock)  # negative while time runs forward
    backwards = dclock > 1e-6
    if np.all(stamp >= 0):
        gap = np.diff(stamp.astype(np.float64)) / 1000.0 > max_gap + 1e-9
    else:
        gap = -dclock > max_gap + 1e-9
    new = backwards | gap | (np.diff(period) != 0)
    return np.concatenate([[0], np.cumsum(new)]).astype(np.int32)
