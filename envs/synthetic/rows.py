"""Play-by-play text of the synthetic corpus: structured rows -> stats.nba.com columns.

Rows come from :mod:`envs.synthetic.play` (``kind``, ``clock``, ``frame``, ``team``
the offense 0 visitor / 1 home, ``who`` / ``other`` as (side, k): side 0 the
offense, 1 the defense, k the player index 0..4) plus the period start / end and
opening jump-ball rows added here. :class:`_Book` keeps the running tallies the real
descriptions carry (score, a player's points, fouls, turnovers, steals, rebounds) and
writes each row in the real conventions: EVENTMSGTYPE / EVENTMSGACTIONTYPE codes,
PERSONnTYPE 4/5 for home/visitor players and 2/3 for team rows, SCORE ("visitor -
home") and SCOREMARGIN on scoring rows and period ends.
"""

from __future__ import annotations

from collections import Counter

from engine.logs.pbp import HEADER
from engine.schema import Team
from envs.synthetic.config import free_throw_description, is_layup, shot_description

# kind -> EVENTMSGTYPE
MSG = {"shot_made": 1, "shot_missed": 2, "free_throw": 3, "rebound": 4, "bad_pass": 5,
       "lost_ball": 5, "team_turnover": 5, "foul": 6, "jump": 10, "start": 12, "end": 13}


def row_list(runs, offsets: list[int], seconds_per_period: float) -> list[dict]:
    """Every row of a game in order: per period its start (and the opening jump ball),
    the possessions' rows (frames made game-wide), its end."""
    out = []
    start = int(seconds_per_period)
    for run, off in zip(runs, offsets):
        out.append({"kind": "start", "period": run.period, "clock": start, "frame": off})
        if run.period == 1:
            out.append({"kind": "jump", "period": 1, "clock": start, "frame": off,
                        "team": run.tip_winner})
        out += [{**r, "frame": r["frame"] + off} for r in run.rows]
        out.append({"kind": "end", "period": run.period, "clock": 0,
                    "frame": off + max(run.n_frames - 1, 0)})
    return out


class _Book:
    """Running tallies and the text of each row."""

    def __init__(self, teams: tuple[Team, Team]) -> None:
        self.teams = teams
        self.score = [0, 0]
        self.tally: Counter = Counter()

    def count(self, *key) -> int:
        self.tally[key] += 1
        return self.tally[key]

    def person(self, row: dict, who) -> tuple[int, int]:
        """(side, k) -> (team 0 visitor / 1 home, player index)."""
        side, k = who
        return (row["team"] if side == 0 else 1 - row["team"], k)

    def last(self, tk: tuple[int, int]) -> str:
        return self.teams[tk[0]].players[tk[1]].last_name

    def text(self, row: dict) -> tuple[int, int, list, list[str], bool]:
        """-> (msg, action, people [(team, k) | ("team", t) | None] x3, their
        descriptions, scoring)."""
        kind = row["kind"]
        if kind in ("start", "end"):
            return MSG[kind], 0, [None] * 3, [""] * 3, kind == "end"
        if kind == "jump":
            tip = self.teams[row["team"]].players[0].last_name
            desc = f"Jump Ball {self.last((1, 4))} vs. {self.last((0, 4))}: Tip to {tip}"
            return 10, 0, [(1, 4), (0, 4), (row["team"], 0)], [desc, "", ""], False
        me = self.person(row, row["who"]) if "who" in row else None
        return getattr(self, f"_{kind}")(row, me)

    def _shot(self, row, me):
        value = 3 if row["three"] else 2
        if row["made"]:
            self.tally[("pts", *me)] += value
            self.score[me[0]] += value
        pts = self.tally[("pts", *me)]
        desc = shot_description(self.last(me), row["distance_ft"], row["three"], row["made"], pts)
        layup = is_layup(row["distance_ft"], row["three"])
        msg = 1 if row["made"] else 2
        return msg, 5 if layup else 1, [me, None, None], [desc, "", ""], row["made"]

    def _free_throw(self, row, me):
        if row["made"]:
            self.tally[("pts", *me)] += 1
            self.score[me[0]] += 1
        i, n = row["index"], row["total"]
        action = 10 if n == 1 else (10 + i if n == 2 else 12 + i)
        desc = free_throw_description(self.last(me), i, n, row["made"], self.tally[("pts", *me)])
        return 3, action, [me, None, None], [desc, "", ""], row["made"]

    def _foul(self, row, me):
        """A shooting foul (``S.FOUL``, action 2) or, with ``shooting=False``, a personal
        foul (``P.FOUL``, action 1) whose team count reads ``PN`` in the bonus."""
        fouled = self.person(row, row["other"])
        shooting = row.get("shooting", True)
        team = "PN" if row.get("bonus") else f"T{self.count('tf', me[0], row['period'])}"
        if row.get("bonus"):
            self.count("tf", me[0], row["period"])
        desc = f"{self.last(me)} {'S' if shooting else 'P'}.FOUL (P{self.count('pf', *me)}.{team})"
        return 6, 2 if shooting else 1, [me, fouled, None], [desc, "", ""], False

    def _rebound(self, row, me):
        self.count("oreb" if row["offensive"] else "dreb", *me)
        desc = (f"{self.last(me)} REBOUND (Off:{self.tally[('oreb', *me)]} "
                f"Def:{self.tally[('dreb', *me)]})")
        return 4, 0, [me, None, None], [desc, "", ""], False

    def _steal_turnover(self, row, me, what: str, action: int):
        thief = self.person(row, row["other"])
        desc = f"{self.last(me)} {what} Turnover (P{self.count('to', *me)}.T{self.count('tto', me[0])})"
        steal = f"{self.last(thief)} STEAL ({self.count('stl', *thief)} STL)"
        return 5, action, [me, thief, None], [desc, steal, ""], False

    def _bad_pass(self, row, me):
        return self._steal_turnover(row, me, "Bad Pass", 1)

    def _lost_ball(self, row, me):
        return self._steal_turnover(row, me, "Lost Ball", 2)

    def _team_turnover(self, row, me):
        team = row["team"]
        nick = self.teams[team].name.split()[-1]
        desc = f"{nick} Turnover: Shot Clock (T#{self.count('tto', team)})"
        return 5, 11, [("team", team), None, None], [desc, "", ""], False


