"""Possessions from play-by-play alone.

:func:`segment_possessions` walks each period's events in logical order
(:attr:`engine.logs.pbp.PlayByPlay.events`) and cuts them into possessions: spells in which
one team has the ball. Rules:

* **Start of a period.** The first possession belongs to the first team that shows it
  has the ball: the receiver of the opening jump ball (period 1 and overtimes), else the
  team of the first field-goal attempt, free throw, turnover or rebound (alternating
  possession in periods 2-4 is not logged). Its span starts at the period's first event.
* **Made field goal** ends the possession (``made2`` / ``made3``), unless the same team
  then shoots a ``1 of 1`` free throw before the other team does anything (an and-one):
  the possession then runs to the end of that trip and keeps the made2/made3 outcome,
  its points including the free throw. A turnover by the scorers at the basket's clock
  (a lane violation on the and-one) is counted in ``n_tov`` but keeps the outcome.
* **Free-throw trip** (regular ``k of n``, n >= 2): a made last free throw ends the
  possession (``free_throws``); a missed last one is live: an offensive rebound continues
  the possession, a defensive one ends it (still ``free_throws``: the trip ended it).
  A lone ``1 of 1`` that is no and-one (away-from-play or loose-ball foul) ends it when
  made unless the same team shows the ball next (it kept the ball), and is live when
  missed. Flagrant and clear-path free throws never end it: the fouled team keeps the
  ball. Technical free throws are outside possessions: their points (and attempts) go
  to the shooting team's possession under way, else to its next one in the period, else
  to its last one in the period, so that points per team always add up to
  :func:`engine.logs.pbp.points_by_team`.
* **Missed field goal**: an offensive rebound (team rebounds included) continues the
  possession (``n_oreb``); a defensive one ends it (``missed_dreb``). Rebounds that are
  bookkeeping placeholders after a dead-ball free-throw miss are ignored, and so are
  rebound rows with no live miss before them.
* **Turnover** (team turnovers such as shot-clock violations included) ends it
  (``turnover``). "X No Turnover (P1.T5)" rows are turnovers of unrecorded type (they
  raise the player's turnover tally, and the other team has the ball next).
* **Jump ball** (receiver: PLAYER3, a player or a team) won by the other team ends it:
  as a defensive rebound would when a miss was in the air (a held ball on the rebound),
  else as ``violation`` (the ball changed hands without a turnover); a jump-ball violation
  gives the ball to the violator's opponents the same way. When a turnover follows at
  the same clock (2015-16 logs a lost held ball as jump ball + "Lost Ball Turnover"),
  the turnover alone counts. Other violation rows (kicked ball, lane, defensive
  goaltending, delay of game) never change possession: offensive violations are logged
  as turnovers.
* **End of period** ends the possession under way (``end_of_period``; a made basket or a
  defensive rebound just before keeps its own outcome). A possession that would only
  begin after the last possession-changing event is dropped when nothing at all happens
  in it (no shot, free throw, foul, turnover, violation, rebound or jump ball).
* **Gaps in the log.** When a team shows it has the ball while the other team's
  possession is still live (a rebound or turnover was not logged), that possession is
  closed at the previous event as a defensive rebound would close it when a miss was
  pending, else as ``turnover``, and flagged ``end_inferred``. When a team that has
  just scored shows the ball again with no event of the other team in between, the other
  team's possession left no trace: none is invented, and the scoring possession is
  flagged ``end_inferred``.
  (All 560 real games: 3 flagged possessions in 107,429.)

Every possession's span runs from the event after the previous possession's end
(``start_event_num``; the period's first event for the first one) to the event that
ended it (``end_event_num``); ``start_clock`` is the clock when the ball changed hands and
``end_clock`` the clock of the ending event (seconds left in the period). Spans tile the
period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.logs.pbp import EventType, PlayByPlay

log = logging.getLogger(__name__)

OUTCOMES = ("made2", "made3", "free_throws", "missed_dreb", "turnover", "violation",
            "end_of_period")
COLUMNS = ["game_id", "period", "poss_index", "offense_team_id", "defense_team_id",
           "start_clock", "end_clock", "start_event_num", "end_event_num", "outcome",
           "points", "n_fga", "n_oreb", "n_fta", "n_tov", "shot_event_nums", "event_nums",
           "end_inferred"]
# Events that show something happened in a possession (see "End of period" above).
_ACTION_TYPES = (1, 2, 3, 4, 5, 6, 7, 10)
_TELLING_TYPES = (1, 2, 3, 4, 5, 10)  # events that show who has the ball
_JUMP_BALL_VIOLATION = 4  # EVENTMSGACTIONTYPE of "Violation:Jump Ball" (6 is "Double Lane")


@dataclass
class _Poss:
    """A possession being built; positions index the period's event arrays."""

    offense: int
    start: int
    points: int = 0
    n_fga: int = 0
    n_oreb: int = 0
    n_fta: int = 0
    n_tov: int = 0
    shots: list[int] = field(default_factory=list)
    ended: tuple[str, int] | None = None   # (outcome, position) of a basket or last made FT
    live_miss: str | None = None           # outcome if the defense rebounds the live miss
    and_one: str | None = None             # made2/made3 whose and-one trip is under way
    soft_end: bool = False                 # ended by a lone free throw: may keep the ball
    outcome: str = ""
    end: int = -1
    inferred: bool = False


