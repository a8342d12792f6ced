"""Possession segmentation from play-by-play: one hand-written snippet per rule, then
evidence over every real game (counts, the FGA - OREB + TOV + 0.44 FTA estimate, points)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from engine.logs.pbp import points_by_team, read_pbp
from engine.possessions.from_pbp import COLUMNS, OUTCOMES, segment_possessions
from tests.engine.logs.test_pbp import HOME, VIS, Snippet

log = logging.getLogger(__name__)


def _check_invariants(pbp, poss: pd.DataFrame) -> None:
    """Spans tile each period, outcomes are known, points add up to the event log."""
    assert list(poss.columns) == COLUMNS
    assert poss["outcome"].isin(OUTCOMES).all()
    # a possession that ends in a made field goal scored at least its value
    assert (poss["points"] >= poss["outcome"].map({"made2": 2, "made3": 3}).fillna(0)).all()
    got = poss.groupby(["period", "offense_team_id"])["points"].sum()
    assert {k: v for k, v in got.items() if v} == points_by_team(pbp)
    ev = pbp.events
    for period, part in poss.groupby("period"):
        nums = [n for lst in part["event_nums"] for n in lst]
        period_nums = ev.loc[ev["period"] == period, "event_num"].tolist()
        assert nums == period_nums[:len(nums)]  # consecutive, no overlap, no hole
        assert (part["start_clock"] >= part["end_clock"]).all()
        starts, ends = part["start_clock"].to_numpy(), part["end_clock"].to_numpy()
        assert (starts[1:] == ends[:-1]).all()
    assert (poss["defense_team_id"] != poss["offense_team_id"]).all()


def _segment(tmp_path, snippet: Snippet, periods=None) -> pd.DataFrame:
    pbp = read_pbp(snippet.write(tmp_path / f"{snippet.game_id}.csv"))
    poss = segment_possessions(pbp, periods)
    _check_invariants(pbp, poss)
    return poss


def _start(tip_to: str = "V") -> Snippet:
    s = Snippet().add(12, clock="12:00")
    pid = 11 if tip_to == "V" else 3
    return s.add(10, "Jump Ball Gasol vs. Mozgov: Tip to X", "H", "12:00", pid=1, p3=(tip_to, pid))


def test_opening_jump_ball_gives_first_possession(tmp_path):
    s = _start("V").add(2, "MISS James 20' Jump Shot", "V", "11:40", pid=11)
    s.add(4, "Rose REBOUND (Off:0 Def:1)", "H", "11:39", pid=3)
    s.add(2, "MISS Rose 20' Jump Shot", "H", "0:01", pid=3).add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert p["offense_team_id"].tolist() == [VIS, HOME]
    assert p.loc[0, ["start_clock", "start_event_num", "end_event_num"]].tolist() == [720.0, 0, 3]
    assert p["outcome"].tolist() == ["missed_dreb", "end_of_period"]
    assert p.loc[1, "start_clock"] == 699.0 and p.loc[1, "end_clock"] == 0.0


def test_and_one_is_one_possession_with_its_free_throw(tmp_path):
    s = _start("V").add(1, "James 2' Layup (2 PTS)", "V", "11:50", pid=11, score="2 - 0")
    s.add(6, "Rose S.FOUL (P1.T1)", "H", "11:50", pid=3).add(8, "SUB: Noah FOR Gasol", "H", "11:50")
    s.add(3, "James Free Throw 1 of 1 (3 PTS)", "V", "11:50", pid=11, score="3 - 0")
    s.add(2, "MISS Rose 20' Jump Shot", "H", "11:30", pid=3)
    s.add(4, "Love REBOUND (Off:0 Def:1)", "V", "11:29", pid=12).add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert len(p) == 2  # nothing happens after Love's rebound: no empty possession
    first = p.iloc[0]
    assert (first["outcome"], first["points"], first["n_fga"], first["n_fta"]) == ("made2", 3, 1, 1)
    assert first["end_event_num"] == 5 and p.loc[1, "start_event_num"] == 6
    assert first["shot_event_nums"] == [2]


def test_missed_last_free_throw_and_offensive_rebound_continue(tmp_path):
    s = _start("V").add(6, "Rose S.FOUL (P1.T1)", "H", "11:40", pid=3)
    s.add(3, "James Free Throw 1 of 2 (1 PTS)", "V", "11:40", pid=11, score="1 - 0")
    s.add(3, "MISS James Free Throw 2 of 2", "V", "11:40", pid=11)
    s.add(4, "Love REBOUND (Off:1 Def:0)", "V", "11:39", pid=12)
    s.add(1, "Love 2' Putback Layup (2 PTS)", "V", "11:38", pid=12, score="3 - 0")
    s.add(6, "Love S.FOUL (P1.T1)", "V", "11:20", pid=12)
    s.add(3, "Rose Free Throw 1 of 2 (1 PTS)", "H", "11:20", pid=3, score="3 - 1")
    s.add(3, "MISS Rose Free Throw 2 of 2", "H", "11:20", pid=3)
    s.add(4, "Cavaliers Rebound", "VT", "11:19").add(13, clock="0:00")
    p = _segment(tmp_path, s)
    v, h = p.iloc[0], p.iloc[1]
    assert (v["outcome"], v["points"], v["n_fta"], v["n_oreb"], v["n_fga"]) == ("made2", 3, 2, 1, 1)
    assert (h["outcome"], h["points"], h["n_fta"]) == ("free_throws", 1, 2)
    assert len(p) == 2


def test_team_rebounds_and_team_turnover(tmp_path):
    s = _start("V").add(2, "MISS James 20' Jump Shot", "V", "11:40", pid=11)
    s.add(4, "Cavaliers Rebound", "VT", "11:39")                   # offensive team rebound
    s.add(2, "MISS Love 3' Layup", "V", "11:30", pid=12)
    s.add(4, "Bulls Rebound", "HT", "11:29")                       # defensive team rebound
    s.add(5, "Bulls Turnover: Shot Clock (T#1)", "HT", "11:05", action=11)
    s.add(2, "MISS James 20' Jump Shot", "V", "10:50", pid=11)
    s.add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert p["outcome"].tolist() == ["missed_dreb", "turnover", "end_of_period"]
    assert (p.loc[0, "n_oreb"], p.loc[0, "n_fga"]) == (1, 2)
    assert p.loc[1, "n_tov"] == 1 and p.loc[1, "offense_team_id"] == HOME


def test_technical_free_throws_do_not_change_possession(tmp_path):
    s = _start("V").add(6, "Noah T.FOUL (P1.T1)", "H", "11:40", pid=4)
    s.add(3, "James Free Throw Technical (1 PTS)", "V", "11:40", pid=11, score="1 - 0")
    s.add(1, "James 20' Jump Shot (3 PTS)", "V", "11:30", pid=11, score="3 - 0")
    s.add(6, "Love T.FOUL (P1.T1)", "V", "11:20", pid=12)          # defense shoots: owed
    s.add(3, "Rose Free Throw Technical (1 PTS)", "H", "11:20", pid=3, score="3 - 1")
    s.add(2, "MISS Rose 20' Jump Shot", "H", "11:10", pid=3)
    s.add(4, "Love REBOUND (Off:0 Def:1)", "V", "11:09", pid=12)
    s.add(5, "Love Bad Pass Turnover (P1.T1)", "V", "11:00", pid=12)
    s.add(1, "Rose 2' Layup (2 PTS)", "H", "10:50", pid=3, score="3 - 3").add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert p["offense_team_id"].tolist() == [VIS, HOME, VIS, HOME]
    assert p["outcome"].tolist() == ["made2", "missed_dreb", "turnover", "made2"]
    # Rose's technical, shot while Cleveland's basket had ended its possession, goes to
    # Chicago's next possession
    assert p["points"].tolist() == [3, 1, 0, 2]
    assert p["n_fta"].tolist() == [1, 1, 0, 0]


def test_flagrant_free_throws_keep_the_ball(tmp_path):
    s = _start("V").add(6, "Noah FLAGRANT.FOUL.TYPE1 (P1.T1)", "H", "11:40", pid=4)
    s.add(3, "James Free Throw Flagrant 1 of 2 (1 PTS)", "V", "11:40", pid=11, score="1 - 0")
    s.add(3, "James Free Throw Flagrant 2 of 2 (2 PTS)", "V", "11:40", pid=11, score="2 - 0")
    s.add(2, "MISS James 20' Jump Shot", "V", "11:30", pid=11)
    s.add(4, "Rose REBOUND (Off:0 Def:1)", "H", "11:29", pid=3).add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert p.loc[0, ["outcome", "points", "n_fta", "n_fga"]].tolist() == ["missed_dreb", 2, 2, 1]


def test_jump_balls_that_change_possession(tmp_path):
    s = _start("V")
    s.add(10, "Jump Ball Love vs. Noah: Tip to Rose", "V", "11:40", pid=12, p3=("H", 3))
    s.add(2, "MISS Rose 20' Jump Shot", "H", "11:30", pid=3)
    s.add(10, "Jump Ball Love vs. Noah: Tip to James", "V", "11:29", pid=12, p3=("V", 11))
    s.add(10, "Jump Ball Love vs. Noah: Tip to Rose", "V", "11:10", pid=12, p3=("H", 3))
    s.add(5, "Love Lost Ball Turnover (P1.T1)", "V", "11:10", pid=12)  # 2015-16 held ball
    s.add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert p["offense_team_id"].tolist() == [VIS, HOME, VIS]
    assert p["outcome"].tolist() == ["violation", "missed_dreb", "turnover"]
    assert p.loc[2, "end_event_num"] == 6


def test_period_without_jump_ball_starts_with_first_team_to_act(tmp_path):
    s = Snippet().add(12, clock="12:00").add(13, clock="0:00")      # an empty period 1
    s.add(12, clock="12:00", period=2).add(8, "SUB: Love FOR Mozgov", "V", "12:00", period=2)
    s.add(5, "Rose Bad Pass Turnover (P1.T1)", "H", "11:40", period=2, pid=3)
    s.add(2, "MISS James 20' Jump Shot", "V", "11:20", period=2, pid=11)
    s.add(13, clock="0:00", period=2)
    p = _segment(tmp_path, s)
    assert p["period"].tolist() == [2, 2]
    first = p.loc[0, ["offense_team_id", "start_clock", "start_event_num"]].tolist()
    assert first == [HOME, 720.0, 2]
    assert p["outcome"].tolist() == ["turnover", "end_of_period"]
    assert len(_segment(tmp_path, s, periods=[1])) == 0


def test_end_of_period_outcomes(tmp_path):
    s = _start("V").add(2, "MISS James 20' Jump Shot", "V", "0:01", pid=11).add(13, clock="0:00")
    assert _segment(tmp_path, s)["outcome"].tolist() == ["end_of_period"]
    s = _start("V").add(1, "James 20' Jump Shot (2 PTS)", "V", "0:00", pid=11, score="2 - 0")
    s.add(13, clock="0:00", score="2 - 0")
    assert _segment(tmp_path, s)["outcome"].tolist() == ["made2"]
    s = _start("V").add(1, "James 20' Jump Shot (2 PTS)", "V", "0:09", pid=11, score="2 - 0")
    s.add(6, "James P.FOUL (P1.T1)", "V", "0:05", pid=11).add(13, clock="0:00", score="2 - 0")
    p = _segment(tmp_path, s)
    assert p["outcome"].tolist() == ["made2", "end_of_period"]
    assert p.loc[1, ["offense_team_id", "start_clock", "end_clock"]].tolist() == [HOME, 9.0, 0.0]


def test_gap_in_the_log_is_inferred_and_flagged(tmp_path):
    s = _start("V").add(2, "MISS James 20' Jump Shot", "V", "11:40", pid=11)
    s.add(1, "Rose 2' Layup (2 PTS)", "H", "11:20", pid=3, score="0 - 2").add(13, clock="0:00")
    p = _segment(tmp_path, s)
    assert p["outcome"].tolist() == ["missed_dreb", "made2"]
    assert p["end_inferred"].tolist() == [True, False]


def test_scoring_team_shows_the_ball_again(tmp_path):
    """Real case (0021500047): a basket, then the same team scores with no event between."""
    s = _start("V").add(1, "James 2' Layup (2 PTS)", "V", "11:40", pid=11, score="2 - 0")
    s.add(8, "SUB: Noah FOR Gasol", "H", "11:30")
    s.add(1, "Love 16' Jump Shot (2 PTS)", "V", "11:20", pid=12, score="4 - 0")
    s.add(13, clock="0:00", score="4 - 0")
    p = _segment(tmp_path, s)
    assert p["offense_team_id"].tolist() == [VIS, VIS]   # no possession invented for Chicago
    assert p["end_inferred"].tolist() == [True, False]
    assert p.loc[1, "event_nums"] == [3, 4]


def test_stray_rebound_row_changes_nothing(tmp_path):
    """Real case (0021500433): two rebound rows in a row, the second with no miss before it."""
    s = _start("V").add(2, "MISS James 20' Jump Shot", "V", "11:40", pid=11)
    s.add(4, "Love REBOUND (Off:1 Def:0)", "V", "11:39", pid=12)
    s.add(4, "Rose REBOUND (Off:0 Def:1)", "H", "11:38", pid=3)
    s.add(1, "Love 2' Layup (2 PTS)", "V", "11:37", pid=12, score="2 - 0")
    s.add(13, clock="0:00", score="2 - 0")
    p = _segment(tmp_path, s)
    assert p["outcome"].tolist() == ["made2"] and p.loc[0, "n_oreb"] == 1


# ----------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def real(shared_data):
    """Possessions of every real game and per team-period counts from the same events."""
    counts, tables = [], []
    for f in sorted((shared_data / "pbp").glob("*.csv.gz")):
        pbp = read_pbp(f)
        poss = segment_possessions(pbp)
        tables.append(poss)
        ev, t = pbp.events, pbp.events["msg_type"]
        c = pd.DataFrame({"game": pbp.game_id, "period": ev["period"], "team": ev["team_id"],
                          "fga": t.isin((1, 2)), "fta": t == 3, "tov": t == 5,
                          "oreb": ev["is_offensive_rebound"]}).dropna(subset=["team"])
        c = c.groupby(["game", "period", "team"]).sum().reset_index()
        pts = points_by_team(pbp)
        c["points"] = [pts.get((p, tm), 0) for p, tm in zip(c["period"], c["team"])]
        counts.append(c)
    poss = pd.concat(tables, ignore_index=True)
    mine = poss.groupby(["game_id", "period", "offense_team_id"]).agg(
        n=("outcome", "size"), poss_points=("points", "sum"), poss_fga=("n_fga", "sum"),
        poss_fta=("n_fta", "sum"), poss_tov=("n_tov", "sum")).reset_index()
    mine = mine.rename(columns={"game_id": "game", "offense_team_id": "team"})
    teams = pd.concat(counts, ignore_index=True).astype({"team": np.int64})
    teams = teams.merge(mine, on=["game", "period", "team"], how="outer").fillna(0)
    teams["estimate"] = teams["fga"] - teams["oreb"] + teams["tov"] + 0.44 * teams["fta"]
    return teams, poss


@pytest.mark.real_data
@pytest.mark.slow
def test_real_first_quarter_possession_counts(real):
    teams, _ = real
    q1 = teams[teams["period"] == 1]
    assert q1["game"].nunique() >= 500 and (q1.groupby("game").size() == 2).all()
    assert q1["n"].between(18, 32).all(), q1[~q1["n"].between(18, 32)]
    spread = q1.groupby("game")["n"].agg(lambda n: n.max() - n.min())
    assert (spread <= 2).all(), spread[spread > 2]
    assert abs(q1["n"].mean() - q1["estimate"].mean()) <= 1.5
    quarters = teams[teams["period"] <= 4].groupby("period")[["n", "estimate"]].mean()
    report = "\n".join(f"  Q{p}: {r.n:.2f} possessions per team (estimate {r.estimate:.2f})"
                       for p, r in quarters.iterrows())
    print(f"\nmean possessions per team and quarter, FGA - OREB + TOV + 0.44 FTA:\n{report}")
    log.info("possessions per team-quarter:\n%s", report)


@pytest.mark.real_data
@pytest.mark.slow
def test_real_points_and_counts_add_up(real):
    teams, poss = real
    assert (teams["poss_points"] == teams["points"]).all()
    assert (teams["poss_fga"] == teams["fga"]).all() and (teams["poss_fta"] == teams["fta"]).all()
    assert (teams["poss_tov"] == teams["tov"]).all()
    assert poss["outcome"].isin(OUTCOMES).all()
    assert (poss["points"] >= poss["outcome"].map({"made2": 2, "made3": 3}).fillna(0)).all()
    assert poss["end_inferred"].mean() < 1e-3     # the log's gaps are rare
    assert (poss["n_fga"] == poss["shot_event_nums"].map(len)).all()
    print("\noutcomes:", poss["outcome"].value_counts().to_dict())


@pytest.mark.real_data
def test_real_spans_tile_and_periods_filter(shared_data):
    pbp = read_pbp(shared_data / "pbp" / "0021500002.csv.gz")
    full = segment_possessions(pbp)
    _check_invariants(pbp, full)
    only = segment_possessions(pbp, periods=[3])
    cols = [c for c in COLUMNS if c != "poss_index"]
    expect = full[full["period"] == 3][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(only[cols], expect)
    assert np.array_equal(only["poss_index"], np.arange(len(only)))
