"""Movement limits measured from real tracking: speed and acceleration caps.

The batched simulator caps how fast a simulated player may move and speed up; this
module measures those caps from logs instead of guessing them.

Steps. A *step* is one entity's move between two consecutive moments of one segment
(engine.logs.rules: a new segment starts at a period change, a clock stepping back or a
gap), where the entity is valid at both moments. Players are matched across the two
moments by ``entity_id`` (slot order may shift when a player is missing); the ball is
the entity with id ``BALL_ID``. Speeds are horizontal (x, y) in ft/s.

Time step. Timestamps (ms) when both moments have them. Otherwise one frame interval,
``1 / rate_hz``: the 2 Hz extracts keep every 13th 25 Hz moment, so their spacing is
uniform inside a segment even while the game clock is stopped. One exception: where
the game clock advanced by more than ``1.5`` frame intervals a moment was dropped
without starting a new segment (the rules allow gaps up to two intervals); the game
clock never runs faster than real time, so its step is used instead (counted as
``clock_dt_share`` in the report).

Accelerations. The magnitude of the change of the velocity vector between two
consecutive steps of the same entity (three consecutive moments of one segment),
divided by the time between the steps' mid-points, in ft/s^2; it covers cuts and
turns as well as speeding up. At 2 Hz a step averages 0.52 s of motion, so these
accelerations are coarse and far below the true peaks; at 25 Hz they are dominated
by position noise (0.1 ft of jitter is ~60 ft/s^2). The rate they were measured at
travels with the result (``MovementLimits.rate_hz``); never mix rates in one measure.

Glitch filter. A player step faster than ``glitch_ftps`` (default 35 ft/s, above any
human sprint of ~30 ft/s) is an identity swap or a jump in the data: it is dropped,
and so is every acceleration that uses it. A ball step faster than
``ball_glitch_ftps`` (default 80 ft/s, above the fastest passes) is dropped the same
way. Reports give raw and filtered figures side by side.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from importlib import resources

import numpy as np

from engine.court import off_court_distance
from engine.schema import BALL_ID, Tracking

log = logging.getLogger(__name__)

LIMITS_VERSION = 1
DEFAULT_LIMITS = "limits_default.json"
REPORT_PERCENTILES = (50.0, 90.0, 99.0, 99.5, 99.9)
DROPPED_MOMENT_FACTOR = 1.5  # clock step (in frame intervals) that means a dropped moment
RATE_TOLERANCE = 0.05        # relative spread of rate_hz allowed inside one measure


@dataclass
class MovementLimits:
    """Movement caps for the simulator, measured at one frame rate.

    player_speed_ftps   filtered ``percentile`` of player step speed, ft/s
    player_accel_ftps2  filtered ``percentile`` of player acceleration, ft/s^2
                        (coarse at 2 Hz, see the module docstring)
    ball_speed_ftps     filtered ``percentile`` of ball step speed, ft/s
    percentile          the percentile used, e.g. 99.5
    n_steps             player steps left after the glitch filter
    glitch_share        share of player steps dropped as glitches
    rate_hz             frame rate the steps were measured at
    source              free text: which data the figures come from
    """

    player_speed_ftps: float
    player_accel_ftps2: float
    ball_speed_ftps: float
    percentile: float
    n_steps: int
    glitch_share: float
    rate_hz: float
    source: str

    def to_dict(self) -> dict:
        """Plain JSON-ready dict with a ``version`` key."""
        return {"version": LIMITS_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> MovementLimits:
        """Inverse of :meth:`to_dict`; a missing field or another version is an error."""
        version = data.get("version", LIMITS_VERSION)
        if version != LIMITS_VERSION:
            raise ValueError(f"movement limits version {version!r} is not supported "
                             f"(expected {LIMITS_VERSION})")
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"movement limits lack field(s): {', '.join(missing)}")
        kw = {n: data[n] for n in names}
        kw.update(n_steps=int(kw["n_steps"]), source=str(kw["source"]))
        for n in names:
            if n not in ("n_steps", "source"):
                kw[n] = float(kw[n])
        return cls(**kw)


def step_dt(track: Tracking) -> tuple[np.ndarray, np.ndarray]:
    """Seconds between consecutive moments: (M-1,) dt and (M-1,) bool 'from the clock'.

    Timestamps where both moments have one; else one frame interval, or the game clock
    step where it exceeds ``DROPPED_MOMENT_FACTOR`` intervals (a dropped moment).
    """
    frame = 1.0 / track.rate_hz
    stamp = track.timestamp.astype(np.float64)
    has_stamp = (stamp[1:] >= 0) & (stamp[:-1] >= 0)
    clock_step = track.game_clock[:-1] - track.game_clock[1:]
    from_clock = ~has_stamp & (clock_step > DROPPED_MOMENT_FACTOR * frame)
    dt = np.where(has_stamp, (stamp[1:] - stamp[:-1]) / 1000.0,
                  np.where(from_clock, clock_step, frame))
    return dt, from_clock


def _match_next(track: Tracking) -> tuple[np.ndarray, np.ndarray]:
    """For each moment m < M-1 and slot: (M-1, E) slot of the same entity at m+1 and
    (M-1, E) bool whether it is there (valid, known id, same segment and period)."""
    ent, valid = track.entity_id, track.valid
    match = (ent[:-1, :, None] == ent[1:, None, :]) & valid[1:, None, :]   # (M-1, E, E)
    nxt = match.argmax(axis=2)
    same_run = ((track.segment[1:] == track.segment[:-1])
                & (track.period[1:] == track.period[:-1]))
    ok = match.any(axis=2) & valid[:-1] & (ent[:-1] != 0) & same_run[:, None]
    return nxt, ok


def _step_velocity(track: Tracking) -> dict:
    """Velocities of every step: vel (M-1, E, 2) ft/s, ok (M-1, E), nxt (M-1, E),
    dt (M-1,) s, from_clock (M-1,)."""
    dt, from_clock = step_dt(track)
    nxt, ok = _match_next(track)
    ok &= (dt > 0)[:, None]
    xy = track.xyz[..., :2]
    xy_next = np.take_along_axis(xy[1:], nxt[..., None], axis=1)
    safe_dt = np.where(dt > 0, dt, 1.0)
    vel = (xy_next - xy[:-1]) / safe_dt[:, None, None]
    return {"vel": vel, "ok": ok, "nxt": nxt, "dt": dt, "from_clock": from_clock}


def _accelerations(step: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of consecutive steps of one entity -> (A,) |dv|/dt ft/s^2, (A,) speeds of
    the first and (A,) of the second step ft/s, (A,) moment-slot flat index of the first."""
    vel, ok, nxt, dt = step["vel"], step["ok"], step["nxt"], step["dt"]
    if vel.shape[0] < 2:
        empty = np.zeros(0)
        return empty, empty, empty, np.zeros(0, np.int64)
    v1, ok1 = vel[:-1], ok[:-1]                                 # (M-2, E, 2), (M-2, E)
    idx = nxt[:-1]                                              # slot at the middle moment
    v2 = np.take_along_axis(vel[1:], idx[..., None], axis=1)
    ok2 = np.take_along_axis(ok[1:], idx, axis=1)
    both = ok1 & ok2
    mid_dt = 0.5 * (dt[:-1] + dt[1:])                           # (M-2,)
    acc = np.linalg.norm(v2 - v1, axis=-1) / mid_dt[:, None]
    s1, s2 = np.linalg.norm(v1, axis=-1), np.linalg.norm(v2, axis=-1)
    return acc[both], s1[both], s2[both], np.flatnonzero(both)


