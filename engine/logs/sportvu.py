"""Streaming reader of raw SportVU game logs (``.json``, ``.json.gz``, ``.7z``).

A raw game (the public 2015-16 dump; format in engine.logs.sportvu_write) is ~100 MB of JSON
in ~450 events that overlap in time, so most moments are listed two or three times.
The reader never holds the document: it splits the decompressed byte stream into
events at the ``"eventId"`` key and handles one event at a time. A moment whose exact
bytes a recent event already listed is recognised by a dict lookup instead of being
parsed again; only new moments are parsed (engine.logs.sportvu_moments; the byte stream
and its split into events live in engine.logs.sportvu_stream).
Kept moments become numpy arrays per event, concatenated once, ordered by timestamp
and passed through :func:`engine.logs.rules.apply_rules`.

Malformed input of any kind raises :class:`engine.errors.HoopsimDataError` (file,
record, problem); a missing file raises FileNotFoundError.
"""

from __future__ import annotations

import contextlib
import logging
import lzma
import os
import zlib
from pathlib import Path

import numpy as np
import orjson
from isal.isal_zlib import error as IsalError

from engine.errors import HoopsimDataError
from engine.logs.rules import apply_rules
from engine.logs.sportvu_moments import RecentMoments, event_moments, loads
from engine.logs.sportvu_stream import WHITESPACE, chunks, pieces
from engine.schema import (
    ARRAY_FIELDS,
    Game,
    Player,
    Provenance,
    Quality,
    SportVUEvent,
    Team,
    Tracking,
    normalize_game_id,
)

log = logging.getLogger(__name__)

FORMATS = {"json.gz": "sportvu-json.gz", "json": "sportvu-json", "7z": "sportvu-7z"}
def read_sportvu(path: str | os.PathLike, limit_events: int | None = None) -> Game:
    """Read a raw SportVU game log, streamed one event at a time.

    ``limit_events`` stops after that many events (fast tests). Returns a Game with
    rosters (first event), ``sportvu_events`` (every event, with the tracking rows it
    lists), tracking after the shared data rules (an empty Tracking when no event has
    moments), quality counts and provenance.
    """
    path = Path(path)
    fmt = next((f for f in FORMATS if path.name.lower().endswith("." + f)), None)
    if fmt is None:
        raise HoopsimDataError(str(path), "file name", "expected .json, .json.gz or .7z")
    if not path.is_file():
        raise FileNotFoundError(path)
    builder = _GameBuilder(str(path))
    try:
        _read_events(path, fmt, builder, limit_events)
        return builder.finish(FORMATS[fmt])
    except HoopsimDataError:
        raise
    except (OSError, EOFError, zlib.error, lzma.LZMAError, IsalError, ValueError, TypeError,
            OverflowError) as err:
        # decompression and conversion failures: one error type for callers
        raise HoopsimDataError(str(path), "stream", f"{type(err).__name__}: {err}") from err


# ----------------------------------------------------------------------------- bytes in

def _read_events(path: Path, fmt: str, builder: "_GameBuilder", limit: int | None) -> None:
    """Feed the document to ``builder`` piece by piece (a function of its own so that
    the stream and its buffers are released before the arrays are assembled)."""
    with chunks(path, fmt) as stream:
        for kind, data in pieces(stream, builder.file):
            if not builder.add(kind, data):
                break
            if limit is not None and len(builder.events) >= limit:
                break


# ------------------------------------------------------------------------- building

