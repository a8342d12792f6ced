"""stats.nba.com play-by-play (``playbyplayv2``) CSV reader (writer: ``pbp_write``; event
order: ``pbp_order``). :func:`read_pbp` returns a :class:`PlayByPlay` whose ``events``
DataFrame holds one row per event in logical order, normalized (clocks in s left, feet):

    game_id str, event_num, msg_type, action_type, period int, clock float (s left),
    wall_clock str, home_desc / neutral_desc / visitor_desc str ("" when empty),
    score_visitor / score_home / score_margin Int64 (NA where SCORE is empty; margin is
    home - visitor, "TIE" = 0), personK_type / playerK_id / playerK_team_id Int64 and
    playerK_name / _team_city / _team_nickname / _team_abbreviation str (K = 1..3),
    file_row int (row order of the source file, used by :func:`engine.logs.pbp_write.write_pbp`),
    derived: home_team_id / visitor_team_id, team_id (Int64, team of the actor),
    is_home, is_three, shot_kind, shot_distance_ft, distance_is_filled, ft_made, ft_index /
    ft_total (Int64), ft_kind, is_offensive_rebound, is_placeholder_rebound, seq.

Derivation rules:

* actor team: PERSON1TYPE 4/5 (home/visitor player) -> PLAYER1_TEAM_ID; 2/3 (home/visitor
  team, PLAYER1_ID is then the team id) and 6/7 (home/visitor coach or staff) -> the
  home/visitor team id; anything else (officials, period rows) -> NA.
* shot distance: the ``NN'`` in the shooter's description. About 10% of field-goal
  attempts carry none (mostly dunks); they get :data:`FILL_DISTANCE_FT` for their shot
  kind, ``distance_is_filled`` is True and :attr:`PlayByPlay.distance_filled` counts them.
* free throws: ``Free Throw k of n`` -> ft_index k, ft_total n, ft_kind "regular";
  ``Free Throw Flagrant k of n`` / ``Free Throw Clear Path k of n`` -> "flagrant" /
  "clear_path" (same index/total; the fouled team also keeps the ball);
  ``Free Throw Technical`` -> "technical" with ft_index = ft_total = NA (never part of a
  trip, never changes possession). A free throw is made when its description has no
  "MISS" *and* carries the shooter's points tally "(N PTS)": one real row (game
  0021500391, "Free Throw 2 of 2" with neither, followed by a team rebound and no score
  change) is ambiguous and counted as missed, with a warning.
* rebounds: a rebound right after a missed non-final, technical, flagrant or clear-path
  free throw is a bookkeeping team rebound (``is_placeholder_rebound``); any other rebound
  is offensive when its team is the team of the last miss before it.
* order: rows are sorted into the order the events happened (:func:`engine.logs.pbp_order.logical_order`);
  ``seq`` numbers them, ``file_row`` keeps the source order for :func:`engine.logs.pbp_write.write_pbp`.

Any malformed input raises :class:`engine.errors.HoopsimDataError` naming the file, the
record ("row 37 (EVENTNUM 35)": data rows count from 1, the header excluded) and the problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
import zlib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import HoopsimDataError
from engine.logs.pbp_order import int_array as _ints
from engine.logs.pbp_order import logical_order, rebound_flags
from engine.schema import normalize_game_id

log = logging.getLogger(__name__)


class EventType(IntEnum):
    """EVENTMSGTYPE codes of stats.nba.com play-by-play."""

    MADE_FG = 1
    MISSED_FG = 2
    FREE_THROW = 3
    REBOUND = 4
    TURNOVER = 5
    FOUL = 6
    VIOLATION = 7
    SUBSTITUTION = 8
    TIMEOUT = 9
    JUMP_BALL = 10
    EJECTION = 11
    PERIOD_START = 12
    PERIOD_END = 13
    INSTANT_REPLAY = 18


# Distance (ft) given to a field-goal attempt whose description has none: the median of
# the parsed distances of the same shot kind over the 560 real 2015-16 games in
# shared/data/pbp (e.g. "3PT Jump Shot" 25 ft, "Dunk" 1 ft, 2-point "Jump Shot" 16 ft).
FILL_DISTANCE_FT: dict[str, float] = {
    "three": 25.0, "dunk": 1.0, "tip": 1.0, "putback": 2.0, "alley_oop": 2.0, "layup": 2.0,
    "hook": 6.0, "floater": 8.0, "fadeaway": 13.0, "jump_shot": 16.0, "other": 7.0,
}
# First matching keyword wins, so "Putback Dunk" is a dunk and "3PT Hook" a three.
_SHOT_KEYWORDS = (("three", "3pt"), ("dunk", "dunk"), ("tip", "tip"), ("putback", "putback"),
                  ("alley_oop", "alley oop"), ("layup", "layup"), ("layup", "finger roll"),
                  ("hook", "hook"), ("floater", "float"), ("fadeaway", "fadeaway"),
                  ("jump_shot", "jump"), ("jump_shot", "shot"))

# Raw header, in file order, with the normalized name and the value kind of each column.
_K = ("PERSON{k}TYPE", "PLAYER{k}_ID", "PLAYER{k}_NAME", "PLAYER{k}_TEAM_ID",
      "PLAYER{k}_TEAM_CITY", "PLAYER{k}_TEAM_NICKNAME", "PLAYER{k}_TEAM_ABBREVIATION")
_KIND = ("int?", "int?", "str", "int?", "str", "str", "str")
COLUMNS: list[tuple[str, str, str]] = [
    ("GAME_ID", "game_id", "game"), ("EVENTNUM", "event_num", "int"),
    ("EVENTMSGTYPE", "msg_type", "int"), ("EVENTMSGACTIONTYPE", "action_type", "int"),
    ("PERIOD", "period", "int"), ("WCTIMESTRING", "wall_clock", "str"),
    ("PCTIMESTRING", "clock", "clock"), ("HOMEDESCRIPTION", "home_desc", "str"),
    ("NEUTRALDESCRIPTION", "neutral_desc", "str"), ("VISITORDESCRIPTION", "visitor_desc", "str"),
    ("SCORE", "score", "score"), ("SCOREMARGIN", "score_margin", "margin"),
] + [(raw.format(k=k), raw.format(k=k).lower().replace("type", "_type"), kind)
     for k in (1, 2, 3) for raw, kind in zip(_K, _KIND)]
HEADER = [raw for raw, _, _ in COLUMNS]

_CLOCK_RE = re.compile(r"^(\d{1,2}):([0-5]\d(?:\.\d+)?)$")
_SCORE_RE = re.compile(r"^(\d+) - (\d+)$")
_FT_RE = re.compile(r"Free Throw (Technical|Flagrant|Clear Path)?\s*(?:(\d) of (\d))?")
_PTS_RE = re.compile(r"\(\d+ PTS\)")
_DIST_RE = re.compile(r"(?:^|\s)(\d+)'")


@dataclass
class PlayByPlay:
    """One game's play-by-play. ``events`` is in logical order (module docstring)."""

    game_id: str
    events: pd.DataFrame
    source: str = ""
    distance_filled: int = 0
    line_terminator: str = "\n"

    @property
    def home_team_id(self) -> int:
        return int(self.events["home_team_id"].iloc[0])

    @property
    def visitor_team_id(self) -> int:
        return int(self.events["visitor_team_id"].iloc[0])


