"""Logical order of play-by-play rows and rebound flags (used by engine.logs.pbp).

Neither file order nor EVENTNUM is trusted blindly at equal clocks; see
:func:`logical_order`.
"""

from __future__ import annotations

import itertools
import logging
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# Turnovers take part so that "rebound, turnover, other team's shot" at one clock passes.
_CHAIN_TYPES = (1, 2, 3, 4, 5)
_MAX_PERMUTED = 7  # larger equal-clock groups are kept as listed (7! = 5040 orders)


def int_array(values: object, missing: int = -1) -> np.ndarray:
    """A nullable Int64 column (Series or array) as int64 numpy, NA -> ``missing``."""
    return pd.array(values, dtype="Int64").fillna(missing).to_numpy(dtype=np.int64)

class _Chain(NamedTuple):
    """A shot, free throw, rebound or turnover, as the ordering rules see it."""

    pos: int
    msg_type: int
    team: int
    miss: bool
    clock: float
    ft: tuple[int, int]  # (index, total); (0, 0) when not a numbered free throw
    event_num: int
    file_row: int
    player: int


def logical_order(cols: Mapping[str, object]) -> np.ndarray:
    """Row positions of ``cols`` (a DataFrame, or a dict of its column arrays) in the order
    the events happened.

    Rows are sorted by period (start-of-period first, end-of-period last), clock
    descending, then source-file order (EVENTNUM when the file is not in chronological
    order). Neither file order nor EVENTNUM is trusted blindly at equal clocks: in each
    equal-clock group the shots, free throws, rebounds and turnovers are checked against
    the rules of play (a rebound follows a miss; a field goal never follows a miss without
    a rebound; a field goal at the clock of a rebound is the rebounding team's; a
    shooter's "k of n" follows his "k-1 of n"). Where the file
    order breaks a rule and a permutation of that group breaks fewer, the permutation
    closest to EVENTNUM order is used (real case: putback, rebound, miss listed in reverse
    at 8:04 in game 0021500061).
    """
    mt, clock0, period0 = (np.asarray(cols[c]) for c in ("msg_type", "clock", "period"))
    # File order breaks ties only when the file is itself chronological (the real files
    # are, and it beats EVENTNUM there: 4 equal-clock repairs against ~2,300); rows in
    # any other order carry no information, and EVENTNUM (logging order) is used.
    step_p, step_c = np.diff(period0), np.diff(clock0)
    chronological = bool(np.all((step_p > 0) | ((step_p == 0) & (step_c <= 0))))
    tie = np.asarray(cols["file_row"] if chronological else cols["event_num"])
    order = np.lexsort((tie, -clock0, mt == 13, mt != 12, period0))
    return _repair(cols, order)


def _repair(cols: Mapping[str, object], order: np.ndarray) -> np.ndarray:
    """``order`` with each equal-clock group's chain events put right (logical_order)."""
    out, mt = order.copy(), np.asarray(cols["msg_type"])
    period, clock = np.asarray(cols["period"])[order], np.asarray(cols["clock"])[order]
    slots = np.flatnonzero(np.isin(mt[order], _CHAIN_TYPES))
    recs = _chain_records(cols, order[slots])
    done: list[_Chain] = []  # chain events of the period so far, in their final order
    i = 0
    while i < len(slots):
        j = i
        while (j + 1 < len(slots) and period[slots[j + 1]] == period[slots[i]]
               and clock[slots[j + 1]] == clock[slots[i]]):
            j += 1
        if i > 0 and period[slots[i]] != period[slots[i - 1]]:
            done = []
        same_period_next = j + 1 < len(slots) and period[slots[j + 1]] == period[slots[i]]
        group = recs[i:j + 1]
        if j > i:  # only groups of two or more can be out of order
            group = _best_order(done[-4:], group, recs[j + 1] if same_period_next else None)
        out[slots[i:j + 1]] = [e.pos for e in group]
        done += group
        i = j + 1
    return out