def speeds(track: Tracking, glitch_ftps: float = 35.0, ball_glitch_ftps: float = 80.0) -> dict:
    """Step speeds and accelerations of one track (see the module docstring).

    Returns a dict of numpy arrays and counts:
        player_speed (S,) ft/s and player_glitch (S,) bool (speed > glitch_ftps)
        player_accel (A,) ft/s^2 and player_accel_glitch (A,) bool (uses a glitch step)
        ball_speed (B,) ft/s and ball_glitch (B,) bool (speed > ball_glitch_ftps)
        n_steps_clock_dt   steps (all entities) timed by the game clock (dropped moment)
        n_moment_pairs     consecutive moment pairs inside one segment
        player_frames, player_off_court   valid player frames, those off the court
        rate_hz            the track's frame rate
    """
    n = len(track)
    is_player = (track.entity_id > 0) & track.valid                # (M, E)
    off_court = is_player & (off_court_distance(track.xyz) > 0)
    out = {"rate_hz": float(track.rate_hz), "player_frames": int(is_player.sum()),
           "player_off_court": int(off_court.sum())}
    if n < 2:
        empty, none = np.zeros(0), np.zeros(0, bool)
        out.update(player_speed=empty, player_glitch=none, player_accel=empty,
                   player_accel_glitch=none, ball_speed=empty, ball_glitch=none,
                   n_steps_clock_dt=0, n_moment_pairs=0)
        return out
    step = _step_velocity(track)
    speed = np.linalg.norm(step["vel"], axis=-1)                   # (M-1, E)
    ok = step["ok"]
    player = ok & (track.entity_id[:-1] > 0)
    ball = ok & (track.entity_id[:-1] == BALL_ID)
    acc, s1, s2, first = _accelerations(step)
    acc_player = (track.entity_id[:-2].ravel()[first] > 0) if first.size else np.zeros(0, bool)
    out.update(
        player_speed=speed[player], player_glitch=speed[player] > glitch_ftps,
        player_accel=acc[acc_player],
        player_accel_glitch=np.maximum(s1, s2)[acc_player] > glitch_ftps,
        ball_speed=speed[ball], ball_glitch=speed[ball] > ball_glitch_ftps,
        n_steps_clock_dt=int((ok & step["from_clock"][:, None]).sum()),
        n_moment_pairs=int((track.segment[1:] == track.segment[:-1]).sum()),
    )
    return out


