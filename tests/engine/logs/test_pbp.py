"""Play-by-play reader/writer: parsing, ordering, errors, and byte-faithful round trips."""

from __future__ import annotations

import csv
import gzip
import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.errors import HoopsimDataError
from engine.logs.pbp import (
    FILL_DISTANCE_FT,
    HEADER,
    EventType,
    check_score,
    points_by_team,
    read_pbp,
    shot_kind,
)
from engine.logs.pbp_write import write_pbp

HOME, VIS = 1610612741, 1610612739
_TEAMS = {HOME: ("Chicago", "Bulls", "CHI"), VIS: ("Cleveland", "Cavaliers", "CLE")}


def _person(side: str | None, pid: int | None) -> list:
    """PERSONnTYPE .. PLAYERn_TEAM_ABBREVIATION for 'H'/'V' (player), 'HT'/'VT' (team), None."""
    if side is None:
        return [0, 0, "", "", "", "", ""]
    team = HOME if side[0] == "H" else VIS
    if side in ("HT", "VT"):
        return [2 if side == "HT" else 3, team, "", "", "", "", ""]
    return [4 if side == "H" else 5, pid, f"Player {pid}", f"{team}.0", *_TEAMS[team]]


class Snippet:
    """Hand-written play-by-play in the real CSV layout (EVENTNUM = row order)."""

    def __init__(self, game_id: str = "0029900001"):
        self.game_id, self.rows = game_id, []

    def add(self, msg: int, desc: str = "", side: str | None = None, clock: str = "11:00",
            period: int = 1, action: int = 0, pid: int = 1, score: str = "",
            p3: tuple[str, int] | None = None, num: int | None = None) -> "Snippet":
        home_desc = desc if side and side[0] == "H" else ""
        vis_desc = desc if side and side[0] == "V" else ""
        margin = ""
        if score:
            v, h = (int(x) for x in score.split(" - "))
            margin = "TIE" if v == h else str(h - v)
        num = len(self.rows) if num is None else num
        row = [self.game_id, num, msg, action, period, "8:00 PM", clock, home_desc, "",
               vis_desc, score, margin, *_person(side, pid), *_person(None, None),
               *_person(*(p3 or (None, None)))]
        self.rows.append(row)
        return self

    def text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(self.rows)
        return buf.getvalue()

    def write(self, path: Path) -> Path:
        path.write_text(self.text())
        return path


def _basic() -> Snippet:
    s = Snippet()
    s.add(12, clock="12:00")
    s.add(10, "Jump Ball Gasol vs. Mozgov: Tip to Rose", "H", "12:00", pid=1, p3=("H", 3))
    s.add(2, "MISS Rose 3' Driving Layup", "H", "11:40", pid=3)
    s.add(4, "Love REBOUND (Off:0 Def:1)", "V", "11:38", pid=12)
    s.add(1, "Love  Dunk (2 PTS) (James 1 AST)", "V", "11:30", pid=12, score="2 - 0")
    s.add(2, "MISS Butler 26' 3PT Jump Shot", "H", "11:10", pid=2)
    s.add(4, "Bulls Rebound", "HT", "11:09")
    s.add(1, "Butler 3PT Jump Shot (3 PTS)", "H", "11:00", pid=2, score="2 - 3")
    s.add(6, "Rose S.FOUL (P1.T1)", "H", "10:40", pid=3)
    s.add(3, "MISS James Free Throw 1 of 2", "V", "10:40", pid=11)
    s.add(4, "Cavaliers Rebound", "VT", "10:40", action=1)
    s.add(3, "James Free Throw 2 of 2 (1 PTS)", "V", "10:40", pid=11, score="3 - 3")
    s.add(6, "Love T.FOUL (P1.T2)", "V", "10:30", pid=12)
    s.add(3, "Rose Free Throw Technical (1 PTS)", "H", "10:30", pid=3, score="3 - 4")
    s.add(3, "Rose Free Throw Flagrant 1 of 2 (2 PTS)", "H", "10:30", pid=3, score="3 - 5")
    s.add(3, "MISS Rose Free Throw Flagrant 2 of 2", "H", "10:30", pid=3)
    s.add(5, "Bulls Turnover: Shot Clock (T#1)", "HT", "10:00", action=11)
    s.add(13, clock="0:00", score="3 - 5")
    return s


