"""The embedded default corpus: played by the simulator, written in the real formats,
read back exactly, and ingested back into the possessions the simulator played."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from engine.logs.io import load_tracking
from engine.logs.pbp import pbp_from_columns, read_pbp
from engine.logs.pbp_write import write_pbp
from engine.logs.tidy_csv import TidyColumns, write_tidy_csv
from engine.possessions.checks import alignment_report
from engine.possessions.ingest import IngestConfig, ingest
from engine.sim.step import SimConfig
from envs.synthetic import SyntheticConfig
from envs.synthetic.corpus import simulate_corpus, write_corpus

CFG = SyntheticConfig(n_games=1, n_periods=4, seconds_per_period=180.0, seed=3)
GID = "0029900001"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    assert write_corpus(out, CFG, progress=False) == [GID]
    (sim,) = list(simulate_corpus(CFG))
    return out, sim


@pytest.fixture(scope="module")
def ingested(corpus):
    out, _ = corpus
    return ingest([str(out / "tracking" / f"{GID}.json.gz")], [str(out / "pbp" / f"{GID}.csv.gz")],
                  IngestConfig(workers=1), progress=False)


def test_same_seed_same_bytes(tmp_path, corpus):
    out, _ = corpus
    write_corpus(tmp_path, CFG, progress=False)
    for kind in (f"tracking/{GID}.json.gz", f"pbp/{GID}.csv.gz"):
        assert (out / kind).read_bytes() == (tmp_path / kind).read_bytes(), kind


def test_written_logs_read_back_exactly_at_the_simulator_rate(tmp_path, corpus):
    out, sim = corpus
    game, cols = sim.game, sim.pbp_columns
    back = load_tracking(out / "tracking" / f"{GID}.json.gz")
    for name in ("xyz", "game_clock", "period", "entity_id", "valid"):
        assert np.array_equal(getattr(back.tracking, name), getattr(game.tracking, name)), name
    assert np.array_equal(back.tracking.shot_clock, game.tracking.shot_clock, equal_nan=True)
    assert back.tracking.rate_hz == pytest.approx(1.0 / SimConfig.dt_s, abs=0.01)   # ~1.92 Hz
    pbp = read_pbp(out / "pbp" / f"{GID}.csv.gz")
    write_pbp(pbp, tmp_path / "again.csv.gz")
    assert gzip.decompress((tmp_path / "again.csv.gz").read_bytes()) == \
        gzip.decompress((out / "pbp" / f"{GID}.csv.gz").read_bytes())
    assert len(pbp.events) == len(pbp_from_columns(cols).events)


def test_four_periods_exact_final_score_and_alignment(corpus, ingested):
    _, sim = corpus
    ds, summary = ingested
    g = summary["games"][0]
    assert g["periods"] == [1, 2, 3, 4]
    final = [s for s in sim.pbp_columns["SCORE"] if s][-1]            # "visitor - home"
    visitor, home = (int(x) for x in final.split(" - "))
    game = sim.game
    assert g["points"] == {str(game.visitor.team_id): visitor, str(game.home.team_id): home}
    played = sim.possessions.groupby("offense_team_id")["points"].sum()
    assert (played[game.visitor.team_id], played[game.home.team_id]) == (visitor, home)
    report = alignment_report(ds)
    assert report["offense_side_match"] >= 0.95           # sides switch at half time
    # 32 of 34 twos at this seed: two corner spot-ups (22.5 ft, standing still) matched to a
    # logged 6 ft two by the release-frame search; seeds 4-6 give 0 of 84 (issue 11 stop)
    assert report["three_beyond_arc"] >= 0.95 and report["two_inside_arc"] >= 0.93


def test_ingest_gives_back_the_possessions_the_simulator_played(corpus, ingested):
    _, sim = corpus
    ds, _ = ingested
    played = sim.possessions[sim.possessions["logged"]].reset_index(drop=True)
    assert (~sim.possessions["logged"]).sum() <= CFG.n_periods   # only a silent period end
    got = ds.meta.sort_values(["period", "start_clock"], ascending=[True, False],
                              kind="stable").reset_index(drop=True)
    assert len(got) == len(played) > 40
    for col in ("period", "offense_team_id", "outcome", "points", "n_fga"):
        assert list(got[col].astype(played[col].dtype)) == list(played[col]), col
    for col in ("start_clock", "end_clock"):               # the log has whole seconds
        assert np.abs(got[col].to_numpy() - played[col].to_numpy()).max() <= 1.0, col
    assert (played["n_shots"] >= played["n_fga"]).all()
    assert set(played["outcome"]) >= {"made2", "made3", "missed_dreb", "free_throws"}


def test_tidy_csv_with_renamed_columns_gives_the_same_possessions(tmp_path, corpus, ingested):
    out, sim = corpus
    cols = TidyColumns(player_id="pid", team_id="tid", x="px", y="py", z="pz",
                       game_clock="clock_s", shot_clock="shot_s", period="quarter",
                       event_id="ev", game_id="gid", home_team="home_id",
                       visitor_team="away_id", timestamp="ms")
    write_tidy_csv(sim.game, tmp_path / f"{GID}_tidy.csv.gz", cols)
    raw, _ = ingested
    tidy, _ = ingest([str(tmp_path / f"{GID}_tidy.csv.gz")], [str(out / "pbp" / f"{GID}.csv.gz")],
                     IngestConfig(workers=1, tidy_columns=cols), progress=False)
    assert len(raw) == len(tidy)
    assert np.allclose(raw.arrays["positions"], tidy.arrays["positions"])
    assert (raw.meta["points"] == tidy.meta["points"]).all()


def test_reward_is_selectable(corpus, ingested):
    out, _ = corpus
    files = ([str(out / "tracking" / f"{GID}.json.gz")], [str(out / "pbp" / f"{GID}.csv.gz")])
    for name, column in (("points", "points"), ("reliable", "reward_reliable")):
        ds, _ = ingest(*files, IngestConfig(workers=1, reward=name), progress=False)
        assert (ds.meta["reward"] == ds.meta[column]).all()
    pb, _ = ingested
    made3 = pb.meta["outcome"] == "made3"
    assert (pb.meta.loc[made3, "reward"] >= 3.0 - 0.5).all()   # 3 points, minus at most fouls
    from engine.errors import HoopsimDataError
    with pytest.raises(HoopsimDataError, match="unknown reward"):
        ingest(*files, IngestConfig(workers=1, reward="nope"), progress=False)


def test_configured_offense_and_scheme_are_played():
    cfg = SyntheticConfig(n_games=1, n_periods=1, seconds_per_period=60.0, seed=1,
                          offenses=("isolation",), defenses=("zone_2_3",))
    (sim,) = list(simulate_corpus(cfg))
    assert "offenses=['isolation']" in sim.game.provenance.notes[0]
    poss = sim.possessions
    assert len(poss) >= 3 and (poss["period"] == 1).all()
    assert poss["start_clock"].iloc[0] == 60.0 and poss["end_clock"].iloc[-1] >= 0.0
    teams = poss["offense_team_id"].to_numpy()
    assert (teams[1:] != teams[:-1]).all()                 # possessions alternate
    with pytest.raises(ValueError, match="unknown defense"):
        list(simulate_corpus(SyntheticConfig(n_games=1, defenses=("press",))))


def test_possession_records_tile_each_period(corpus):
    _, sim = corpus
    for _, p in sim.possessions.groupby("period"):
        assert p["start_clock"].iloc[0] == CFG.seconds_per_period
        assert np.allclose(p["start_clock"].to_numpy()[1:], p["end_clock"].to_numpy()[:-1])


def test_nonshooting_fouls_and_bonus_free_throws_are_logged_and_ingested(tmp_path):
    """Non-shooting fouls (side-outs and bonus free throws) reach the play-by-play as
    P.FOUL rows, and ingest gives back the simulator's points per possession."""
    for seed in range(8):        # the first game with a foul in the bonus (seed 4 today)
        cfg = SyntheticConfig(n_games=1, n_periods=2, seconds_per_period=720.0, seed=seed)
        write_corpus(tmp_path / str(seed), cfg, progress=False)
        text = gzip.open(tmp_path / str(seed) / "pbp" / f"{GID}.csv.gz", "rt").read()
        if ".PN)" in text:
            break
    assert text.count("P.FOUL") >= 2 and ".PN)" in text
    tmp_path = tmp_path / str(seed)
    (sim,) = list(simulate_corpus(cfg))
    ds, _ = ingest([str(tmp_path / "tracking" / f"{GID}.json.gz")],
                   [str(tmp_path / "pbp" / f"{GID}.csv.gz")], IngestConfig(workers=1), progress=False)
    played = sim.possessions[sim.possessions["logged"]].reset_index(drop=True)
    got = ds.meta.sort_values(["period", "start_clock"], ascending=[True, False],
                              kind="stable").reset_index(drop=True)
    assert len(got) == len(played)
    assert list(got["points"].astype(played["points"].dtype)) == list(played["points"])
    assert list(got["outcome"]) == list(played["outcome"])
