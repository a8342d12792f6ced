"""Raw SportVU moments bytes -> numpy arrays, fully validated (used by engine.logs.sportvu).

A moment whose exact bytes a recent event already listed is recognised by a dict
lookup instead of being parsed again; only new moments are parsed (orjson on the text
with its brackets blanked, after an exact check of the nesting against a template).
"""

from __future__ import annotations

import collections

import numpy as np
import orjson

from engine.errors import HoopsimDataError
from engine.schema import N_ENTITIES

_NUMBER_BYTES = b"0123456789.-+eEnul"  # what JSON numbers and null are made of
_BRACKETS_TO_SPACE = bytes.maketrans(b"[]", b"  ")
_MAX_INT = 2.0 ** 53  # ids and timestamps must be exact in float64
RECENT_EVENTS = 32  # events whose kept moments are remembered to spot repeats


def _template(k: int) -> bytes:
    """Skeleton ([ ] , only) of one moment with k entities."""
    return b"[,,,,,[" + b",".join([b"[,,,,]"] * k) + b"]]"


_TEMPLATES = [_template(k) for k in range(N_ENTITIES + 1)]


def loads(text: bytes | bytearray, file: str, record: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise HoopsimDataError(file, record, f"bad JSON: {err}") from err


class RecentMoments:
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


def event_moments(mb: bytes, recent: RecentMoments, file: str, record: str
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
    values = loads(body, file, record)
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