def _chain_records(cols: Mapping[str, object], pos: np.ndarray) -> list[_Chain]:
    """Records of the rows at ``pos`` (numpy first: element access to pandas is slow)."""
    mt = np.asarray(cols["msg_type"])[pos]
    team, player = int_array(cols["team_id"])[pos], int_array(cols["player1_id"])[pos]
    idx, tot = int_array(cols["ft_index"], 0)[pos], int_array(cols["ft_total"], 0)[pos]
    miss = (mt == 2) | ((mt == 3) & ~np.asarray(cols["ft_made"], dtype=bool)[pos])
    clock, num = np.asarray(cols["clock"])[pos], np.asarray(cols["event_num"])[pos]
    row = np.asarray(cols["file_row"])[pos]
    return [_Chain(int(pos[k]), int(mt[k]), int(team[k]), bool(miss[k]), float(clock[k]),
                   (int(idx[k]), int(tot[k])), int(num[k]), int(row[k]), int(player[k]))
            for k in range(len(pos))]


def _violations(history: list[_Chain], seq: list[_Chain] | tuple[_Chain, ...]) -> int:
    """Rules of play broken by ``seq`` when it follows ``history`` (earlier chain events)."""
    bad, prev, solid = 0, None, None  # solid: last event that is no rebound or technical
    for k, e in enumerate([*history, *seq]):
        judged = k >= len(history)
        if judged and e.msg_type == 4:
            bad += prev is None or not prev.miss
        if judged and e.msg_type in (1, 2) and prev is not None:
            bad += prev.msg_type == 2
            bad += prev.msg_type == 4 and prev.clock == e.clock and prev.team != e.team
        if judged and e.ft[0] > 1:  # a trip's free throws are consecutive
            before = (e.ft[0] - 1, e.ft[1])
            bad += solid is None or solid.player != e.player or solid.ft != before
        prev = e
        if e.msg_type != 4 and not (e.msg_type == 3 and e.ft == (0, 0)):
            solid = e
    return bad


def _inversions(seq: tuple[_Chain, ...], field: str) -> int:
    v = [getattr(e, field) for e in seq]
    return sum(a > b for i, a in enumerate(v) for b in v[i + 1:])


def _best_order(history: list[_Chain], group: list[_Chain], nxt: _Chain | None
                ) -> list[_Chain]:
    """The group as listed, unless a permutation breaks fewer rules (see logical_order).

    The next group's first event only breaks ties: it may itself be out of order.
    """
    current = _violations(history, group)
    if current == 0 or len(group) > _MAX_PERMUTED:
        return group
    tail = [nxt] if nxt is not None else []
    best = list(min(itertools.permutations(group), key=lambda p: (
        _violations(history, p), _violations(history, [*p, *tail]),
        _inversions(p, "event_num"), _inversions(p, "file_row"))))
    if _violations(history, best) >= current:
        return group
    log.debug("reordered equal-clock events %s -> %s", [e.event_num for e in group],
              [e.event_num for e in best])
    return best


def rebound_flags(cols: Mapping[str, object]) -> tuple[np.ndarray, np.ndarray]:
    """(is_offensive_rebound, is_placeholder_rebound) per row of logically ordered events
    (a DataFrame or a dict of its column arrays).

    The miss a rebound belongs to is the last missed field goal or free throw before it in
    the period. After a missed non-final, technical, flagrant or clear-path free throw the
    ball is dead (another shot follows, or the fouled team keeps the ball): the rebound
    logged there is a bookkeeping placeholder, neither offensive nor defensive.
    """
    mt, period = np.asarray(cols["msg_type"]), np.asarray(cols["period"])
    team, made = int_array(cols["team_id"]), np.asarray(cols["ft_made"])
    kind = np.asarray(cols["ft_kind"])
    idx, tot = int_array(cols["ft_index"], 0), int_array(cols["ft_total"], 0)
    off, placeholder = np.zeros(len(mt), bool), np.zeros(len(mt), bool)
    last: tuple[int, bool] | None = None  # (team of the miss, dead ball after it)
    for i in range(len(mt)):
        if i and period[i] != period[i - 1]:
            last = None
        if mt[i] == 1 or (mt[i] == 3 and made[i]):
            last = None
        elif mt[i] == 2:
            last = (team[i], False)
        elif mt[i] == 3:
            dead = kind[i] != "regular" or idx[i] == 0 or idx[i] < tot[i]
            last = (team[i], bool(dead))
        elif mt[i] == 4 and last is not None:
            placeholder[i] = last[1]
            off[i] = not last[1] and team[i] >= 0 and team[i] == last[0]
    return off, placeholder