class _Period:
    """Walks one period's events (logical order) and collects its possessions."""

    def __init__(self, ev: dict[str, np.ndarray], teams: tuple[int, int]):
        self.ev, self.teams = ev, teams
        self.type, self.team, self.clock = ev["msg_type"], ev["team_id"], ev["clock"]
        self.cur: _Poss | None = None
        self.next_start = 0
        self.done: list[_Poss] = []
        self.credit: dict[int, list[int]] = {}  # team -> [points, attempts] of technicals

    def other(self, team: int) -> int:
        return self.teams[1] if team == self.teams[0] else self.teams[0]

    def run(self) -> list[_Poss]:
        placeholder, receiver = self.ev["is_placeholder_rebound"], self.ev["jump_receiver"]
        action = self.ev["action_type"]
        for i, t in enumerate(self.type.tolist()):
            if t in (EventType.MADE_FG, EventType.MISSED_FG):
                self.field_goal(i)
            elif t == EventType.FREE_THROW:
                self.free_throw(i)
            elif t == EventType.REBOUND and not placeholder[i] and self.team[i] >= 0:
                self.rebound(i)
            elif t == EventType.TURNOVER and self.team[i] >= 0:
                self.turnover(i)
            elif t == EventType.JUMP_BALL and receiver[i] >= 0:
                self.jump_ball(i, int(receiver[i]))
            elif (t == EventType.VIOLATION and action[i] == _JUMP_BALL_VIOLATION
                  and self.team[i] >= 0):  # the violator's opponents get the ball
                self.jump_ball(i, self.other(int(self.team[i])))
        self.finish()
        return self.done

    # -- bookkeeping
    def open(self, team: int, start: int) -> _Poss:
        self.cur = _Poss(team, start)
        return self.cur

    def close(self, outcome: str, end: int, inferred: bool = False) -> None:
        c = self.cur
        pts, fta = self.credit.pop(c.offense, (0, 0))  # technicals owed to this team
        c.points, c.n_fta = c.points + pts, c.n_fta + fta
        c.outcome, c.end, c.inferred = outcome, end, inferred
        self.done.append(c)
        self.cur, self.next_start = None, end + 1

    def ensure(self, team: int, i: int) -> _Poss:
        """Make ``team`` the offense at event ``i`` and return its possession."""
        c = self.cur
        if c is not None and c.ended is not None and c.soft_end and c.offense == team:
            c.ended, c.soft_end = None, False  # away-from-play free throw: ball kept
        if c is not None and c.ended is not None:
            self.close(*c.ended)
            c = self.open(self.other(c.offense), self.next_start)
        if c is None:
            return self.open(team, self.next_start)
        if c.offense == team:
            return c
        if not np.isin(self.type[c.start:i], _TELLING_TYPES).any():
            # the other team's possession left no shot, free throw, rebound, turnover or
            # jump ball: the log misses it, and none is invented
            if self.done:
                self.done[-1].inferred = True
            return self.open(team, self.next_start)
        self.close(c.live_miss or "turnover", i - 1, inferred=True)
        return self.open(team, i)

    # -- events
    def field_goal(self, i: int) -> None:
        c = self.ensure(int(self.team[i]), i)
        c.n_fga += 1
        c.shots.append(int(self.ev["event_num"][i]))
        c.and_one = None
        if self.type[i] == EventType.MADE_FG:
            three = bool(self.ev["is_three"][i])
            c.points += 3 if three else 2
            c.ended, c.live_miss, c.soft_end = ("made3" if three else "made2", i), None, False
        else:
            c.live_miss = "missed_dreb"

    def free_throw(self, i: int) -> None:
        team, ev = int(self.team[i]), self.ev
        made, kind = bool(ev["ft_made"][i]), ev["ft_kind"][i]
        index, total = int(ev["ft_index"][i]), int(ev["ft_total"][i])
        if kind == "technical" or total < 1:
            self.technical(team, made)
            return
        c = self.cur
        single = kind == "regular" and total == 1
        if (c is not None and c.ended is not None and c.offense == team
                and (single or kind != "regular")):
            # the scoring team shoots again: an and-one, or it keeps the ball (flagrant,
            # clear path, away-from-play or loose-ball single free throw)
            if single and c.ended[0] in ("made2", "made3"):
                c.and_one = c.ended[0]
            c.ended = None
        c = self.ensure(team, i)
        c.n_fta += 1
        c.points += int(made)
        c.live_miss = None
        if kind != "regular" or index != total:
            return
        outcome = c.and_one or "free_throws"
        if not made:
            c.live_miss = outcome
        else:
            c.ended, c.soft_end = (outcome, i), single and c.and_one is None

    def technical(self, team: int, made: bool) -> None:
        c = self.cur
        if c is not None and c.offense == team:
            c.points += int(made)
            c.n_fta += 1
        else:
            owed = self.credit.setdefault(team, [0, 0])
            owed[0] += int(made)
            owed[1] += 1

    def rebound(self, i: int) -> None:
        team, c = int(self.team[i]), self.cur
        if c is None:
            self.open(team, self.next_start)
        elif c.live_miss is None:
            return  # no live miss: a duplicate or stray rebound row changes nothing
        elif c.offense == team:
            c.n_oreb += 1
            c.live_miss = None
        else:
            self.close(c.live_miss, i)
            self.open(team, i + 1)

    def turnover(self, i: int) -> None:
        team, c = int(self.team[i]), self.cur
        if (c is not None and c.ended is not None and c.offense == team
                and self.clock[c.ended[1]] == self.clock[i]):
            c.n_tov += 1  # e.g. a lane violation on the and-one free throw: the basket counts
            return
        c = self.ensure(team, i)
        c.n_tov += 1
        self.close("turnover", i)
        self.open(self.other(team), i + 1)

    def jump_ball(self, i: int, receiver: int) -> None:
        if self.turnover_follows(i):
            return  # a held ball logged as jump ball + lost-ball turnover: the turnover counts
        c = self.cur
        if c is not None and c.ended is not None:
            self.close(*c.ended)
            c = self.open(self.other(c.offense), self.next_start)
        if c is None:
            self.open(receiver, self.next_start)
        elif c.offense == receiver:
            c.live_miss = None
        else:
            self.close(c.live_miss or "violation", i)
            self.open(receiver, i + 1)

    def turnover_follows(self, i: int) -> bool:
        """Is the next shot, free throw or turnover at event ``i``'s clock a turnover?"""
        for j in range(i + 1, len(self.type)):
            if self.clock[j] != self.clock[i]:
                return False
            if self.type[j] in (1, 2, 3, 5) and self.team[j] >= 0:
                return self.type[j] == EventType.TURNOVER
        return False

    def finish(self) -> None:
        c = self.cur
        if c is not None and c.ended is not None:
            self.close(*c.ended)
            c = self.open(self.other(c.offense), self.next_start)
        if c is not None:
            acted = np.isin(self.type[c.start:], _ACTION_TYPES).any()
            if acted or c.points or c.n_fta or c.n_fga or c.n_tov:
                self.close("end_of_period", len(self.type) - 1)
        for team, (pts, fta) in self.credit.items():
            # technicals with no later possession of their team go to its last one
            own = [p for p in self.done if p.offense == team]
            if not own:
                log.warning("technical free throws of team %d in a period without its "
                            "possession: %d points not attributed", team, pts)
                continue
            own[-1].points += pts
            own[-1].n_fta += fta
        self.credit = {}