def pbp_columns(rows: list[dict], gid: str, teams: tuple[Team, Team]) -> dict[str, list[str]]:
    """Raw play-by-play columns (HEADER -> strings) in the real file's conventions."""
    book = _Book(teams)
    cols: dict[str, list[str]] = {h: [] for h in HEADER}
    for num, r in enumerate(rows, start=1):
        msg, action, people, descs, scoring = book.text(r)
        row = dict.fromkeys(HEADER, "")
        clock = int(r["clock"])
        row.update(GAME_ID=gid, EVENTNUM=str(num), EVENTMSGTYPE=str(msg),
                   EVENTMSGACTIONTYPE=str(action), PERIOD=str(r["period"]),
                   WCTIMESTRING="7:30 PM", PCTIMESTRING=f"{clock // 60}:{clock % 60:02d}")
        for k, (who, desc) in enumerate(zip(people, descs), start=1):
            _person(row, k, who, desc, teams)
        if scoring:
            v, h = book.score
            row["SCORE"] = f"{v} - {h}"
            row["SCOREMARGIN"] = "TIE" if v == h else str(h - v)
        for key, val in row.items():
            cols[key].append(val)
    return cols


def _person(row: dict, k: int, who, desc: str, teams: tuple[Team, Team]) -> None:
    """Fill PERSONkTYPE, PLAYERk_* and the team's description column."""
    suffix = ".0" if k == 1 else ""
    if who is None:
        row.update({f"PERSON{k}TYPE": "0" + suffix, f"PLAYER{k}_ID": "0"})
        return
    if who[0] == "team":
        team = who[1]
        row.update({f"PERSON{k}TYPE": ("3" if team == 0 else "2") + suffix,
                    f"PLAYER{k}_ID": str(teams[team].team_id)})
    else:
        team, idx = who
        p, t = teams[team].players[idx], teams[team]
        row.update({f"PERSON{k}TYPE": ("5" if team == 0 else "4") + suffix,
                    f"PLAYER{k}_ID": str(p.player_id), f"PLAYER{k}_NAME": f"{p.first_name} {p.last_name}",
                    f"PLAYER{k}_TEAM_ID": f"{t.team_id}.0", f"PLAYER{k}_TEAM_CITY": t.name.split()[0],
                    f"PLAYER{k}_TEAM_NICKNAME": t.name.split()[1],
                    f"PLAYER{k}_TEAM_ABBREVIATION": t.abbreviation})
    if desc:
        row["VISITORDESCRIPTION" if team == 0 else "HOMEDESCRIPTION"] = desc
