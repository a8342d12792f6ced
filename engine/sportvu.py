"""Streaming reader of raw SportVU game logs (``.json``, ``.json.gz``, ``.7z``).

A raw game (the public 2015-16 dump; format in engine.sportvu_write) is ~100 MB of JSON
in ~450 events that overlap in time, so most moments are listed two or three times.
The reader never holds the document: it splits the decompressed byte stream into
events at the ``"eventId"`` key and handles one event at a time. A moment whose exact
bytes a recent event already listed is recognised by a dict lookup instead of being
parsed again; only new moments are parsed (orjson on the text with its brackets
blanked, after an exact check of the nesting).
Kept moments become numpy arrays per event, concatenated once, ordered by timestamp
and passed through :func:`engine.rules.apply_rules`.

Malformed input of any kind raises :class:`engine.errors.HoopsimDataError` (file,
record, problem); a missing file raises FileNotFoundError.
"""

from __future__ import annotations

import collections
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
from engine.rules import apply_rules
from engine.schema import (
    ARRAY_FIELDS, N_ENTITIES, Game, Player, Provenance, Quality, SportVUEvent, Team, Tracking,
    normalize_game_id,
)
from engine.sportvu_stream import WHITESPACE, chunks, pieces
from engine.sportvu_write import write_sportvu  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

FORMATS = {"json.gz": "sportvu-json.gz", "json": "sportvu-json", "7z": "sportvu-7z"}
_NUMBER_BYTES = b"0123456789.-+eEnul"  # what JSON numbers and null are made of
_BRACKETS_TO_SPACE = bytes.maketrans(b"[]", b"  ")
_MAX_INT = 2.0 ** 53  # ids and timestamps must be exact in float64
RECENT_EVENTS = 32  # events whose kept moments are remembered to spot repeats


def _template(k: int) -> bytes:
    """Skeleton ([ ] , only) of one moment with k entities."""
    return b"[,,,,,[" + b",".join([b"[,,,,]"] * k) + b"]]"


_TEMPLATES = [_template(k) for k in range(N_ENTITIES + 1)]


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
        self.recent = _RecentMoments()
        self.roster_raw: tuple | None = None

    def add(self, kind: str, data: bytes) -> bool:
        """Handle one piece from engine.sportvu_stream.pieces; False when the document is complete."""
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
        doc = _loads(text, self.file, "document head")
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
            stamps, part, dups = _event_moments(mb, self.recent, self.file, record)
        except HoopsimDataError:
            # maybe valid JSON in another layout (whitespace): retry it re-dumped
            canonical = _split_event(text, self.file, record, fast=False)[1]
            if canonical == mb:
                raise
            stamps, part, dups = _event_moments(canonical, self.recent, self.file, record)
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
        self.recent = _RecentMoments()  # not needed any more: free it before the copies
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