def _arrays(ev: pd.DataFrame, teams: tuple[int, int]) -> dict[str, np.ndarray]:
    """The columns the walk needs, as numpy (element access to pandas is slow)."""
    p3 = ev["person3_type"].fillna(0).to_numpy(dtype=np.int64)
    receiver = np.where(np.isin(p3, (2, 4)), teams[0],
                        np.where(np.isin(p3, (3, 5)), teams[1], -1))
    out = {c: ev[c].to_numpy() for c in ("msg_type", "action_type", "event_num", "period",
                                          "clock", "is_three", "ft_made",
                                          "is_placeholder_rebound")}
    out["ft_kind"] = ev["ft_kind"].to_numpy(dtype=object)
    for c in ("team_id", "ft_index", "ft_total"):
        out[c] = ev[c].fillna(-1).to_numpy(dtype=np.int64)
    # the team that won a jump ball is PLAYER3's ("Tip to" a player, or to a team: 2/3)
    out["jump_receiver"] = np.where(out["msg_type"] == EventType.JUMP_BALL, receiver, -1)
    return out


def _rows(ev: dict[str, np.ndarray], found: list[_Poss], teams: tuple[int, int]) -> list[dict]:
    nums, clock = ev["event_num"], ev["clock"]
    rows = []
    for poss in found:
        outcome, end, inferred = poss.outcome, poss.end, poss.inferred
        start_clock = clock[poss.start - 1] if poss.start > 0 else clock[0]
        rows.append({
            "period": int(ev["period"][0]), "offense_team_id": poss.offense,
            "defense_team_id": teams[1] if poss.offense == teams[0] else teams[0],
            "start_clock": float(start_clock), "end_clock": float(clock[end]),
            "start_event_num": int(nums[min(poss.start, end)]), "end_event_num": int(nums[end]),
            "outcome": outcome, "points": poss.points, "n_fga": poss.n_fga,
            "n_oreb": poss.n_oreb, "n_fta": poss.n_fta, "n_tov": poss.n_tov,
            "shot_event_nums": poss.shots, "event_nums": nums[poss.start:end + 1].tolist(),
            "end_inferred": inferred})
    return rows


