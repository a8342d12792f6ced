"""The embedded default corpus: written in the real formats, read back exactly, and
consistent with what was simulated (scores, possessions, shot positions)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from engine.checks import alignment_report
from engine.ingest import IngestConfig, ingest
from engine.io import load_tracking
from engine.pbp import pbp_from_columns, read_pbp
from engine.pbp_write import write_pbp
from engine.tidy_csv import TidyColumns, write_tidy_csv
from envs.synthetic import SyntheticConfig
from envs.synthetic_corpus import simulate, write_corpus

CFG = SyntheticConfig(n_games=1, n_periods=4, seconds_per_period=180.0, seed=3)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, CFG, progress=False)
    game, cols = simulate(CFG, 0)
    return out, game, cols


def test_same_seed_same_bytes(tmp_path, corpus):
    out, _, _ = corpus
    write_corpus(tmp_path, CFG, progress=False)
    for kind in ("tracking/0029900001.json.gz", "pbp/0029900001.csv.gz"):
        a = gzip.decompress((out / kind).read_bytes())
        b = gzip.decompress((tmp_path / kind).read_bytes())
        assert a == b, kind


def test_written_logs_read_back_exactly(tmp_path, corpus):
    out, game, cols = corpus
    back = load_tracking(out / "tracking" / "0029900001.json.gz")
    for name in ("xyz", "game_clock", "period", "entity_id", "valid"):
        assert np.array_equal(getattr(back.tracking, name), getattr(game.tracking, name)), name
    assert np.array_equal(back.tracking.shot_clock, game.tracking.shot_clock, equal_nan=True)
    pbp = read_pbp(out / "pbp" / "0029900001.csv.gz")
    write_pbp(pbp, tmp_path / "again.csv.gz")
    assert gzip.decompress((tmp_path / "again.csv.gz").read_bytes()) == \
        gzip.decompress((out / "pbp" / "0029900001.csv.gz").read_bytes())
    assert len(pbp.events) == len(pbp_from_columns(cols).events)


def test_four_period_game_ingests_with_simulated_scores(corpus):
    out, game, cols = corpus
    ds, summary = ingest([str(out / "tracking" / "0029900001.json.gz")],
                         [str(out / "pbp" / "0029900001.csv.gz")], IngestConfig(workers=1),
                         progress=False)
    g = summary["games"][0]
    assert g["periods"] == [1, 2, 3, 4]
    final = [s for s in cols["SCORE"] if s][-1]            # "visitor - home"
    visitor, home = (int(x) for x in final.split(" - "))
    assert g["points"] == {str(game.visitor.team_id): visitor, str(game.home.team_id): home}
    assert sum(g["outcomes"].values()) == sum(g["possessions"].values())
    report = alignment_report(ds)
    assert report["offense_side_match"] >= 0.95           # sides switch at half time
    assert report["three_beyond_arc"] >= 0.95 and report["two_inside_arc"] >= 0.95


def test_tidy_csv_with_renamed_columns_gives_the_same_possessions(tmp_path, corpus):
    out, game, _ = corpus
    cols = TidyColumns(player_id="pid", team_id="tid", x="px", y="py", z="pz",
                       game_clock="clock_s", shot_clock="shot_s", period="quarter",
                       event_id="ev", game_id="gid", home_team="home_id",
                       visitor_team="away_id", timestamp="ms")
    write_tidy_csv(game, tmp_path / "0029900001_tidy.csv.gz", cols)
    pbp = [str(out / "pbp" / "0029900001.csv.gz")]
    raw, _ = ingest([str(out / "tracking" / "0029900001.json.gz")], pbp,
                    IngestConfig(workers=1), progress=False)
    tidy, _ = ingest([str(tmp_path / "0029900001_tidy.csv.gz")], pbp,
                     IngestConfig(workers=1, tidy_columns=cols), progress=False)
    assert len(raw) == len(tidy)
    assert np.allclose(raw.arrays["positions"], tidy.arrays["positions"])
    assert (raw.meta["points"] == tidy.meta["points"]).all()


def test_reward_is_selectable(corpus):
    out, _, _ = corpus
    files = ([str(out / "tracking" / "0029900001.json.gz")], [str(out / "pbp" / "0029900001.csv.gz")])
    for name, column in (("points", "points"), ("reliable", "reward_reliable")):
        ds, _ = ingest(*files, IngestConfig(workers=1, reward=name), progress=False)
        assert (ds.meta["reward"] == ds.meta[column]).all()
    pb, _ = ingest(*files, IngestConfig(workers=1), progress=False)
    made3 = pb.meta["outcome"] == "made3"
    assert (pb.meta.loc[made3, "reward"] >= 3.0 - 0.5).all()   # 3 points, minus at most fouls
    from engine.errors import HoopsimDataError
    with pytest.raises(HoopsimDataError, match="unknown reward"):
        ingest(*files, IngestConfig(workers=1, reward="nope"), progress=False)
