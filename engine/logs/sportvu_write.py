"""Writer of raw SportVU game logs in the exact byte format of the public 2015-16 dump.

Format (compact separators, this key order, no trailing newline)::

    {"gameid":"0021500659","gamedate":"2016-01-23","events":[{"eventId":"1",
     "visitor":{"name":..,"teamid":..,"abbreviation":..,"players":[{"lastname":..,
     "firstname":..,"playerid":..,"jersey":..,"position":..},..]},"home":{..},
     "moments":[[period,unix_ms,game_clock,shot_clock_or_null,null,
                 [[team_id,player_id,x,y,z],..]],..]},..]}

Floats are rounded to 5 decimals and written in their shortest round-trip form
(``720.0``, ``46.10801``), so reading a written file gives back the same float64
values and writing what was read gives back the same bytes. Only valid entity slots
are written (a moment with a missing player lists 10 entities).
"""

from __future__ import annotations

import gzip
import logging
import os
from pathlib import Path
from typing import BinaryIO, Iterable

import numpy as np
import orjson

from engine.atomic import atomic_path
from engine.errors import HoopsimDataError
from engine.schema import Game, Team, Tracking

log = logging.getLogger(__name__)

DECIMALS = 5
EventSpec = tuple[int, "slice | np.ndarray"]


def write_sportvu(game: Game, path: str | os.PathLike,
                  events: list[EventSpec] | None = None, *, level: int | None = None) -> Path:
    """Write ``game`` as a raw SportVU log (``.json``, ``.json.gz`` or ``.7z``).

    ``events`` lists ``(event_id, rows)`` where rows is a slice or an index array into
    ``game.tracking``; slices may overlap, as real events do. Without it the grouping
    comes from ``game.sportvu_events`` (their ``moments`` indices when known, else
    consecutive runs of ``n_moments``), else one event per tracking segment.
    ``level`` is the gzip level (default 6) or the 7z LZMA2 preset (default 5).
    The file appears atomically: it is written to a temporary file in the same
    directory and renamed, so an error leaves nothing half-written.
    """
    path = Path(path)
    fmt = _format_of(path)
    if game.home is None or game.visitor is None:
        raise HoopsimDataError(str(path), f"game {game.game_id}",
                               "no home/visitor roster to write")
    tracking = game.tracking if game.tracking is not None else Tracking.empty()
    groups = event_groups(game, events, str(path))
    with atomic_path(path) as tmp:
        if fmt == "7z":
            _write_7z(tmp, game, tracking, groups, 5 if level is None else level)
        else:
            with open(tmp, "wb") as raw:
                if fmt == "json":
                    _write_json(raw, game, tracking, groups)
                else:
                    # mtime=0 and no stored name: the same game gives the same bytes
                    with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0,
                                       compresslevel=6 if level is None else level) as gz:
                        _write_json(gz, game, tracking, groups)
    log.info("wrote %s: %d events, %d moments", path, len(groups), len(tracking))
    return path


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for fmt in ("json.gz", "json", "7z"):
        if name.endswith("." + fmt):
            return fmt
    raise HoopsimDataError(str(path), "file name", "expected a .json, .json.gz or .7z suffix")


def event_groups(game: Game, events: list[EventSpec] | None,
                 file: str = "<game>") -> list[tuple[int, np.ndarray]]:
    """Resolve how tracking rows are grouped into events: [(event_id, (n,) int64 rows)]."""
    n = len(game.tracking) if game.tracking is not None else 0
    if events is not None:
        specs = [(int(eid), _as_rows(sel, n, file, eid)) for eid, sel in events]
    elif game.sportvu_events and all(e.moments is not None for e in game.sportvu_events):
        specs = [(e.event_id, _as_rows(e.moments, n, file, e.event_id))
                 for e in game.sportvu_events]
    elif game.sportvu_events:
        counts = [e.n_moments for e in game.sportvu_events]
        if sum(counts) != n:
            raise HoopsimDataError(file, f"game {game.game_id}",
                                   f"events list {sum(counts)} moments but tracking has {n}; "
                                   "pass events= to say how moments are grouped")
        bounds = np.concatenate([[0], np.cumsum(counts)])
        specs = [(e.event_id, np.arange(bounds[k], bounds[k + 1]))
                 for k, e in enumerate(game.sportvu_events)]
    else:
        seg = game.tracking.segment if n else np.zeros(0, np.int32)
        specs = [(k + 1, np.flatnonzero(seg == s)) for k, s in enumerate(np.unique(seg))]
    return specs