@pytest.fixture
def basic(tmp_path: Path):
    return read_pbp(_basic().write(tmp_path / "0029900001.csv"))


def test_event_type_codes():
    assert EventType.MADE_FG == 1 and EventType.FREE_THROW == 3 and EventType.JUMP_BALL == 10
    assert EventType.PERIOD_START == 12 and EventType.INSTANT_REPLAY == 18


def test_normalized_columns_and_teams(basic):
    e = basic.events
    assert basic.game_id == "0029900001"
    assert (basic.home_team_id, basic.visitor_team_id) == (HOME, VIS)
    assert e["clock"].iloc[0] == 720.0 and e["clock"].iloc[2] == 700.0  # 11:40
    dunk = e[e["event_num"] == 4].iloc[0]
    assert dunk["team_id"] == VIS and not dunk["is_home"]
    assert (dunk["score_visitor"], dunk["score_home"], dunk["score_margin"]) == (2, 0, -2)
    team_reb = e[e["event_num"] == 6].iloc[0]
    assert team_reb["team_id"] == HOME and team_reb["player1_id"] == HOME and team_reb["is_home"]
    assert pd.isna(e[e["event_num"] == 0].iloc[0]["team_id"])
    assert e["home_desc"].iloc[0] == "" and e["score_home"].isna().iloc[2]


def test_shots_distance_and_fill(basic):
    e = basic.events.set_index("event_num")
    assert e.loc[2, "shot_distance_ft"] == 3.0 and not e.loc[2, "distance_is_filled"]
    assert e.loc[5, "shot_distance_ft"] == 26.0 and e.loc[5, "is_three"]
    # no distance in the text: filled per shot kind and counted
    assert e.loc[4, "shot_kind"] == "dunk"
    assert e.loc[4, "shot_distance_ft"] == FILL_DISTANCE_FT["dunk"]
    assert e.loc[7, "shot_distance_ft"] == FILL_DISTANCE_FT["three"] and e.loc[7, "is_three"]
    assert e.loc[4, "distance_is_filled"] and e.loc[7, "distance_is_filled"]
    assert basic.distance_filled == 2
    assert np.isnan(e.loc[3, "shot_distance_ft"]) and not e.loc[3, "is_three"]


@pytest.mark.parametrize("desc, kind", [
    ("Harden 3PT Step Back Jump Shot", "three"), ("Drummond Putback Dunk", "dunk"),
    ("Jordan Alley Oop Layup shot", "alley_oop"), ("Rose Driving Finger Roll Layup", "layup"),
    ("Duncan Turnaround Hook Shot", "hook"), ("MISS Nowitzki Fadeaway Jumper", "fadeaway"),
    ("Curry Floating Jump shot", "floater"), ("Lopez Tip Layup Shot", "tip"),
    ("Parker Jump Shot", "jump_shot"), ("Someone Heave", "other")])
def test_shot_kind(desc, kind):
    assert shot_kind(desc) == kind


def test_free_throw_parsing(basic):
    e = basic.events.set_index("event_num")
    assert (e.loc[9, "ft_index"], e.loc[9, "ft_total"], e.loc[9, "ft_made"]) == (1, 2, False)
    assert (e.loc[11, "ft_index"], e.loc[11, "ft_total"], e.loc[11, "ft_made"]) == (2, 2, True)
    assert e.loc[13, "ft_kind"] == "technical" and pd.isna(e.loc[13, "ft_index"])
    assert e.loc[14, "ft_kind"] == "flagrant" and e.loc[14, "ft_total"] == 2
    assert e.loc[14, "ft_made"]
    assert e.loc[9, "ft_kind"] == "regular"


