import numpy as np
import pandas as pd
import pytest

from engine.errors import HoopsimDataError
from engine.logs.tidy_csv import TidyColumns, read_tidy_csv
from engine.logs.wide_csv import read_wide_csv, wide_columns


def test_25hz_fragment_segments_and_masks(shared_data):
    g = read_wide_csv(shared_data / "tracking_25hz" / "0021500001_1_5.csv")
    t = g.tracking
    assert g.game_id == "0021500001" and t.rate_hz == pytest.approx(25.0)
    # the clock steps back (696.94 -> 697.00) and moment_id jumps 7 s: at least 2 segments
    assert t.segment.max() + 1 >= 2
    assert (~t.valid[:, 10]).sum() == 15          # player 10 missing in 15 frames, masked
    assert g.quality.shot_clock_missing >= 2      # the two 100.0 readings
    assert np.nanmax(t.shot_clock) <= 24.0


def test_real_tidy_file_quirks_are_counted(shared_data):
    g = read_tidy_csv(shared_data / "tracking_2hz" / "0021500021.csv.gz")
    assert g.game_id == "0021500021"
    assert g.quality.rows_other_period == 1       # one end-of-quarter moment tagged period 3
    assert set(np.unique(g.tracking.period)) == {1}
    assert g.quality.coords_clipped > 0
    assert 1.8 < g.tracking.rate_hz < 2.0
    assert g.home.team_id != g.visitor.team_id


def test_renamed_tidy_columns_read_the_same(tmp_path, shared_data):
    src = shared_data / "tracking_2hz" / "0021500002.csv.gz"
    df = pd.read_csv(src)
    ren = {"player_id": "pid", "team_id": "tid", "x_loc": "X", "y_loc": "Y", "radius": "Z",
           "game_clock": "clk", "shot_clock": "sc", "PERIOD": "per", "event_id": "ev",
           "GAME_ID": "gid", "home": "h", "visitor": "v"}
    df.rename(columns=ren).sample(frac=1.0, axis=1, random_state=0).to_csv(tmp_path / "x.csv", index=False)
    cols = TidyColumns(player_id="pid", team_id="tid", x="X", y="Y", z="Z", game_clock="clk",
                       shot_clock="sc", period="per", event_id="ev", game_id="gid",
                       home_team="h", visitor_team="v")
    a = read_tidy_csv(src).tracking
    b = read_tidy_csv(tmp_path / "x.csv", columns=cols).tracking
    assert np.array_equal(a.xyz, b.xyz) and np.array_equal(a.segment, b.segment)


def test_missing_column_names_file_and_column(tmp_path):
    p = tmp_path / "bad.csv"
    pd.DataFrame({"player_id": [-1], "x_loc": [1.0]}).to_csv(p, index=False)
    with pytest.raises(HoopsimDataError) as e:
        read_tidy_csv(p)
    assert "bad.csv" in str(e.value) and "missing column" in str(e.value)


def test_non_numeric_cell_names_the_row(tmp_path):
    cols = wide_columns()
    row = {c: 1.0 for c in cols}
    rows = [dict(row, quarter_clock=700 - i * 0.04, moment_id=1000 + 40 * i) for i in range(5)]
    rows[3]["ball_x"] = "oops"
    p = tmp_path / "0021500009_w.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    with pytest.raises(HoopsimDataError, match=r"row 5 column ball_x"):
        read_wide_csv(p)


def test_backwards_timestamp_in_wide_file_is_an_error(tmp_path):
    cols = wide_columns()
    rows = [{**{c: 1.0 for c in cols}, "quarter_clock": 700 - i * 0.04,
             "moment_id": 1000 + 40 * i} for i in range(5)]
    rows[3]["moment_id"] = 900
    p = tmp_path / "0021500009_w.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    with pytest.raises(HoopsimDataError, match="backwards"):
        read_wide_csv(p)