# ----------------------------------------------------------------------------- reading

def read_pbp(path: str | Path, game_id: str | None = None) -> PlayByPlay:
    """Read a ``.csv`` or ``.csv.gz`` play-by-play file of one game (module docstring)."""
    path = str(path)
    text = _read_text(path)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise HoopsimDataError(path, "header", "empty file")
    header, body = rows[0], rows[1:]
    missing = [c for c in HEADER if c not in header]
    if missing:
        raise HoopsimDataError(path, "header", f"missing column(s) {missing}")
    if not body:
        raise HoopsimDataError(path, "header", "no events after the header")
    num = header.index("EVENTNUM")
    for i, r in enumerate(body):
        if len(r) != len(header):
            label = f"row {i + 1} (EVENTNUM {r[num] if len(r) > num else '?'})"
            raise HoopsimDataError(path, label, f"{len(r)} fields, header has {len(header)}")
    raw = {h: [r[j] for r in body] for j, h in enumerate(header)}
    terminator = "\r\n" if "\r\n" in text[:4096] else "\n"
    return pbp_from_columns(raw, source=path, game_id=game_id, line_terminator=terminator)


def pbp_from_columns(raw: dict[str, list[str]], source: str = "", game_id: str | None = None,
                     line_terminator: str = "\n") -> PlayByPlay:
    """Build a PlayByPlay from raw column text (HEADER -> one string per row), exactly as
    the reader does after parsing the CSV; writers of synthetic logs use it too."""
    missing = [c for c in HEADER if c not in raw]
    if missing:
        raise HoopsimDataError(source, "header", f"missing column(s) {missing}")
    cols = _normalize(source, raw)
    gid = _check_game(source, cols, raw, game_id)
    events = _derive(source, cols, raw)
    filled = int(events["distance_is_filled"].sum())
    return PlayByPlay(gid, events, source=source, distance_filled=filled,
                      line_terminator=line_terminator)