def test_free_throw_without_miss_or_points_counts_as_missed(tmp_path, caplog):
    s = _basic()
    s.rows[11][HEADER.index("VISITORDESCRIPTION")] = "Free Throw 2 of 2"
    s.rows[11][HEADER.index("SCORE")] = s.rows[11][HEADER.index("SCOREMARGIN")] = ""
    with caplog.at_level(logging.WARNING, logger="engine.logs.pbp"):
        p = read_pbp(s.write(tmp_path / "x.csv"))
    assert "row 12 (EVENTNUM 11)" in caplog.text and "neither MISS nor scored" in caplog.text
    assert not p.events.loc[p.events["event_num"] == 11, "ft_made"].item()


def test_rebound_flags(basic):
    e = basic.events.set_index("event_num")
    assert not e.loc[3, "is_offensive_rebound"]            # Love after Rose's miss
    assert e.loc[6, "is_offensive_rebound"]                # Bulls team rebound, own miss
    assert e.loc[10, "is_placeholder_rebound"] and not e.loc[10, "is_offensive_rebound"]


def test_points_and_score_check(basic):
    assert points_by_team(basic) == {(1, VIS): 3, (1, HOME): 5}
    assert check_score(basic) == []


def test_check_score_reports_mismatch(tmp_path):
    s = _basic()
    s.rows[-1][10] = "3 - 7"  # end-of-period SCORE disagrees with the events
    s.rows[-1][11] = "4"
    got = check_score(read_pbp(s.write(tmp_path / "x.csv")))
    assert got == [{"period": 1, "team_id": HOME, "from_events": 5, "from_score": 7}]