def percentiles(values: np.ndarray) -> dict[str, float]:
    """(N,) values -> {'p50': .., 'p90': .., 'p99': .., 'p99.5': .., 'p99.9': ..};
    NaN when empty."""
    if values.size == 0:
        return {f"p{p:g}": float("nan") for p in REPORT_PERCENTILES}
    got = np.percentile(values, REPORT_PERCENTILES)
    return {f"p{p:g}": float(v) for p, v in zip(REPORT_PERCENTILES, got)}


def _raw_and_filtered(values: np.ndarray, glitch: np.ndarray) -> dict:
    kept = values[~glitch]
    return {"raw": percentiles(values), "filtered": percentiles(kept),
            "n_raw": int(values.size), "n_filtered": int(kept.size),
            "dropped_share": float(glitch.mean()) if glitch.size else 0.0}


def _concat(parts: list[dict], key: str, dtype: type) -> np.ndarray:
    return np.concatenate([np.asarray(p[key], dtype) for p in parts]) if parts else \
        np.zeros(0, dtype)


def _common_rate(parts: list[dict]) -> float:
    """Median rate of the parts; a spread beyond RATE_TOLERANCE is an error."""
    rates = np.array([p["rate_hz"] for p in parts], np.float64)
    rate = float(np.median(rates))
    if rates.size and (np.abs(rates - rate) > RATE_TOLERANCE * rate).any():
        raise ValueError(f"tracks at different frame rates ({rates.min():g} to "
                         f"{rates.max():g} Hz): measure each rate separately")
    return rate


