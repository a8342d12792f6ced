"""Shared helpers of the raw SportVU tests: tiny raw documents in the real format."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import numpy as np
import orjson
from hypothesis import HealthCheck, settings

from engine.errors import HoopsimDataError
from engine.logs.sportvu import read_sportvu
from engine.schema import ARRAY_FIELDS, Game

FORMATS = ("json", "json.gz", "7z")
REAL_7Z = Path("sportvu") / "01.23.2016.CHI.at.CLE.7z"
VISITOR = {"name": "Chicago Bulls", "teamid": 1610612741, "abbreviation": "CHI",
           "players": [{"lastname": f"V{i}", "firstname": "A", "playerid": 100 + i,
                        "jersey": str(i), "position": "G"} for i in range(13)]}
HOME = {"name": "Cleveland Cavaliers", "teamid": 1610612739, "abbreviation": "CLE",
        "players": [{"lastname": f"H{i}", "firstname": "B", "playerid": 200 + i,
                     "jersey": str(i), "position": "F"} for i in range(13)]}
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def moment(ts: int, clock: float = 700.0, shot: float | None = 20.0, period: int = 1,
           n_players: int = 10, ball: bool = True, dx: float = 0.0) -> list:
    """One raw moment at unix ms ``ts``: ball then players on court."""
    ents = [[-1, -1, 40.0 + dx, 25.0, 4.5]] if ball else []
    for i in range(n_players):
        team, pid = (1610612741, 100 + i) if i < 5 else (1610612739, 200 + i - 5)
        ents.append([team, pid, 10.0 + 7 * i + dx, 5.0 + 4 * i, 0.0])
    return [period, ts, clock, shot, None, ents]


def run(start: int, n: int, **kw) -> list[list]:
    """n moments 40 ms apart starting at ``start`` ms; the game clock runs with them."""
    return [moment(start + 40 * k, clock=round(700.0 - (start + 40 * k) / 1000, 2), **kw)
            for k in range(n)]


def raw_doc(events: list[tuple[str, list]]) -> bytes:
    return orjson.dumps({"gameid": "0021500001", "gamedate": "2015-10-27", "events": [
        {"eventId": eid, "visitor": VISITOR, "home": HOME, "moments": ms} for eid, ms in events]})


def write_raw(path: Path, data: bytes) -> Path:
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data, mtime=0))
    elif path.name.endswith(".7z"):
        import py7zr
        with py7zr.SevenZipFile(path, "w") as archive:
            archive.writestr(data, "0021500001.json")
    else:
        path.write_bytes(data)
    return path


def assert_same_tracking(a: Game, b: Game) -> None:
    for name in ARRAY_FIELDS:
        x, y = getattr(a.tracking, name), getattr(b.tracking, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert a.tracking.rate_hz == b.tracking.rate_hz
    assert [(e.event_id, e.n_moments) for e in a.sportvu_events] == \
        [(e.event_id, e.n_moments) for e in b.sportvu_events]
    for e, f in zip(a.sportvu_events, b.sportvu_events):
        assert np.array_equal(e.moments, f.moments)


def no_worker_left() -> bool:
    return not any(t.name == "sportvu-7z" for t in threading.enumerate())


def read_or_error(path: Path) -> Game | None:
    """The fuzz contract: a Game, or HoopsimDataError and nothing else (and the 7z
    worker thread is gone either way)."""
    try:
        return read_sportvu(path)
    except HoopsimDataError:
        return None
    finally:
        assert no_worker_left()