def test_round_trip_is_byte_identical(tmp_path):
    src = _basic().write(tmp_path / "a.csv")
    write_pbp(read_pbp(src), tmp_path / "b.csv.gz")
    assert gzip.decompress((tmp_path / "b.csv.gz").read_bytes()) == src.read_bytes()
    write_pbp(read_pbp(tmp_path / "b.csv.gz"), tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_bytes() == src.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv.gz", "c.csv"]


def test_round_trip_keeps_crlf_and_quotes(tmp_path):
    s = _basic()
    s.rows[2][7] = 'MISS Rose 3\' "Driving", Layup'
    text = s.text().replace("\n", "\r\n")
    (tmp_path / "a.csv").write_bytes(text.encode())
    p = read_pbp(tmp_path / "a.csv")
    assert p.events.loc[p.events["event_num"] == 2, "home_desc"].iloc[0] == s.rows[2][7]
    write_pbp(p, tmp_path / "b.csv")
    assert (tmp_path / "b.csv").read_bytes() == text.encode()


def test_equal_clock_rows_are_put_in_logical_order(tmp_path):
    """Regression (game 0021500061 at 8:04): putback, rebound, miss listed in reverse."""
    s = Snippet()
    s.add(12, clock="12:00").add(2, "MISS Rose 20' Jump Shot", "H", "11:50", pid=3)
    s.add(4, "Love REBOUND (Off:0 Def:1)", "V", "11:49", pid=12)
    rows = [["MISS James 7' Jump Shot", 2, 11, ""], ["Love REBOUND (Off:1 Def:1)", 4, 12, ""],
            ["Love 2' Putback Layup (2 PTS)", 1, 12, "2 - 0"]]
    for k, (desc, msg, pid, score) in reversed(list(enumerate(rows))):
        s.add(msg, desc, "V", "11:30", pid=pid, score=score, num=3 + k)
    s.add(13, clock="0:00", score="2 - 0", num=6)
    s.rows = [s.rows[-1]] + s.rows[:-1]  # also put end of period first in the file
    p = read_pbp(s.write(tmp_path / "x.csv"))
    assert p.events["event_num"].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert p.events.loc[p.events["event_num"] == 4, "is_offensive_rebound"].item()
    write_pbp(p, tmp_path / "y.csv")  # the file's own order is what gets written back
    assert (tmp_path / "y.csv").read_text() == s.text()


def test_shuffled_file_reads_in_the_same_logical_order(tmp_path):
    """A file out of chronological order gives no tie information: EVENTNUM breaks ties."""
    s = _basic()
    original = read_pbp(s.write(tmp_path / "a.csv")).events
    rng = np.random.default_rng(0)
    s.rows = [s.rows[i] for i in rng.permutation(len(s.rows))]
    shuffled = read_pbp(s.write(tmp_path / "b.csv")).events
    assert shuffled["event_num"].tolist() == original["event_num"].tolist()
    assert shuffled["file_row"].tolist() != original["file_row"].tolist()


# ----------------------------------------------------------------------------- errors

def _mutate(tmp_path: Path, row: int, col: str, value: str) -> Path:
    s = _basic()
    s.rows[row][HEADER.index(col)] = value
    return s.write(tmp_path / "bad.csv")


@pytest.mark.parametrize("row, col, value, words", [
    (3, "PLAYER1_ID", "abc", "PLAYER1_ID"),
    (3, "EVENTNUM", "", "EVENTNUM is empty"),
    (4, "PCTIMESTRING", "1x:00", "PCTIMESTRING"),
    (4, "PCTIMESTRING", "11:75", "PCTIMESTRING"),
    (4, "PERIOD", "", "PERIOD is empty"),
    (4, "EVENTMSGTYPE", "1.5", "EVENTMSGTYPE"),
    (4, "SCORE", "2-0", "SCORE"),
    (4, "SCOREMARGIN", "lots", "SCOREMARGIN"),
    (4, "GAME_ID", "0029900002", "GAME_ID differs"),
    (4, "GAME_ID", "game7", "not a game id"),
    (4, "EVENTNUM", "2", "EVENTNUM repeated"),
    (4, "PLAYER1_TEAM_ID", "1610612700", "third team"),
])
def test_malformed_rows_raise_data_error_naming_the_row(tmp_path, row, col, value, words):
    with pytest.raises(HoopsimDataError) as info:
        read_pbp(_mutate(tmp_path, row, col, value))
    err = info.value
    assert words in err.problem and err.file.endswith("bad.csv")
    assert err.record.startswith(f"row {row + 1} (EVENTNUM ")


def test_other_malformed_files(tmp_path):
    good = _basic().text()
    cases = {
        "missing_col.csv": good.replace("PCTIMESTRING", "PCTIME", 1).encode(),
        "short_row.csv": (good + "0029900001,99,1\n").encode(),
        "empty.csv": b"",
        "header_only.csv": good.splitlines(True)[0].encode(),
        "latin1.csv": good.replace("Rose", "Ros\xe9").encode("latin-1"),
        "trunc.csv.gz": gzip.compress(good.encode())[:200],
        "notgzip.csv.gz": good.encode(),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(HoopsimDataError) as info:
            read_pbp(tmp_path / name)
        assert name in str(info.value)
    with pytest.raises(HoopsimDataError, match="GAME_ID differs"):
        read_pbp(_basic().write(tmp_path / "ok.csv"), game_id="0029900002")
    assert read_pbp(tmp_path / "ok.csv", game_id="29900001").game_id == "0029900001"
    with pytest.raises(HoopsimDataError, match="requested game id"):
        read_pbp(tmp_path / "ok.csv", game_id="next game")
    with pytest.raises(HoopsimDataError) as info:
        read_pbp(tmp_path / "short_row.csv")
    assert info.value.record == "row 19 (EVENTNUM 99)"


def test_random_corruption_raises_only_data_errors(tmp_path):
    """Seeded byte-level mutations: either a clean read or HoopsimDataError, nothing else."""
    good, rng = _basic().text(), np.random.default_rng(7)
    pieces = list("0123456789,.:- \"\nMISabc") + ["3PT", "Free Throw ", " of ", "nan", "1e400"]
    outcomes = {"read": 0, "error": 0}
    for _ in range(300):
        text = list(good)
        for _ in range(int(rng.integers(1, 5))):
            pos = int(rng.integers(len(text)))
            text[pos:pos + int(rng.integers(0, 2))] = [pieces[int(rng.integers(len(pieces)))]]
        (tmp_path / "m.csv").write_text("".join(text))
        try:
            read_pbp(tmp_path / "m.csv")
            outcomes["read"] += 1
        except HoopsimDataError:
            outcomes["error"] += 1
    assert outcomes["read"] > 0 and outcomes["error"] > 0


# ----------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def real_pass(shared_data, tmp_path_factory):
    """One pass over every real game: round trip, score check, distance fill."""
    files = sorted((shared_data / "pbp").glob("*.csv.gz"))
    out = {"files": len(files), "differ": [], "mismatches": [], "filled": 0, "fga": 0}
    tmp = tmp_path_factory.mktemp("roundtrip") / "rt.csv"
    for f in files:
        p = read_pbp(f)
        write_pbp(p, tmp)
        if tmp.read_bytes() != gzip.decompress(f.read_bytes()):
            out["differ"].append(f.name)
        out["mismatches"] += [(p.game_id, m) for m in check_score(p)]
        out["filled"] += p.distance_filled
        out["fga"] += int(p.events["msg_type"].isin((1, 2)).sum())
    return out


@pytest.mark.real_data
@pytest.mark.slow
def test_real_files_round_trip_byte_identical(real_pass):
    assert real_pass["files"] >= 500
    identical = 1 - len(real_pass["differ"]) / real_pass["files"]
    print(f"\nbyte-identical rewrites: {identical:.1%} of {real_pass['files']} files")
    assert real_pass["differ"] == []


@pytest.mark.real_data
@pytest.mark.slow
def test_real_scores_match_events(real_pass):
    assert real_pass["files"] >= 500            # an empty folder would pass the check below
    assert real_pass["mismatches"] == []


@pytest.mark.real_data
@pytest.mark.slow
def test_real_distance_fill_share(real_pass):
    share = real_pass["filled"] / real_pass["fga"]
    print(f"\nshot distance filled for {share:.1%} of {real_pass['fga']} field-goal attempts")
    assert 0.05 < share < 0.15


@pytest.mark.real_data
def test_real_reordered_putback(shared_data):
    """Game 0021500061 lists putback (272), rebound (271), miss (270) at 8:04 of period 3."""
    e = read_pbp(shared_data / "pbp" / "0021500061.csv.gz").events
    nums = e["event_num"].tolist()
    assert nums.index(270) < nums.index(271) < nums.index(272)
    assert e.loc[e["event_num"] == 271, "is_offensive_rebound"].item()


@pytest.mark.real_data
def test_real_shuffled_rows_fall_back_to_eventnum(shared_data, tmp_path):
    src = shared_data / "pbp" / "0021500001.csv.gz"
    lines = gzip.decompress(src.read_bytes()).decode().splitlines(True)
    body = [lines[1 + i] for i in np.random.default_rng(3).permutation(len(lines) - 1)]
    (tmp_path / "shuffled.csv").write_text(lines[0] + "".join(body))
    by_num = sorted(lines[1:], key=lambda ln: int(ln.split(",")[1]))
    (tmp_path / "by_num.csv").write_text(lines[0] + "".join(by_num))
    a, b = read_pbp(tmp_path / "shuffled.csv"), read_pbp(tmp_path / "by_num.csv")
    assert a.events["event_num"].tolist() == b.events["event_num"].tolist()
    assert check_score(a) == []
    write_pbp(a, tmp_path / "again.csv")  # written back in its own (shuffled) order
    assert (tmp_path / "again.csv").read_text() == (tmp_path / "shuffled.csv").read_text()


@pytest.mark.real_data
def test_real_ambiguous_free_throw_counts_as_missed(shared_data, caplog):
    """Game 0021500391: 'Free Throw 2 of 2' with neither MISS nor points, then a rebound."""
    with caplog.at_level(logging.WARNING, logger="engine.logs.pbp"):
        p = read_pbp(shared_data / "pbp" / "0021500391.csv.gz")
    assert "neither MISS nor scored" in caplog.text
    assert not p.events.loc[p.events["event_num"] == 644, "ft_made"].item()
    assert check_score(p) == []