class _GameBuilder:
    """Accumulates events: rosters, per-event arrays of new moments, timestamps seen."""

    def __init__(self, file: str):
        self.file = file
        self.game: Game | None = None
        self.quality = Quality()
        self.events: list[SportVUEvent] = []
        self.event_stamps: list[np.ndarray] = []  # (n_i,) int64 per event, file order
        self.parts: list[dict[str, np.ndarray]] = []
        self.recent = RecentMoments()
        self.roster_raw: tuple | None = None

    def add(self, kind: str, data: bytes) -> bool:
        """Handle one piece from engine.logs.sportvu_stream.pieces; False when the document is complete."""
        if kind in ("head", "doc"):
            self._head(data if kind == "doc" else data.rstrip(WHITESPACE) + b"]}")
            return kind == "head"
        # what must follow an event: ',' and more events, or ']' '}' at the end
        text, ok = data.rstrip(WHITESPACE), True
        for closer in (b"}", b"]") if kind == "tail" else (b",",):
            ok = ok and text.endswith(closer)
            text = text[:-1].rstrip(WHITESPACE)
        if not ok:
            raise HoopsimDataError(self.file, f"event #{len(self.events) + 1}",
                                   "truncated or malformed: events must be separated by "
                                   "',' and the file must end with ']}'")
        self._event(text)
        return kind == "event"

    def _head(self, text: bytes) -> None:
        doc = loads(text, self.file, "document head")
        if not isinstance(doc, dict) or doc.get("events") != [] \
                or not isinstance(doc.get("gamedate", ""), str):
            raise HoopsimDataError(self.file, "document head", 'expected {"gameid":..,'
                                   '"gamedate":"YYYY-MM-DD","events":[{"eventId":..},..]}')
        try:
            game_id = normalize_game_id(doc["gameid"])
        except (KeyError, ValueError) as err:
            raise HoopsimDataError(self.file, "gameid", f"missing or invalid: {err}") from err
        self.game = Game(game_id=game_id, game_date=doc.get("gamedate", ""))

    def _event(self, text: bytes) -> None:
        index = len(self.events) + 1
        header, mb = _split_event(text, self.file, f"event #{index}")
        event_id = _event_id(header, self.file, index)
        record = f"event {event_id} (#{index})"
        self._rosters(header, record)
        try:
            stamps, part, dups = event_moments(mb, self.recent, self.file, record)
        except HoopsimDataError:
            # maybe valid JSON in another layout (whitespace): retry it re-dumped
            canonical = _split_event(text, self.file, record, fast=False)[1]
            if canonical == mb:
                raise
            stamps, part, dups = event_moments(canonical, self.recent, self.file, record)
        if part is not None:
            part["event_id"] = np.full(len(part["timestamp"]), event_id, np.int32)
            self.parts.append(part)
            self.quality.entities_missing += int((~part["valid"]).sum())
        self.quality.duplicate_moments += dups
        self.quality.events_without_moments += int(stamps.size == 0)
        self.events.append(SportVUEvent(event_id, int(stamps.size)))
        self.event_stamps.append(stamps)

    def _rosters(self, header: dict, record: str) -> None:
        raw = (header.get("visitor"), header.get("home"))
        if self.roster_raw is None:
            self.game.visitor, self.game.home = (_team(t, self.file, record, side)
                                                 for t, side in zip(raw, ("visitor", "home")))
            self.roster_raw = raw
        elif raw != self.roster_raw:
            _team(raw[0], self.file, record, "visitor"), _team(raw[1], self.file, record, "home")
            if "rosters differ between events" not in self.game.provenance.notes:
                log.warning("%s: %s: rosters differ from the first event's", self.file, record)
                self.game.provenance.notes.append("rosters differ between events")

    def finish(self, fmt: str) -> Game:
        """Concatenate once, order by timestamp, apply the data rules, index events."""
        if self.game is None:
            raise HoopsimDataError(self.file, "document", "empty file")
        game, parts = self.game, self.parts
        self.recent = RecentMoments()  # not needed any more: free it before the copies
        arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts \
            else _empty_arrays()
        parts.clear()  # release the per-event arrays before the rules copy them
        # the first copy of each timestamp (file order), sorted by time; repeats left
        # here had other bytes than their first copy or came after it left the cache
        _, first = np.unique(arrays["timestamp"], return_index=True)
        self.quality.duplicate_moments += len(arrays["timestamp"]) - first.size
        if not np.array_equal(first, np.arange(len(arrays["timestamp"]))):
            arrays = {k: v[first] for k, v in arrays.items()}
        tracking = apply_rules(arrays, self.file, self.quality, rate_hz=None)
        del arrays
        last = max(len(tracking) - 1, 0)
        for event, ev_stamps in zip(self.events, self.event_stamps):
            # rows of this event's moments; those the rules dropped are left out
            rows = np.minimum(np.searchsorted(tracking.timestamp, ev_stamps), last)
            found = tracking.timestamp[rows] == ev_stamps if len(tracking) else rows < 0
            event.moments = rows[found].astype(np.int64)
        game.tracking, game.sportvu_events, game.quality = tracking, self.events, self.quality
        game.provenance = Provenance(files=[self.file], format=fmt,
                                     notes=game.provenance.notes)
        log.info("%s: %s", self.file, game.describe())
        return game


def _split_event(text: bytes, file: str, record: str, fast: bool = True) -> tuple[dict, bytes]:
    """One event's bytes -> (header dict, moments array bytes).

    Fast path for the raw layout (moments last); other valid layouts go through a
    full parse and a compact re-dump of the moments (``fast=False`` forces that).
    """
    j = text.find(b'"moments":')  # after the rosters, so a short search
    if fast and j > 0 and text[j - 1:j] == b"," and text.endswith(b"}"):
        with contextlib.suppress(orjson.JSONDecodeError):
            header = orjson.loads(text[:j - 1] + b"}")
            if isinstance(header, dict):
                return header, text[j + 10:-1]
    event = loads(text, file, record)
    if not isinstance(event, dict) or not isinstance(event.get("moments"), list):
        raise HoopsimDataError(file, record, "an event must be an object with a moments list")
    return event, orjson.dumps(event["moments"])


def _event_id(header: dict, file: str, index: int) -> int:
    value = header.get("eventId")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10 or \
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 31:
        return int(value)
    raise HoopsimDataError(file, f"event #{index}",
                           f"eventId must be a number string, got {value!r}")


def _team(raw: object, file: str, record: str, side: str) -> Team:
    """Validate one raw team header and build a Team."""
    def need(d: object, key: str, kind: type) -> object:
        value = d.get(key) if isinstance(d, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise HoopsimDataError(file, f"{record} {side}", f"{key!r} must be {kind.__name__}")
        return value
    players = [Player(need(p, "playerid", int), need(p, "firstname", str),
                      need(p, "lastname", str), need(p, "jersey", str), need(p, "position", str))
               for p in need(raw, "players", list)]
    return Team(need(raw, "teamid", int), need(raw, "name", str), need(raw, "abbreviation", str),
                players)


def _empty_arrays() -> dict[str, np.ndarray]:
    empty = Tracking.empty()
    return {k: getattr(empty, k) for k in ARRAY_FIELDS if k != "segment"}
