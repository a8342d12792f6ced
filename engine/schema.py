"""In-memory game structure shared by every reader and writer.

A :class:`Game` holds rosters, tracking moments as arrays, play-by-play events and
provenance. Readers of every format return this one structure; nothing downstream
knows which file format a game came from.

Tracking arrays (M = moments, E = 11 entities in file order, ball first):
    period      (M,)      int16   period number (1-4, 5+ overtime)
    game_clock  (M,)      float64 seconds left in the period
    shot_clock  (M,)      float64 seconds left on the shot clock, NaN when missing
    timestamp   (M,)      int64   unix milliseconds, -1 when the source has none
    event_id    (M,)      int32   SportVU event the moment came from, -1 when unknown
    entity_id   (M, E)    int64   player id per slot; -1 for the ball; 0 for an empty slot
    team_id     (M, E)    int64   team id per slot; -1 for the ball; 0 for an empty slot
    xyz         (M, E, 3) float64 feet; z is ball height (0 for players)
    valid       (M, E)    bool    False where the entity is missing or masked
    segment     (M,)      int32   contiguous-run id; a new segment starts when the clock
                                  steps backwards or the gap exceeds twice the frame interval
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SCHEMA_VERSION = 1
N_ENTITIES = 11  # ball + 10 players
BALL_ID = -1


@dataclass
class Player:
    player_id: int
    first_name: str = ""
    last_name: str = ""
    jersey: str = ""
    position: str = ""


@dataclass
class Team:
    team_id: int
    name: str = ""
    abbreviation: str = ""
    players: list[Player] = field(default_factory=list)


@dataclass
class Quality:
    """What the data rules did to one game's tracking (all counts)."""

    moments_read: int = 0
    moments_kept: int = 0
    moments_unusable: int = 0
    duplicate_moments: int = 0
    coords_clipped: int = 0
    entities_masked: int = 0
    entities_missing: int = 0
    shot_clock_missing: int = 0
    segments: int = 0
    rows_other_period: int = 0
    events_without_moments: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Tracking:
    period: np.ndarray
    game_clock: np.ndarray
    shot_clock: np.ndarray
    timestamp: np.ndarray
    event_id: np.ndarray
    entity_id: np.ndarray
    team_id: np.ndarray
    xyz: np.ndarray
    valid: np.ndarray
    segment: np.ndarray
    rate_hz: float

    def __len__(self) -> int:
        return int(self.game_clock.shape[0])

    def select(self, mask: np.ndarray) -> "Tracking":
        """Moments where ``mask`` (M,) is True, as a new Tracking (copies)."""
        arrays = {k: getattr(self, k)[mask] for k in ARRAY_FIELDS}
        return Tracking(**arrays, rate_hz=self.rate_hz)

    @staticmethod
    def empty(rate_hz: float = 25.0) -> "Tracking":
        e = N_ENTITIES
        return Tracking(
            period=np.zeros(0, np.int16),
            game_clock=np.zeros(0, np.float64),
            shot_clock=np.zeros(0, np.float64),
            timestamp=np.zeros(0, np.int64),
            event_id=np.zeros(0, np.int32),
            entity_id=np.zeros((0, e), np.int64),
            team_id=np.zeros((0, e), np.int64),
            xyz=np.zeros((0, e, 3), np.float64),
            valid=np.zeros((0, e), bool),
            segment=np.zeros(0, np.int32),
            rate_hz=rate_hz,
        )


ARRAY_FIELDS = (
    "period", "game_clock", "shot_clock", "timestamp", "event_id",
    "entity_id", "team_id", "xyz", "valid", "segment",
)


@dataclass
class Provenance:
    files: list[str] = field(default_factory=list)
    format: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class SportVUEvent:
    """One raw SportVU event header (its moments live in Game.tracking).

    ``n_moments`` counts the moments the event lists in its file, duplicates included
    (raw events overlap in time, so a moment can belong to several events).
    ``moments`` (n,) int64, when known, indexes Game.tracking rows of this event in
    file order; it lets a writer rebuild the overlapping events exactly. Moments the
    data rules dropped are absent from it, so ``len(moments) <= n_moments``.
    """

    event_id: int
    n_moments: int
    moments: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass
class Game:
    game_id: str
    game_date: str = ""
    home: Team | None = None
    visitor: Team | None = None
    tracking: Tracking | None = None
    pbp: "object | None" = None  # engine.logs.pbp.PlayByPlay
    sportvu_events: list[SportVUEvent] = field(default_factory=list)
    quality: Quality = field(default_factory=Quality)
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def has_tracking(self) -> bool:
        return self.tracking is not None and len(self.tracking) > 0

    def describe(self) -> str:
        if not self.has_tracking:
            return (f"game {self.game_id}: no tracking "
                    f"({len(self.sportvu_events)} events, no moments)")
        t = self.tracking
        return (f"game {self.game_id}: {len(t)} moments in {self.quality.segments} segments, "
                f"periods {sorted(set(t.period.tolist()))}")


def normalize_game_id(value: object) -> str:
    """'21500575.0', 21500575, '0021500575' -> '0021500575' (10 characters)."""
    s = str(value).strip()
    if s.endswith(".0"):
        s = s[:-2]
    if not s.isdigit():
        raise ValueError(f"not a game id: {value!r}")
    return s.zfill(10)
