"""A synthetic, full-size raw SportVU game built in memory (vectorised numpy).

It exists so that the raw reader and writer can be tested and benchmarked at real
scale without shipping real data. The game is plausible rather than realistic:

- two 13-player rosters; five players per team on court, picked per period;
- players follow smooth sums of sinusoids that stay on court with bounded speed
  (at most ``37 * 0.35 ~ 13`` ft/s in x and ``20 * 0.35 = 7`` ft/s in y);
- the ball follows a ball handler from the team in possession (a 0.48 s moving
  average turns handler changes into pass-like flights) and bounces while dribbled;
- the game clock counts down from ``seconds_per_period`` and stops now and then
  (dead balls) while the timestamps keep running at ``rate_hz``;
- the shot clock counts down from 24, resets at each possession, stops with the game
  clock, and is missing (NaN, written as null) when it is switched off at the end of a
  period and for a few possessions;
- moments are grouped into SportVU events of a few hundred moments that overlap in
  time like the real logs: each event runs 2-20 s into the next one.

Each moment's ``event_id`` is the first event (in file order) that lists it, which is
what the reader reports after de-duplicating the overlapping events.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from engine.logs.rules import apply_rules
from engine.schema import (
    BALL_ID,
    N_ENTITIES,
    Game,
    Player,
    Provenance,
    Quality,
    SportVUEvent,
    Team,
)

BASE_UNIX_MS = 1453597000000  # 2016-01-24 00:56 UTC: a plausible 2015-16 tip-off
PERIOD_BREAK_MS = 130_000  # wall time between periods
EVENT_SECONDS = 7.0  # mean wall-time span an event owns (before its overlap)
OVERLAP_SECONDS = (2.0, 20.0)  # how far each event runs into the next
POSITIONS = ("G", "G", "F", "F", "C", "G-F", "F-C", "C-F", "G", "F", "F", "G", "C")


def synthetic_raw_game(game_id: str, n_periods: int = 4, seconds_per_period: float = 720,
                       rate_hz: float = 25.0, seed: int = 0) -> Game:
    """Build a plausible raw SportVU game in memory.

    Returns a Game whose tracking has passed the shared data rules (nothing is
    dropped: the data is clean), with rosters, ``sportvu_events`` whose ``moments``
    index the tracking rows of each (overlapping) event, and provenance
    ``format="synthetic"``. A 4 x 720 s game at 25 Hz has ~79k unique moments and
    ~200k moments in its ~460 events (~100 MB once written as raw JSON).
    """
    rng = np.random.default_rng(seed)
    visitor, home = _rosters(rng)
    parts, spans, start_ms, offset = [], [], BASE_UNIX_MS, 0
    for period in range(1, n_periods + 1):
        arrays = _period_arrays(rng, period, seconds_per_period, rate_hz, start_ms,
                                visitor, home)
        n = arrays["game_clock"].shape[0]
        spans += [(offset + s, offset + e) for s, e in _event_spans(rng, n, rate_hz)]
        parts.append(arrays)
        offset += n
        start_ms = int(arrays["timestamp"][-1]) + PERIOD_BREAK_MS
    arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    event_ids = np.cumsum(1 + (rng.random(len(spans)) < 0.1)).astype(np.int64)
    arrays["event_id"] = _first_event(spans, event_ids, offset)
    quality = Quality()
    tracking = apply_rules(arrays, f"synthetic:{game_id}", quality, rate_hz=None)
    if len(tracking) != offset:  # the event spans below index every frame
        raise RuntimeError("synthetic frames were dropped by the data rules")
    events = [SportVUEvent(int(eid), e - s, np.arange(s, e, dtype=np.int64))
              for eid, (s, e) in zip(event_ids, spans)]
    date = datetime.fromtimestamp(BASE_UNIX_MS / 1000, timezone.utc).date().isoformat()
    return Game(game_id=game_id, game_date=date, home=home, visitor=visitor,
                tracking=tracking, sportvu_events=events, quality=quality,
                provenance=Provenance(files=[], format="synthetic",
                                      notes=[f"synthetic_raw_game(seed={seed})"]))


def _rosters(rng: np.random.Generator) -> tuple[Team, Team]:
    """Visitor and home 13-player rosters: distinct player ids, string jerseys."""
    ids = rng.choice(np.arange(200000, 1630000), size=26, replace=False).reshape(2, 13)
    teams = []
    for k, (name, abbr) in enumerate((("Synthetic Visitors", "SYV"), ("Synthetic Hosts", "SYH"))):
        jerseys = np.sort(rng.choice(56, size=13, replace=False))
        players = [Player(int(pid), f"First{i}", f"{abbr.title()}{i}", str(j), POSITIONS[i])
                   for i, (pid, j) in enumerate(zip(ids[k], jerseys))]
        teams.append(Team(1610612737 + 2 * k + int(rng.integers(0, 2)), name, abbr, players))
    return teams[0], teams[1]


def _period_arrays(rng: np.random.Generator, period: int, seconds: float, rate_hz: float,
                   start_ms: int, visitor: Team, home: Team) -> dict[str, np.ndarray]:
    """Raw moment arrays (engine.schema names, M wall-clock frames) of one period."""
    n_run = int(round(seconds * rate_hz)) + 1
    reps = np.ones(n_run, np.int64)  # how many frames each running tick lasts
    stops = rng.choice(n_run, size=max(1, int(seconds / 40)), replace=False)
    reps[stops] += rng.integers(int(1 * rate_hz), int(8 * rate_hz), size=stops.size)
    tick = np.repeat(np.arange(n_run), reps)  # running tick of each wall frame
    n = tick.size
    clock_run = np.round(seconds - np.arange(n_run) / rate_hz, 2).clip(0.0)
    poss = _possession_ids(rng, n_run, rate_hz)
    shot = _shot_clock(rng, poss, clock_run, rate_hz)[tick]
    t = np.arange(n) / rate_hz  # wall seconds since the period started
    ids, teams = _on_court(rng, visitor, home)
    players = _player_paths(rng, t)  # (M, 10, 2)
    ball = _ball_path(rng, players, poss[tick] % 2, t, rate_hz)  # (M, 3)
    xyz = np.zeros((n, N_ENTITIES, 3))
    xyz[:, 0] = ball
    xyz[:, 1:, :2] = players
    return {
        "period": np.full(n, period, np.int16),
        "game_clock": clock_run[tick],
        "shot_clock": shot,
        "timestamp": start_ms + np.round(np.arange(n) * 1000.0 / rate_hz).astype(np.int64),
        "entity_id": np.broadcast_to(ids, (n, N_ENTITIES)).copy(),
        "team_id": np.broadcast_to(teams, (n, N_ENTITIES)).copy(),
        "xyz": np.round(xyz, 5),
        "valid": np.ones((n, N_ENTITIES), bool),
    }


def _possession_ids(rng: np.random.Generator, n_run: int, rate_hz: float) -> np.ndarray:
    """(n_run,) possession counter per running tick; possessions last 6-24 s."""
    lengths = rng.integers(int(6 * rate_hz), int(24 * rate_hz), size=n_run // int(6 * rate_hz) + 2)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    return np.searchsorted(starts, np.arange(n_run), side="right") - 1


def _shot_clock(rng: np.random.Generator, poss: np.ndarray, clock_run: np.ndarray,
                rate_hz: float) -> np.ndarray:
    """(n_run,) shot clock in seconds per running tick, NaN where switched off/missing."""
    ticks = np.arange(poss.size)
    first = np.searchsorted(poss, poss)  # first tick of each tick's possession
    shot = np.round(24.0 - (ticks - first) / rate_hz, 2)
    dropout = rng.random(poss.max() + 1) < 0.03  # a few possessions without a shot clock
    off = (shot > clock_run) | dropout[poss]  # switched off when the game clock is shorter
    return np.where(off, np.nan, shot)


def _on_court(rng: np.random.Generator, visitor: Team,
              home: Team) -> tuple[np.ndarray, np.ndarray]:
    """(11,) player ids and team ids: ball, five visitors, five home players."""
    ids, teams = [BALL_ID], [BALL_ID]
    for team in (visitor, home):
        for i in rng.choice(len(team.players), size=5, replace=False):
            ids.append(team.players[i].player_id)
            teams.append(team.team_id)
    return np.array(ids, np.int64), np.array(teams, np.int64)


def _player_paths(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """(M,) seconds -> (M, 10, 2) feet: two sinusoids per axis, on court, smooth."""
    w = rng.uniform(0.05, 0.35, size=(2, 10, 2))  # rad/s: bounds the speed
    phase = rng.uniform(0, 2 * np.pi, size=(2, 10, 2))
    a = rng.uniform(0.3, 0.7, size=(10, 2))
    wave = a * np.sin(w[0] * t[:, None, None] + phase[0]) \
        + (1 - a) * np.sin(w[1] * t[:, None, None] + phase[1])  # in [-1, 1]
    return np.stack([47.0 + 37.0 * wave[..., 0], 25.0 + 20.0 * wave[..., 1]], axis=-1)


def _ball_path(rng: np.random.Generator, players: np.ndarray, offense: np.ndarray,
               t: np.ndarray, rate_hz: float) -> np.ndarray:
    """Ball (M, 3) feet: follows a handler of the offense (0 visitor, 1 home)."""
    n = t.size
    touch_len = rng.integers(int(1 * rate_hz), int(4 * rate_hz), size=n // int(rate_hz) + 2)
    touch = np.searchsorted(np.cumsum(touch_len), np.arange(n), side="right")
    pick = rng.integers(0, 5, size=touch.max() + 1)[touch]
    handler = offense * 5 + pick  # player column 0-9
    xy = players[np.arange(n), handler]
    width = max(1, int(round(0.48 * rate_hz)))  # moving average: handler changes -> passes
    padded = np.concatenate([np.repeat(xy[:1], width - 1, axis=0), xy])
    csum = np.concatenate([np.zeros((1, 2)), np.cumsum(padded, axis=0)])
    smooth = (csum[width:] - csum[:-width]) / width
    z = 1.0 + 2.5 * np.abs(np.sin(np.pi * 1.8 * t))  # dribble height
    return np.column_stack([smooth + 0.8, z])


def _event_spans(rng: np.random.Generator, n: int, rate_hz: float) -> list[tuple[int, int]]:
    """[start, end) frame spans of one period's events; each overlaps into the next."""
    n_events = max(1, int(round(n / (EVENT_SECONDS * rate_hz))))
    starts = np.unique(np.concatenate([[0], rng.integers(1, max(n, 2), size=n_events - 1)]))
    nxt = np.append(starts[1:], n)
    overlap = (rng.uniform(*OVERLAP_SECONDS, size=starts.size) * rate_hz).astype(np.int64)
    ends = np.minimum(nxt + overlap, n)
    return list(zip(starts.tolist(), ends.tolist()))


def _first_event(spans: list[tuple[int, int]], event_ids: np.ndarray, n: int) -> np.ndarray:
    """(M,) int32 id of the first event (file order) that lists each moment."""
    out = np.full(n, -1, np.int32)
    for (s, e), eid in reversed(list(zip(spans, event_ids))):
        out[s:e] = eid  # earlier events overwrite later ones: first occurrence wins
    return out
