"""Tidy long-format tracking CSV: one row per entity per moment.

The column names are configurable (:class:`TidyColumns`); the defaults match the
public 2 Hz SportVU extracts (``../shared/data/tracking_2hz``), whose rows also carry
merged play-by-play columns we ignore here.

How rows become moments: a new moment starts at every ball row (player id -1) and
wherever the moment key (frame column if configured, else period, game clock, shot
clock, event id) changes. Within a moment the ball takes slot 0 and players fill
slots 1..10 in file order. A moment that repeats the previous one exactly is a
duplicate and dropped (counted).

Period: taken from the period column, which the public extracts merged in from
play-by-play; a change of period is believed only where the game clock restarts
(see ``_fill_periods``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import HoopsimDataError
from engine.logs.csv_common import game_id_from, numeric_column, read_csv_safely
from engine.logs.rules import RulesConfig, apply_rules
from engine.schema import N_ENTITIES, Game, Player, Provenance, Team


@dataclass
class TidyColumns:
    """Source column for each field; None where the file has no such column."""

    player_id: str = "player_id"
    team_id: str = "team_id"
    x: str = "x_loc"
    y: str = "y_loc"
    z: str | None = "radius"
    game_clock: str = "game_clock"
    shot_clock: str | None = "shot_clock"
    period: str | None = "PERIOD"
    event_id: str | None = "event_id"
    game_id: str | None = "GAME_ID"
    home_team: str | None = "home"
    visitor_team: str | None = "visitor"
    timestamp: str | None = None
    frame: str | None = None
    ball_id: int = -1


def read_tidy_csv(path: str | Path, columns: TidyColumns | None = None,
                  limit: int | None = None, min_rise_s: float = 60.0,
                  rules: RulesConfig | None = None) -> Game:
    """Read one game's tidy tracking CSV (.csv or .csv.gz) into a Game.

    ``limit``: read at most this many rows (for quick looks and tests).
    """
    cols = columns or TidyColumns()
    path = str(path)
    wanted = [c for c in vars(cols).values() if isinstance(c, str)]
    df = read_csv_safely(path, usecols=wanted, nrows=limit)
    if df.empty:
        raise HoopsimDataError(path, "file", "no rows")
    raw = {f: numeric_column(df, c, path, required=f in ("player_id", "game_clock"))
           for f, c in vars(cols).items() if isinstance(c, str)}
    game = Game(game_id=game_id_from(path, raw.get("game_id")),
                provenance=Provenance(files=[path], format="tidy-csv"))
    start = _moment_starts(raw, cols)
    moment = np.cumsum(start) - 1
    arrays = _to_moment_arrays(raw, moment, cols, path)
    arrays = _drop_duplicates(arrays, game)
    arrays = _fill_periods(arrays, game, min_rise_s)
    game.quality.entities_missing += int((~arrays["valid"]).sum())
    game.tracking = apply_rules(arrays, path, game.quality, cfg=rules)
    game.home, game.visitor = _teams(raw, arrays)
    return game


def _moment_starts(raw: dict, cols: TidyColumns) -> np.ndarray:
    """(R,) rows -> (R,) bool, True where a new moment begins."""
    n = raw["player_id"].shape[0]
    start = np.zeros(n, bool)
    start[0] = True
    keys = ["frame"] if "frame" in raw else ["period", "game_clock", "shot_clock", "event_id"]
    for k in keys:
        if k in raw:
            v = raw[k]
            same = (v[1:] == v[:-1]) | (np.isnan(v[1:]) & np.isnan(v[:-1]))
            if k == "period":  # an empty period cell is a merge gap, not a new moment
                same |= np.isnan(v[1:]) | np.isnan(v[:-1])
            start[1:] |= ~same
    if "frame" not in raw:
        start |= raw["player_id"] == cols.ball_id
    return start


def _to_moment_arrays(raw: dict, moment: np.ndarray, cols: TidyColumns, path: str) -> dict:
    """Scatter rows into (M, 11) slot arrays; the ball goes to slot 0."""
    n_m = int(moment[-1]) + 1
    is_ball = raw["player_id"] == cols.ball_id
    rank = _rank_within(moment, ~is_ball)
    slot = np.where(is_ball, 0, rank + 1)
    over = slot >= N_ENTITIES
    if over.any():
        row = int(np.flatnonzero(over)[0])
        raise HoopsimDataError(path, f"row {row + 2}", "more than 10 players in one moment")
    first = np.r_[0, np.flatnonzero(np.diff(moment)) + 1]
    e = N_ENTITIES
    xyz = np.zeros((n_m, e, 3))
    xyz[moment, slot, 0] = raw["x"]
    xyz[moment, slot, 1] = raw["y"]
    xyz[moment, slot, 2] = np.where(is_ball, raw["z"], 0.0) if "z" in raw else 0.0
    valid = np.zeros((n_m, e), bool)
    valid[moment, slot] = True
    entity = np.zeros((n_m, e), np.int64)
    entity[moment, slot] = np.nan_to_num(raw["player_id"]).astype(np.int64)
    team = np.zeros((n_m, e), np.int64)
    team[moment, slot] = np.where(is_ball, -1, np.nan_to_num(raw["team_id"])).astype(np.int64)

    def per_moment(k, default):
        return raw[k][first] if k in raw else np.full(n_m, default, np.float64)

    return dict(
        period=per_moment("period", np.nan), game_clock=per_moment("game_clock", np.nan),
        shot_clock=per_moment("shot_clock", np.nan),
        timestamp=np.nan_to_num(per_moment("timestamp", -1), nan=-1).astype(np.int64),
        event_id=np.nan_to_num(per_moment("event_id", -1), nan=-1).astype(np.int32),
        entity_id=entity, team_id=team, xyz=xyz, valid=valid,
    )


def _rank_within(group: np.ndarray, member: np.ndarray) -> np.ndarray:
    """(R,) sorted group ids, (R,) bool -> (R,) 0-based rank of members inside their group."""
    c = np.cumsum(member)
    first = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    before = (c - member)[first]  # members before each group's first row
    return c - member - before[group]


def _drop_duplicates(a: dict, game: Game) -> dict:
    """Drop moments identical to the previous one (clocks and every coordinate)."""
    if a["game_clock"].shape[0] < 2:
        return a
    same = (np.isclose(a["game_clock"][1:], a["game_clock"][:-1], equal_nan=True)
            & np.isclose(a["shot_clock"][1:], a["shot_clock"][:-1], equal_nan=True)
            & (a["xyz"][1:] == a["xyz"][:-1]).all(axis=(1, 2)))
    keep = np.r_[True, ~same]
    game.quality.duplicate_moments += int((~keep).sum())
    return {k: v[keep] for k, v in a.items()}


def _fill_periods(a: dict, game: Game, min_rise_s: float) -> dict:
    """Fill empty period labels, then keep only period changes the clock confirms.

    The period column of the 2 Hz extracts comes from merged play-by-play rows, so it
    is a label, not a measurement: empty cells inherit the label of their SportVU event
    elsewhere in the file, else of the neighbouring moments; and a label change is
    accepted only where the game clock jumps back up (a new period starts with a full
    clock). Elsewhere the previous period continues, and the relabelled moments are
    counted in ``quality.rows_other_period`` (one game's last 200 s of period 1 carry
    period-2 event ids; others end period 1 with a moment tagged with a later event).
    """
    period = pd.Series(a["period"])
    by_event = period.groupby(a["event_id"]).transform("first")  # first non-empty value
    label = period.fillna(by_event).ffill().bfill().fillna(1.0).to_numpy().astype(np.int16)
    clock = a["game_clock"]
    change = np.r_[False, label[1:] != label[:-1]]
    rise = np.r_[False, clock[1:] > clock[:-1] + min_rise_s]
    start = np.r_[True, (change & rise)[1:]]
    fixed = label[np.maximum.accumulate(np.where(start, np.arange(label.size), 0))]
    moved = int((fixed != label).sum())
    if moved:
        game.quality.rows_other_period += moved
        game.provenance.notes.append(
            f"{moved} moments kept in their period: the period label changed "
            f"without the game clock restarting")
    out = dict(a)
    out["period"] = fixed
    return out


def _teams(raw: dict, a: dict) -> tuple[Team | None, Team | None]:
    """Home and visitor teams with the players seen in the tracking."""
    result = []
    for side in ("home_team", "visitor_team"):
        if side not in raw or not np.isfinite(raw[side]).any():
            result.append(None)
            continue
        tid = int(np.nanmedian(raw[side]))
        ids = np.unique(a["entity_id"][a["team_id"] == tid])
        result.append(Team(team_id=tid, players=[Player(int(i)) for i in ids]))
    return result[0], result[1]


def write_tidy_csv(game: Game, path: str | Path, columns: TidyColumns | None = None) -> Path:
    """Write a game's tracking as a tidy CSV with the given column names (atomic).

    One row per valid entity per moment, ball first; the period, event id, clocks and
    team ids are repeated on every row as in the real extracts.
    """
    import io

    from engine.atomic import write_bytes_atomic

    cols = columns or TidyColumns()
    t = game.tracking
    m_idx, slot = np.nonzero(t.valid)
    fields = {
        "game_id": np.full(m_idx.size, int(game.game_id)), "period": t.period[m_idx],
        "event_id": t.event_id[m_idx], "game_clock": t.game_clock[m_idx],
        "shot_clock": t.shot_clock[m_idx], "player_id": t.entity_id[m_idx, slot],
        "team_id": t.team_id[m_idx, slot], "x": t.xyz[m_idx, slot, 0],
        "y": t.xyz[m_idx, slot, 1], "z": t.xyz[m_idx, slot, 2],
        "timestamp": t.timestamp[m_idx],
        "home_team": np.full(m_idx.size, game.home.team_id if game.home else 0),
        "visitor_team": np.full(m_idx.size, game.visitor.team_id if game.visitor else 0),
    }
    df = pd.DataFrame({getattr(cols, k): v for k, v in fields.items()
                       if isinstance(getattr(cols, k, None), str)})
    buf = io.BytesIO()
    compression = "gzip" if str(path).endswith(".gz") else None
    df.to_csv(buf, index=False, compression=compression)
    return write_bytes_atomic(path, buf.getvalue())