def _as_rows(sel: slice | np.ndarray, n: int, file: str, event_id: object) -> np.ndarray:
    """A slice or index array -> (k,) int64 row indices, checked against n rows."""
    if isinstance(sel, slice):
        return np.arange(n, dtype=np.int64)[sel]
    rows = np.asarray(sel, dtype=np.int64).reshape(-1)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise HoopsimDataError(file, f"event {event_id}", f"row index outside 0..{n - 1}")
    return rows


def _write_json(out: BinaryIO, game: Game, tracking: Tracking,
                groups: Iterable[tuple[int, np.ndarray]]) -> None:
    """Stream the document, one event at a time (memory ~ one event)."""
    out.write(b'{"gameid":' + orjson.dumps(str(game.game_id))
              + b',"gamedate":' + orjson.dumps(str(game.game_date)) + b',"events":[')
    teams = (b'"visitor":' + orjson.dumps(_team_dict(game.visitor))
             + b',"home":' + orjson.dumps(_team_dict(game.home)))
    for k, (event_id, rows) in enumerate(groups):
        out.write((b',{"eventId":' if k else b'{"eventId":') + orjson.dumps(str(event_id))
                  + b"," + teams + b',"moments":')
        out.write(moments_json(tracking, rows))
        out.write(b"}")
    out.write(b"]}")


def _team_dict(team: Team) -> dict:
    """Team -> the raw header dict, keys in the dump's order."""
    return {"name": team.name, "teamid": int(team.team_id), "abbreviation": team.abbreviation,
            "players": [{"lastname": p.last_name, "firstname": p.first_name,
                         "playerid": int(p.player_id), "jersey": p.jersey,
                         "position": p.position} for p in team.players]}


def moments_json(tracking: Tracking, rows: np.ndarray) -> bytes:
    """The JSON array of moments ``rows`` (k,) of ``tracking`` in raw SportVU form.

    Only valid entity slots are written; NaN clocks are written as null.
    """
    if rows.size == 0:
        return b"[]"
    valid = tracking.valid[rows]
    counts = valid.sum(axis=1)
    xyz = np.round(tracking.xyz[rows][valid], DECIMALS)  # (sum(counts), 3)
    ents = list(zip(tracking.team_id[rows][valid].tolist(),
                    tracking.entity_id[rows][valid].tolist(),
                    xyz[:, 0].tolist(), xyz[:, 1].tolist(), xyz[:, 2].tolist()))
    ends = np.cumsum(counts).tolist()
    starts = [0] + ends[:-1]
    moments = [[p, t, g, s, None, ents[a:b]] for p, t, g, s, a, b in zip(
        tracking.period[rows].tolist(), tracking.timestamp[rows].tolist(),
        _rounded(tracking.game_clock[rows]), _rounded(tracking.shot_clock[rows]), starts, ends)]
    return orjson.dumps(moments)


def _rounded(values: np.ndarray) -> list:
    """(k,) float seconds -> list of 5-decimal floats, None where NaN."""
    out = np.round(values.astype(np.float64), DECIMALS)
    return [None if v != v else v for v in out.tolist()]


def _write_7z(target: Path, game: Game, tracking: Tracking,
              groups: list[tuple[int, np.ndarray]], preset: int) -> None:
    """Write the JSON to a sibling temporary file, then archive it into ``target``
    with plain LZMA2 (py7zr's default adds a BCJ filter meant for executables)."""
    import py7zr  # imported lazily: only .7z needs it

    tmp_json = target.with_name(target.name + ".json")  # target is already a temporary name
    try:
        with open(tmp_json, "wb") as raw:
            _write_json(raw, game, tracking, groups)
        filters = [{"id": py7zr.FILTER_LZMA2, "preset": preset}]
        with py7zr.SevenZipFile(target, "w", filters=filters) as archive:
            archive.set_encoded_header_mode(False)  # a plain header: cheap to open
            archive.write(tmp_json, arcname=f"{game.game_id}.json")
    finally:
        Path(tmp_json).unlink(missing_ok=True)