def summarize(parts: list[dict], percentile: float = 99.5, source: str = "",
              glitch_ftps: float = 35.0, ball_glitch_ftps: float = 80.0
              ) -> tuple[MovementLimits, dict]:
    """Combine :func:`speeds` outputs of several tracks (one rate) into limits + report.

    ``glitch_ftps``/``ball_glitch_ftps`` only label the report: the filter itself was
    applied by :func:`speeds`.
    """
    if not parts:
        raise ValueError("no tracks to measure")
    rate = _common_rate(parts)
    data = {k: _concat(parts, k, np.float64) for k in ("player_speed", "player_accel",
                                                       "ball_speed")}
    flags = {k: _concat(parts, k, bool) for k in ("player_glitch", "player_accel_glitch",
                                                  "ball_glitch")}
    report = {
        "rate_hz": rate, "n_tracks": len(parts), "glitch_ftps": glitch_ftps,
        "ball_glitch_ftps": ball_glitch_ftps,
        "player_speed": _raw_and_filtered(data["player_speed"], flags["player_glitch"]),
        "player_accel": _raw_and_filtered(data["player_accel"], flags["player_accel_glitch"]),
        "ball_speed": _raw_and_filtered(data["ball_speed"], flags["ball_glitch"]),
    }
    n_steps = sum(int(p["player_speed"].size + p["ball_speed"].size) for p in parts)
    frames = sum(p["player_frames"] for p in parts)
    report["glitch_share"] = report["player_speed"]["dropped_share"]
    report["clock_dt_share"] = sum(p["n_steps_clock_dt"] for p in parts) / max(n_steps, 1)
    report["player_off_court_share"] = sum(p["player_off_court"] for p in parts) / max(frames, 1)
    limits = _limits_from(data, flags, percentile, rate, source, report["glitch_share"])
    report["limits"] = limits.to_dict()
    return limits, report


def _limits_from(data: dict, flags: dict, percentile: float, rate: float, source: str,
                 glitch_share: float) -> MovementLimits:
    def pct(key: str, flag: str) -> float:
        kept = data[key][~flags[flag]]
        return float(np.percentile(kept, percentile)) if kept.size else float("nan")

    n_kept = int((~flags["player_glitch"]).sum())
    if n_kept == 0:
        log.warning("no player steps left after the glitch filter (%s)", source or "tracks")
    return MovementLimits(
        player_speed_ftps=pct("player_speed", "player_glitch"),
        player_accel_ftps2=pct("player_accel", "player_accel_glitch"),
        ball_speed_ftps=pct("ball_speed", "ball_glitch"), percentile=float(percentile),
        n_steps=n_kept, glitch_share=float(glitch_share), rate_hz=rate, source=source)


def measure_limits(tracks: list[Tracking], percentile: float = 99.5,
                   glitch_ftps: float = 35.0, ball_glitch_ftps: float = 80.0,
                   source: str = "") -> tuple[MovementLimits, dict]:
    """Movement limits of tracks recorded at one frame rate, and a report.

    The report holds raw and glitch-filtered percentiles (50, 90, 99, 99.5, 99.9) of
    player speed (ft/s), player acceleration (ft/s^2, coarse at 2 Hz) and ball speed,
    the share of player steps dropped as glitches, the share of steps timed by the game
    clock, the share of valid player frames off the court (``off_court_distance > 0``;
    near 0 for loaded games because engine.logs.rules clips coordinates up to 10 ft off the
    court onto it, see ``Quality.coords_clipped``), and the limits themselves.
    Tracks at different rates are an error: measure each rate separately.
    """
    parts = [speeds(t, glitch_ftps, ball_glitch_ftps) for t in tracks]
    limits, report = summarize(parts, percentile, source or f"{len(tracks)} tracks",
                               glitch_ftps, ball_glitch_ftps)
    log.info("movement limits at %.3g Hz: player %.1f ft/s, %.1f ft/s^2, ball %.1f ft/s "
             "(%.2f%% glitch steps)", limits.rate_hz, limits.player_speed_ftps,
             limits.player_accel_ftps2, limits.ball_speed_ftps, 100 * limits.glitch_share)
    return limits, report


def default_limits() -> MovementLimits:
    """The movement limits shipped with the package (engine/data/limits_default.json:
    p99.5 of the glitch-filtered steps of all 458 games of the ~1.92 Hz real tracking,
    see engine/data/README.md)."""
    ref = resources.files("engine").joinpath("data", DEFAULT_LIMITS)
    return MovementLimits.from_dict(json.loads(ref.read_text()))