def segment_possessions(pbp: PlayByPlay, periods: list[int] | None = None) -> pd.DataFrame:
    """One row per possession (columns :data:`COLUMNS`; rules in the module docstring).

    ``periods`` restricts the output to those periods (None: all). Clocks are seconds
    left in the period; ``points`` counts every point the offense scored in it. Besides
    the usual columns, ``event_nums`` lists the EVENTNUMs of the possession's span
    (logical order) and ``end_inferred`` flags ends read from gaps in the log.
    """
    teams = (pbp.home_team_id, pbp.visitor_team_id)
    ev = _arrays(pbp.events, teams)
    bounds = np.flatnonzero(np.diff(ev["period"])) + 1  # events are grouped by period
    rows: list[dict] = []
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(ev["period"])]):
        if periods is not None and int(ev["period"][lo]) not in periods:
            continue
        part = {k: v[lo:hi] for k, v in ev.items()}
        rows += _rows(part, _Period(part, teams).run(), teams)
    out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("game_id", "poss_index")])
    out.insert(0, "game_id", pbp.game_id)
    out.insert(2, "poss_index", np.arange(len(out)))
    n_inferred = int(out["end_inferred"].sum())
    if n_inferred:
        log.info("game %s: %d possession ends inferred from gaps in the log", pbp.game_id,
                 n_inferred)
    return out
