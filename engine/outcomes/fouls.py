"""Fouls and possession ends read from the play-by-play, for the simulator's rules.

* **And-ones**: a made field goal followed, at the same clock and before the other team
  acts, by a regular ``1 of 1`` free throw of the scoring team (the rule of
  engine.possessions.from_pbp). ``and_one_rate`` = and-ones / made field goals.
* **Shooting fouls on misses**: the 2015-16 log writes no field-goal row for a missed
  shot that drew a shooting foul (only the foul and the trip), so the rate per missed
  attempt is (shooting fouls - and-ones) / (missed FGA + shooting fouls - and-ones).
* **Non-shooting defensive fouls**: personal, loose-ball, personal-block and take fouls
  (EVENTMSGACTIONTYPE :data:`NONSHOOTING_FOUL_ACTIONS`) by the team without the ball
  (the defense of the possession the row belongs to). ``bonus``: a regular trip of two or
  more free throws of the fouled team follows at the same clock (the team was in the
  penalty); otherwise the fouled team inbounds (a side-out).
* **Logged end of a shot's possession** (:func:`pbp_shot_ends`): the clock (s left in
  the period) of the row where a possession ending with that shot is logged: the made
  shot's own row, or the rebound row of a missed one (the possession's end of
  engine.possessions.from_pbp), NaN otherwise (the next live rebound is not there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.logs.pbp import EventType, PlayByPlay

# P.FOUL (1), L.B.FOUL (3), Personal Block Foul (27), Personal Take Foul (28), checked
# against the descriptions of the real logs; offensive fouls are turnovers already.
NONSHOOTING_FOUL_ACTIONS = (1, 3, 27, 28)


def _same_clock_rows(clock: np.ndarray, period: np.ndarray, i: int):
    """Rows after ``i`` logged at the same clock and period."""
    j = i + 1
    while j < len(clock) and clock[j] == clock[i] and period[j] == period[i]:
        yield j
        j += 1


def _is_trip(ev: dict, j: int, team: int, min_total: int) -> bool:
    return (ev["msg_type"][j] == EventType.FREE_THROW and ev["team"][j] == team
            and ev["ft_kind"][j] == "regular" and ev["ft_total"][j] >= min_total)


def _arrays(pbp: PlayByPlay) -> dict[str, np.ndarray]:
    e = pbp.events
    return {"msg_type": e["msg_type"].to_numpy(), "action": e["action_type"].fillna(-1).to_numpy(int),
            "clock": e["clock"].to_numpy(float), "period": e["period"].to_numpy(int),
            "team": e["team_id"].fillna(-1).to_numpy(np.int64),
            "ft_kind": e["ft_kind"].fillna("").to_numpy(object),
            "ft_total": e["ft_total"].fillna(0).to_numpy(int),
            "placeholder": e["is_placeholder_rebound"].to_numpy(bool),
            "event_num": e["event_num"].to_numpy(np.int64)}


def pbp_shot_ends(pbp: PlayByPlay) -> pd.DataFrame:
    """Per field-goal attempt: game_id, event_num, and_one (bool), end_clock (s left in
    the period where a possession ending with this shot is logged; module docstring)."""
    ev = _arrays(pbp)
    rows, pending = [], None
    for i, msg in enumerate(ev["msg_type"]):
        if msg == EventType.MADE_FG:
            and_one = any(_is_trip(ev, j, ev["team"][i], 1) and ev["ft_total"][j] == 1
                          for j in _same_clock_rows(ev["clock"], ev["period"], i))
            rows.append((ev["event_num"][i], and_one, ev["clock"][i]))
            pending = None
        elif msg == EventType.MISSED_FG:
            rows.append((ev["event_num"][i], False, np.nan))
            pending = len(rows) - 1
        elif msg == EventType.FREE_THROW:
            pending = None
        elif msg == EventType.REBOUND and not ev["placeholder"][i] and pending is not None:
            rows[pending] = (rows[pending][0], False, ev["clock"][i])
            pending = None
    out = pd.DataFrame(rows, columns=["event_num", "and_one", "end_clock"])
    out.insert(0, "game_id", pbp.game_id)
    return out.astype({"event_num": np.int64, "and_one": bool, "end_clock": float})


def pbp_foul_counts(pbp: PlayByPlay, poss: pd.DataFrame) -> dict[str, int]:
    """One game's foul counts: made_fga, and_ones, nonshooting_fouls and the bonus ones
    among them (nonshooting_bonus). poss: engine.possessions.from_pbp.segment_possessions
    of the same game (who has the ball at each row)."""
    ev = _arrays(pbp)
    offense = {(int(p), int(n)): int(t) for p, t, nums in
               zip(poss["period"], poss["offense_team_id"], poss["event_nums"]) for n in nums}
    made = ev["msg_type"] == EventType.MADE_FG
    and_ones = int(pbp_shot_ends(pbp)["and_one"].sum())
    fouls, bonus = 0, 0
    for i in np.flatnonzero((ev["msg_type"] == EventType.FOUL)
                            & np.isin(ev["action"], NONSHOOTING_FOUL_ACTIONS)):
        off = offense.get((int(ev["period"][i]), int(ev["event_num"][i])))
        if off is None or ev["team"][i] in (off, -1):
            continue
        fouls += 1
        bonus += any(_is_trip(ev, j, off, 2) for j in _same_clock_rows(ev["clock"], ev["period"], i))
    return {"made_fga": int(made.sum()), "and_ones": and_ones, "nonshooting_fouls": fouls,
            "nonshooting_bonus": bonus}
