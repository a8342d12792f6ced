"""IterAlign-style rules for generated plays: a catalogue of rule detectors over
trajectories, the discovery step (keep a rule only when generated plays break it more
often than real possessions do) and the correction step (reject candidates that break a
kept rule).

IterAlign has a strong LM propose the rules from the model's red-teamed outputs; the
local LM here (SmolLM2-135M) cannot write a usable rule (it could not even write a
valid JSON rubric: 0 of 10), so the catalogue is written by hand and the data decides
which rules are kept. Correction is by rejection: among a start's candidates, those that
break more kept rules than the cleanest candidate are dropped before the planner picks.

Trajectories are (n, h, 11, 3) feet, canonical orientation (offense attacks the right
hoop at x = 88.75; entity 0 the ball, 1-5 the offense, 6-10 the defense). Every
detector returns (n,) booleans: the play breaks the rule at least once.

- ``out_of_bounds``: a player more than ``margin_ft`` outside the court lines;
- ``impossible_speed``: a player moving faster than ``max_speed_ftps`` between two
  frames (the fastest real sprints are about 30 ft/s);
- ``three_seconds``: an attacker inside the lane (16 ft x 19 ft in front of the right
  hoop) for more than 3 s in a row (the offensive three-second rule; the count is not
  reset by shots here, a proxy);
- ``moving_screen``: an illegal-screen proxy: an attacker without the ball within
  ``screen_ft`` of a defender who guards the ball handler's area, while moving faster
  than ``screen_speed_ftps`` (a screener must be set);
- ``backcourt``: the ball returns behind half court after it was held in the front
  court by the offense.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.court import COURT_LENGTH, COURT_WIDTH, HOOP_Y, PAINT_LENGTH, PAINT_WIDTH


@dataclass(frozen=True)
class RuleConfig:
    margin_ft: float = 2.0
    max_speed_ftps: float = 30.0
    lane_seconds: float = 3.0
    screen_ft: float = 3.5
    screen_speed_ftps: float = 7.0
    screen_handler_ft: float = 12.0
    catch_ft: float = 3.5
    hold_max_z_ft: float = 9.0
    half_court_margin_ft: float = 1.0


def out_of_bounds(pos: np.ndarray, rate_hz: float, cfg: RuleConfig) -> np.ndarray:
    xy = pos[:, :, 1:, :2]
    m = cfg.margin_ft
    out = (xy[..., 0] < -m) | (xy[..., 0] > COURT_LENGTH + m) | (xy[..., 1] < -m) | (xy[..., 1] > COURT_WIDTH + m)
    return out.any(axis=(1, 2))


def impossible_speed(pos: np.ndarray, rate_hz: float, cfg: RuleConfig) -> np.ndarray:
    step = np.linalg.norm(np.diff(pos[:, :, 1:, :2], axis=1), axis=-1) * rate_hz
    return (step > cfg.max_speed_ftps).any(axis=(1, 2))


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """mask (n, h, k) -> (n, k) longest run of consecutive True along h."""
    run = np.zeros(mask.shape[:1] + mask.shape[2:], np.int64)
    best = run.copy()
    for t in range(mask.shape[1]):
        run = np.where(mask[:, t], run + 1, 0)
        best = np.maximum(best, run)
    return best


def three_seconds(pos: np.ndarray, rate_hz: float, cfg: RuleConfig) -> np.ndarray:
    xy = pos[:, :, 1:6, :2]
    lane = (xy[..., 0] > COURT_LENGTH - PAINT_LENGTH) & (np.abs(xy[..., 1] - HOOP_Y) < PAINT_WIDTH / 2)
    frames = _longest_run(lane)                      # consecutive frames inside
    return ((frames - 1) / rate_hz > cfg.lane_seconds).any(axis=1)


def _holder(pos: np.ndarray, cfg: RuleConfig) -> np.ndarray:
    """(n, h) offense slot 1..5 holding the ball, -1 when none."""
    d = np.linalg.norm(pos[:, :, 1:6, :2] - pos[:, :, :1, :2], axis=-1)       # (n, h, 5)
    near = d.argmin(axis=-1)
    held = (np.take_along_axis(d, near[..., None], -1)[..., 0] <= cfg.catch_ft) & (pos[:, :, 0, 2] <= cfg.hold_max_z_ft)
    return np.where(held, near + 1, -1)


def moving_screen(pos: np.ndarray, rate_hz: float, cfg: RuleConfig) -> np.ndarray:
    n, h = pos.shape[:2]
    holder = _holder(pos, cfg)
    xy = pos[..., :2]
    speed = np.zeros((n, h, 11))
    speed[:, 1:] = np.linalg.norm(np.diff(xy, axis=1), axis=-1) * rate_hz
    ball = xy[:, :, 0]
    defenders = xy[:, :, 6:11]                                                   # (n, h, 5, 2)
    near_ball = np.linalg.norm(defenders - ball[:, :, None], axis=-1) <= cfg.screen_handler_ft
    hit = np.zeros((n, h), bool)
    for k in range(1, 6):
        d = np.linalg.norm(defenders - xy[:, :, k, None], axis=-1)               # (n, h, 5)
        contact = ((d <= cfg.screen_ft) & near_ball).any(axis=-1)
        hit |= contact & (holder != k) & (holder > 0) & (speed[:, :, k] > cfg.screen_speed_ftps)
    return hit.any(axis=1)


def backcourt(pos: np.ndarray, rate_hz: float, cfg: RuleConfig) -> np.ndarray:
    half = COURT_LENGTH / 2
    front_held = (_holder(pos, cfg) > 0) & (pos[:, :, 0, 0] > half + cfg.half_court_margin_ft)
    seen = np.maximum.accumulate(front_held, axis=1)
    back = pos[:, :, 0, 0] < half - cfg.half_court_margin_ft
    return (back & np.concatenate([np.zeros_like(seen[:, :1]), seen[:, :-1]], axis=1)).any(axis=1)


RULES = {"out_of_bounds": out_of_bounds, "impossible_speed": impossible_speed, "three_seconds": three_seconds,
         "moving_screen": moving_screen, "backcourt": backcourt}


def violations(pos: np.ndarray, rate_hz: float, cfg: RuleConfig | None = None) -> dict[str, np.ndarray]:
    """{rule: (n,) bool} for trajectories pos (n, h, 11, 3)."""
    cfg = cfg or RuleConfig()
    pos = np.asarray(pos, np.float64)
    return {name: fn(pos, rate_hz, cfg) for name, fn in RULES.items()}


def discover(generated: dict[str, np.ndarray], real: dict[str, np.ndarray], z: float = 1.96) -> dict[str, dict]:
    """Keep a rule when generated plays break it more often than real ones, by a
    one-sided two-proportion z test at ``z`` -> {rule: {generated, real, z, kept}}."""
    out = {}
    for name in generated:
        g, r = np.asarray(generated[name], bool), np.asarray(real[name], bool)
        pg, pr = g.mean(), r.mean()
        pool = (g.sum() + r.sum()) / (g.size + r.size)
        se = np.sqrt(pool * (1 - pool) * (1 / g.size + 1 / r.size))
        score = float((pg - pr) / se) if se > 0 else (float("inf") if pg > pr else 0.0)
        out[name] = {"generated": float(pg), "real": float(pr), "z": score, "kept": bool(score > z)}
    return out


def broken(flags: dict[str, np.ndarray], kept: list[str], shape: tuple[int, int]) -> np.ndarray:
    """(g, k) number of kept rules each candidate breaks (flags flat over g * k)."""
    count = np.zeros(shape[0] * shape[1], np.int64)
    for name in kept:
        count += np.asarray(flags[name], bool)
    return count.reshape(shape)


def reject(counts: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """(g, k) bool rejected: among each start's allowed candidates, those that break more
    kept rules than the cleanest one (so a start always keeps a candidate; when every
    candidate breaks a rule, the ones breaking the fewest survive)."""
    masked = np.where(allowed, counts, np.iinfo(np.int64).max)
    best = masked.min(axis=1, keepdims=True)
    return allowed & (counts > best)
