import numpy as np

from engine.logs.pbp import read_pbp
from engine.teams import NBA_TEAMS, team_id


def test_team_table_matches_the_play_by_play(shared_data):
    seen = {}
    for path in sorted((shared_data / "pbp").iterdir())[:40]:
        ev = read_pbp(path).events
        rows = ev[["player1_team_id", "player1_team_abbreviation"]].dropna()
        for tid, abbr in zip(rows.iloc[:, 0].astype(np.int64), rows.iloc[:, 1]):
            seen[int(tid)] = str(abbr)
    assert len(seen) >= 20
    assert all(NBA_TEAMS[t] == a for t, a in seen.items())
    assert team_id("gsw") == 1610612744 and team_id("XYZ") is None