def _read_text(path: str) -> str:
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            return f.read().decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise HoopsimDataError(path, "file", f"cannot read: {exc}") from exc


def _label(raw: dict, i: int) -> str:
    return f"row {i + 1} (EVENTNUM {raw['EVENTNUM'][i]!s})"


def _fail(path: str, raw: dict, bad: np.ndarray, problem: str) -> None:
    """Raise for the first True in ``bad`` (one flag per data row)."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise HoopsimDataError(path, _label(raw, i), problem)


def _numbers(path: str, raw: dict, col: str, required: bool) -> pd.arrays.IntegerArray:
    """Integers written as "4", "4.0" or "" (empty only when not required) -> Int64."""
    text = np.asarray(raw[col], dtype=object)
    empty = text == ""
    vals = np.full(len(text), np.nan)
    try:
        vals[~empty] = text[~empty].astype(str).astype(np.float64)
    except ValueError:  # find the bad value(s): numpy's cast does not say which
        for i in np.flatnonzero(~empty):
            try:
                vals[i] = float(text[i])
            except ValueError:
                pass
    ok = np.isfinite(vals) & (np.nan_to_num(vals) % 1 == 0) & (np.abs(np.nan_to_num(vals)) < 2**53)
    bad = ~empty & ~ok
    _fail(path, raw, bad, f"{col} is not an integer: {text[bad][0]!r}" if bad.any() else "")
    if required:
        _fail(path, raw, empty, f"{col} is empty")
    return pd.arrays.IntegerArray(np.where(empty, 0, vals).astype(np.int64), empty)


def _clock(path: str, raw: dict) -> np.ndarray:
    out = np.empty(len(raw["PCTIMESTRING"]))
    for i, v in enumerate(raw["PCTIMESTRING"]):
        m = _CLOCK_RE.match(v)
        if m is None:
            raise HoopsimDataError(path, _label(raw, i), f"PCTIMESTRING {v!r} is not M:SS")
        out[i] = int(m.group(1)) * 60 + float(m.group(2))
    return out


def _scores(path: str, raw: dict) -> tuple[pd.arrays.IntegerArray, ...]:
    """SCORE "V - H" -> visitor and home points; SCOREMARGIN ("TIE" = 0); NA when empty."""
    vis, home, margin = [], [], []
    for i, (s, m) in enumerate(zip(raw["SCORE"], raw["SCOREMARGIN"])):
        match = _SCORE_RE.match(s)
        if s and match is None:
            raise HoopsimDataError(path, _label(raw, i), f"SCORE {s!r} is not 'V - H'")
        vis.append(int(match.group(1)) if match else None)
        home.append(int(match.group(2)) if match else None)
        if m and m != "TIE" and not re.fullmatch(r"-?\d+", m):
            raise HoopsimDataError(path, _label(raw, i), f"SCOREMARGIN {m!r} is not a number")
        margin.append(None if not m else 0 if m == "TIE" else int(m))
    return tuple(pd.array(x, dtype="Int64") for x in (vis, home, margin))


def _normalize(path: str, raw: dict) -> dict[str, object]:
    """Typed columns (numpy or nullable Int64 arrays) in file order; the DataFrame is
    built once at the end of :func:`_derive` (column-wise inserts are slow in pandas)."""
    cols: dict[str, object] = {}
    for rawname, name, kind in COLUMNS:
        if kind in ("int", "int?"):
            cols[name] = _numbers(path, raw, rawname, required=kind == "int")
        elif kind == "str":
            cols[name] = np.array(raw[rawname], dtype=object)
    for name in ("event_num", "msg_type", "action_type", "period"):
        cols[name] = cols[name].to_numpy(dtype=np.int64)
    cols["clock"] = _clock(path, raw)
    cols["score_visitor"], cols["score_home"], cols["score_margin"] = _scores(path, raw)
    _fail(path, raw, cols["period"] < 1, "PERIOD must be >= 1")
    _fail(path, raw, pd.Series(cols["event_num"]).duplicated().to_numpy(), "EVENTNUM repeated")
    cols["file_row"] = np.arange(len(cols["period"]))
    return cols


def _check_game(path: str, cols: dict, raw: dict, wanted: str | None) -> str:
    ids = []
    for i, v in enumerate(raw["GAME_ID"]):
        try:
            ids.append(normalize_game_id(v))
        except ValueError:
            problem = f"GAME_ID {v!r} is not a game id"
            raise HoopsimDataError(path, _label(raw, i), problem) from None
    try:
        gid = normalize_game_id(wanted) if wanted is not None else ids[0]
    except ValueError:
        problem = f"requested game id {wanted!r} is not a game id"
        raise HoopsimDataError(path, "GAME_ID", problem) from None
    _fail(path, raw, np.array(ids) != gid, f"GAME_ID differs from {gid}")
    cols["game_id"] = np.full(len(ids), gid, dtype=object)
    return gid


# ----------------------------------------------------------------------------- derived

def shot_kind(description: str) -> str:
    """Shot kind of a field-goal description (a key of :data:`FILL_DISTANCE_FT`)."""
    d = description.lower()
    return next((kind for kind, word in _SHOT_KEYWORDS if word in d), "other")


def _teams(path: str, p1: np.ndarray, cols: dict, raw: dict) -> tuple[int, int]:
    """Home and visitor team ids: the team of home (4) / visitor (5) players named in any
    of the three person slots, else of home (2) / visitor (3) team rows (PLAYER1_ID is
    then the team id)."""
    team, ids = _ints(cols["player1_team_id"]), _ints(cols["player1_id"])
    others = [(_ints(cols[f"person{k}_type"], 0), _ints(cols[f"player{k}_team_id"]))
              for k in (2, 3)]
    out = []
    for ptype, team_type in ((4, 2), (5, 3)):
        cand = np.concatenate([team[(p1 == ptype) & (team != -1)], ids[p1 == team_type]]
                              + [t[(p == ptype) & (t != -1)] for p, t in others])
        if cand.size == 0:
            raise HoopsimDataError(path, "file", f"no event names the team of PERSON1TYPE {ptype}")
        values, counts = np.unique(cand, return_counts=True)
        main = int(values[np.argmax(counts)])
        bad = (p1 == ptype) & (team != -1) & (team != main)
        _fail(path, raw, bad, f"PERSON1TYPE {ptype} player of a third team (expected {main})")
        out.append(main)
    if out[0] == out[1]:
        raise HoopsimDataError(path, "file", f"home and visitor are the same team {out[0]}")
    return out[0], out[1]


def _derive(path: str, cols: dict, raw: dict) -> pd.DataFrame:
    """Add the derived columns, put rows in logical order, build the DataFrame."""
    p1, n = _ints(cols["person1_type"], 0), len(cols["period"])
    home, visitor = _teams(path, p1, cols, raw)
    cols["home_team_id"], cols["visitor_team_id"] = np.full(n, home), np.full(n, visitor)
    team = np.where(np.isin(p1, (2, 6)), home, np.where(np.isin(p1, (3, 7)), visitor, -1))
    team = np.where(np.isin(p1, (4, 5)), _ints(cols["player1_team_id"]), team)
    cols["team_id"] = pd.arrays.IntegerArray(team.astype(np.int64), team == -1)
    cols["is_home"] = team == home
    descs = zip(cols["home_desc"], cols["neutral_desc"], cols["visitor_desc"])
    # the actor's own description (a block or steal sits in the other team's column)
    actor = [v if t == 5 and v else h if h else h + m + v for t, (h, m, v) in zip(p1, descs)]
    _shots(cols, actor)
    _free_throws(path, cols, actor)
    order = logical_order(cols)
    cols = {k: v[order] for k, v in cols.items()}
    cols["is_offensive_rebound"], cols["is_placeholder_rebound"] = rebound_flags(cols)
    cols["seq"] = np.arange(n)
    return pd.DataFrame(cols)


def _shots(cols: dict, actor: list[str]) -> None:
    fga = np.isin(cols["msg_type"], (1, 2))
    cols["is_three"] = fga & np.array(["3PT" in d for d in actor])
    kind = [shot_kind(d) if f else "" for d, f in zip(actor, fga)]
    parsed = [_DIST_RE.search(d) if f else None for d, f in zip(actor, fga)]
    dist = np.array([float(m.group(1)) if m else np.nan for m in parsed])
    filled = fga & np.isnan(dist)
    fill = np.array([FILL_DISTANCE_FT.get(k, np.nan) for k in kind])
    cols["shot_kind"] = np.array(kind, dtype=object)
    cols["shot_distance_ft"] = np.where(filled, fill, dist)
    cols["distance_is_filled"] = filled


def _free_throws(path: str, cols: dict, actor: list[str]) -> None:
    n = len(actor)
    made, kind = np.zeros(n, bool), np.full(n, "", dtype=object)
    index: list[int | None] = [None] * n
    total: list[int | None] = [None] * n
    for i in np.flatnonzero(cols["msg_type"] == 3):
        d = actor[i]
        m = _FT_RE.search(d)
        kind[i] = (m.group(1) or "regular").lower().replace(" ", "_") if m else "regular"
        if m and m.group(2):
            index[i], total[i] = int(m.group(2)), int(m.group(3))
        scored = _PTS_RE.search(d) is not None
        made[i] = scored and "MISS" not in d
        if not scored and "MISS" not in d:
            log.warning("%s: row %d (EVENTNUM %d): free throw %r is neither MISS nor scored; "
                        "counted as missed", path, i + 1, int(cols["event_num"][i]), d)
    cols["ft_made"], cols["ft_kind"] = made, kind
    cols["ft_index"] = pd.array(index, dtype="Int64")
    cols["ft_total"] = pd.array(total, dtype="Int64")


# ----------------------------------------------------------------------------- points

def points_by_team(pbp: PlayByPlay) -> dict[tuple[int, int], int]:
    """Points per (period, team_id) from event types only (made FG 2/3, made FT 1)."""
    ev = pbp.events
    pts = np.where(ev["msg_type"] == 1, np.where(ev["is_three"], 3, 2), 0)
    pts = pts + np.where((ev["msg_type"] == 3) & ev["ft_made"], 1, 0)
    scoring = pd.DataFrame({"period": ev["period"], "team": ev["team_id"], "pts": pts})[pts > 0]
    sums = scoring.groupby(["period", "team"])["pts"].sum()
    return {(int(p), int(t)): int(v) for (p, t), v in sums.items()}


def check_score(pbp: PlayByPlay) -> list[dict]:
    """Compare cumulative points per team at each period's end with that period's last SCORE.

    Returns one dict per disagreement (period, team_id, from_events, from_score); empty
    when the event log and the SCORE column agree.
    """
    ev = pbp.events
    pts = points_by_team(pbp)
    home, visitor = pbp.home_team_id, pbp.visitor_team_id
    out, total = [], {home: 0, visitor: 0}
    for period in sorted(ev["period"].unique()):
        for team in (home, visitor):
            total[team] += pts.get((int(period), team), 0)
        rows = ev[(ev["period"] == period) & ev["score_home"].notna()]
        if rows.empty:
            continue
        last = rows.iloc[-1]
        for team, col in ((home, "score_home"), (visitor, "score_visitor")):
            if int(last[col]) != total[team]:
                out.append({"period": int(period), "team_id": team,
                            "from_events": total[team], "from_score": int(last[col])})
    return out