def _loads(text: bytes | bytearray, file: str, record: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise HoopsimDataError(file, record, f"bad JSON: {err}") from err


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
    event = _loads(text, file, record)
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


# -------------------------------------------------------------------------- moments

class _RecentMoments:
    """Bytes of the moments the last RECENT_EVENTS events kept -> their timestamps.

    Events overlap only with their neighbours, so a repeated moment is recognised by
    its exact bytes (a dict lookup) instead of being parsed again; a repeat whose
    first copy has left the cache is parsed and dropped when the game is assembled.
    """

    def __init__(self) -> None:
        self.stamp: dict[bytes, int] = {}
        self.batches: collections.deque[list[bytes]] = collections.deque()

    def add(self, pieces: list[bytes], stamps: list[int]) -> None:
        self.stamp.update(zip(pieces, stamps))
        self.batches.append(pieces)
        if len(self.batches) > RECENT_EVENTS:
            for piece in self.batches.popleft():
                self.stamp.pop(piece, None)


def _event_moments(mb: bytes, recent: _RecentMoments, file: str, record: str
                   ) -> tuple[np.ndarray, dict | None, int]:
    """Compact moments array bytes of one event -> (timestamps (n,) int64 of every
    moment in file order, arrays of the moments not recently seen or None, number of
    moments recognised as repeats)."""
    if mb == b"[]":
        return np.zeros(0, np.int64), None, 0
    if not (mb.startswith(b"[[") and mb.endswith(b"]]]")):
        raise HoopsimDataError(file, record, "malformed moments array")
    # moment i is b"[" + pieces[i] + b"]]": in compact JSON only moments are
    # separated by "]],[" (entities by "],[" after a number)
    pieces = mb.split(b"]],[")
    pieces[0], pieces[-1] = pieces[0][2:], pieces[-1][:-3]
    n = len(pieces)
    known = np.fromiter(map(recent.stamp.__contains__, pieces), bool, n)
    new, old = np.flatnonzero(~known), np.flatnonzero(known)
    stamps = np.empty(n, np.int64)
    stamps[old] = np.fromiter(map(recent.stamp.__getitem__, [pieces[i] for i in old.tolist()]),
                              np.int64, old.size)
    part = None
    if new.size:
        fresh = pieces if new.size == n else [pieces[i] for i in new.tolist()]
        part = _parse_moments(mb if new.size == n else b"[[" + b"]],[".join(fresh) + b"]]]",
                              file, record)
        if len(part["timestamp"]) != new.size:
            raise HoopsimDataError(file, record, "malformed moments array")
        stamps[new] = part["timestamp"]
        recent.add(fresh, part["timestamp"].tolist())
    back = np.flatnonzero(np.diff(stamps) < 0)
    if back.size:
        k = int(back[0])
        raise HoopsimDataError(file, f"{record} moment {k + 2}",
                               f"timestamp goes backwards ({stamps[k]} -> {stamps[k + 1]} ms)")
    return stamps, part, int(old.size)


def _flat_numbers(body: bytes | bytearray, expected: int, file: str, record: str) -> np.ndarray:
    """A flat JSON array of numbers/nulls -> (expected,) float64, NaN for null."""
    values = _loads(body, file, record)
    if len(values) != expected:
        raise HoopsimDataError(file, record, f"expected {expected} numbers, found {len(values)}")
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise HoopsimDataError(file, record, f"moments must hold numbers or null: {err}") from err


def _parse_moments(text: bytes, file: str, record: str) -> dict[str, np.ndarray]:
    """A canonical JSON array of k moments -> schema arrays (k rows), fully validated."""
    # what is left without number bytes must be exactly the nesting of k moments:
    # this one pass rejects strings, objects, true/false, whitespace and bad nesting
    skeleton = text.translate(None, _NUMBER_BYTES)
    counts = _entity_counts(skeleton, file, record)
    if skeleton != b"[" + b",".join([_TEMPLATES[k] for k in counts.tolist()]) + b"]":
        if skeleton.translate(None, b"[],"):
            raise HoopsimDataError(file, record, "moments may only hold numbers and null")
        raise HoopsimDataError(file, record, "malformed moment: expected [period,unix_ms,"
                               "game_clock,shot_clock,null,[[team,player,x,y,z],..]]")
    flat = bytearray(text.translate(_BRACKETS_TO_SPACE))  # nesting checked: flatten it
    flat[0], flat[-1] = ord("["), ord("]")
    values = _flat_numbers(flat, 5 * counts.size + 5 * int(counts.sum()), file, record)
    n = counts.size
    if np.all(counts == N_ENTITIES):  # the usual case: a plain reshape
        rows = values.reshape(n, 5 + 5 * N_ENTITIES)
        heads, ents = rows[:, :5], rows[:, 5:].reshape(n, N_ENTITIES, 5)
        valid = np.ones((n, N_ENTITIES), bool)
    else:
        heads, ents, valid = _ragged(values, counts)
    return _moment_arrays(heads, ents, valid, file, record)


def _entity_counts(skeleton: bytes, file: str, record: str) -> np.ndarray:
    """(k,) entities per moment, read from the bracket depth of the skeleton."""
    n = skeleton.count(b"[,,,,,[")
    if skeleton.count(b"[,,,,]") == N_ENTITIES * n:
        return np.full(n, N_ENTITIES)  # verified by the caller's exact comparison
    s = np.frombuffer(skeleton, np.uint8)
    depth = np.cumsum((s == ord("[")).astype(np.int32) - (s == ord("]")))
    opens = s == ord("[")
    moments, ents = np.flatnonzero(opens & (depth == 2)), np.flatnonzero(opens & (depth == 4))
    counts = np.diff(np.searchsorted(ents, np.append(moments, s.size)))
    if counts.size and counts.max() > N_ENTITIES:
        raise HoopsimDataError(file, record, f"a moment lists {counts.max()} entities; at most 11")
    return counts


def _ragged(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Flat values of moments with ``counts`` entities -> heads (k,5), ents (k,11,5), valid."""
    n = counts.size
    first = 5 * np.arange(n) + 5 * np.concatenate([[0], np.cumsum(counts)[:-1]])
    heads = values[first[:, None] + np.arange(5)]
    is_head = np.zeros(values.size, bool)
    is_head[(first[:, None] + np.arange(5)).ravel()] = True
    valid = np.arange(N_ENTITIES) < counts[:, None]
    ents = np.zeros((n, N_ENTITIES, 5))
    ents[valid] = values[~is_head].reshape(-1, 5)
    return heads, ents, valid


def _moment_arrays(heads: np.ndarray, ents: np.ndarray, valid: np.ndarray,
                   file: str, record: str) -> dict[str, np.ndarray]:
    """heads (k,5), ents (k,11,5), valid (k,11) -> schema arrays, ball in slot 0."""
    if not valid.all():
        ents = np.where(valid[..., None], ents, 0.0)  # empty slots: ids 0, xyz 0
    no_ball = valid[:, 0] & (ents[:, 0, 0] != -1)
    if no_ball.any():  # the ball is missing: shift players right, slot 0 empty
        if np.any(no_ball & valid[:, -1]):
            raise HoopsimDataError(file, record, "a moment has 11 players and no ball")
        ents, valid = ents.copy(), valid.copy()
        ents[no_ball, 1:], valid[no_ball, 1:] = ents[no_ball, :-1], valid[no_ball, :-1]
        ents[no_ball, 0], valid[no_ball, 0] = 0.0, False
    if np.any(ents[:, 1:, 0] == -1):
        raise HoopsimDataError(file, record, "the ball (team -1) must be the first entity")
    ids = _integers(ents[..., :2], file, record, "team/player id", low=-1)
    period = _integers(heads[:, 0], file, record, "period", low=1, high=20)
    return {"period": period.astype(np.int16),
            "game_clock": heads[:, 2].copy(), "shot_clock": heads[:, 3].copy(),
            "timestamp": _integers(heads[:, 1], file, record, "timestamp", low=0),
            "team_id": ids[..., 0].copy(), "entity_id": ids[..., 1].copy(),
            "xyz": np.ascontiguousarray(ents[..., 2:]), "valid": valid}


def _integers(values: np.ndarray, file: str, record: str, what: str,
              low: float = -_MAX_INT, high: float = _MAX_INT) -> np.ndarray:
    """float64 values that must be whole numbers in [low, high] -> int64."""
    with np.errstate(invalid="ignore"):  # NaN/inf cast to garbage, caught just below
        ints = values.astype(np.int64)
    if values.size and not ((ints == values).all() and ints.min() >= low and ints.max() <= high):
        ok = (values >= low) & (values <= high) & (values == np.floor(values))  # NaN fails
        raise HoopsimDataError(file, record, f"{what} must be an integer in [{low:.0f}, "
                               f"{high:.0f}], got {values[~ok][0]!r}")
    return ints
