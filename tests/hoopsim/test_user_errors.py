"""One error path: every task given one bad input prints one line, exits with code 2 and
leaves no run folder behind; data path options take a file, a folder, a glob or a list."""

from __future__ import annotations

import gzip
import json

import pytest

from hoopsim.cli import main

DATA = ["data.games=2", "data.n_periods=1", "data.seconds_per_period=200", "workers=1"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A two-game synthetic corpus in real formats (tracking/, pbp/)."""
    root = tmp_path_factory.mktemp("corpus")
    assert main(["synthesize", "games=2", "n_periods=1", "seconds_per_period=200",
                 f"out={root / 'c'}"]) == 0
    return root / "c"


def one_line_exit_2(argv, capsys, monkeypatch, tmp_path, needle: str):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    has_out = argv[0] != "view"                       # view writes nothing
    assert main(argv + ([f"out={out}"] if has_out else [])) == 2
    err = capsys.readouterr().err.strip()
    errors = [line for line in err.splitlines() if line.startswith("hoopsim: error:")]
    assert len(errors) == 1 and "Traceback" not in err and needle in errors[0], err
    assert not out.exists() and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("argv,needle", [
    (["synthesize", "games=0"], "games"),
    (["synthesize", "offenses=[nosuch]"], "nosuch"),
    (["export", "cache=/nonexistent/cache"], "/nonexistent/cache"),
    (["render", "cache=/nonexistent/cache", "format=bogus"], "format"),
    (["view", "cache=/nonexistent/cache"], "/nonexistent/cache"),
    (["bench", "sections=[nosuch]"], "nosuch"),
    (["simulate", "offense=nosuch", "starts=scenario"], "nosuch"),
    (["simulate", "starts=elsewhere"], "starts"),
    (["train", "data.tracking=/nonexistent/t", "data.pbp=/nonexistent/p"], "no matching files"),
    (["ingest", "tracking=/nonexistent/t", "pbp=/nonexistent/p"], "no matching files"),
])
def test_bad_value_is_one_line_exit_2_no_folder(argv, needle, capsys, monkeypatch, tmp_path):
    one_line_exit_2(argv, capsys, monkeypatch, tmp_path, needle)


def test_unknown_offense_team_in_evaluate_and_demo(corpus, capsys, monkeypatch, tmp_path):
    data = [f"data.tracking={corpus / 'tracking'}", f"data.pbp={corpus / 'pbp'}",
            f"cache_dir={tmp_path / 'cache'}", "workers=1"]
    for task in ("evaluate", "demo"):
        one_line_exit_2([task, "offense_team=XYZ", "methods=[scripted]"] + data, capsys,
                        monkeypatch, tmp_path, "offense_team")


@pytest.mark.parametrize("task", ["realism", "fit-outcomes"])
def test_no_games_before_the_cutoff(task, corpus, capsys, monkeypatch, tmp_path):
    one_line_exit_2([task, f"tracking={corpus / 'tracking'}", f"pbp={corpus / 'pbp'}",
                     "cutoff=0000000000", f"cache_dir={tmp_path / 'cache'}", "workers=1"],
                    capsys, monkeypatch, tmp_path, "cutoff")


def test_ingest_of_garbage_files_exits_2(tmp_path, capsys, monkeypatch):
    for kind, name in (("tracking", "0021500001.json.gz"), ("pbp", "0021500001.csv.gz")):
        (tmp_path / kind).mkdir()
        (tmp_path / kind / name).write_bytes(gzip.compress(b"this is not a log\x00\x01"))
    one_line_exit_2(["ingest", f"tracking={tmp_path / 'tracking'}", f"pbp={tmp_path / 'pbp'}",
                     "workers=1"], capsys, monkeypatch, tmp_path, "no game ingested")


def test_ingest_names_each_skipped_game(corpus, tmp_path, capsys):
    tracking = sorted((corpus / "tracking").iterdir())
    pbp = sorted((corpus / "pbp").iterdir())
    orphan = tmp_path / "0029999999.json.gz"            # a tracking file without play-by-play
    orphan.write_bytes(tracking[0].read_bytes())
    spec = f"tracking=[{tracking[0]},{orphan}]"
    assert main(["ingest", spec, f"pbp={pbp[0].parent}", "workers=1", f"out={tmp_path / 'o'}"]) == 0
    out = capsys.readouterr().out
    assert f"skipped {orphan}" in out and "no play-by-play" in out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert [s["file"] for s in summary["skipped"]] == [str(orphan)]


@pytest.mark.parametrize("task", ["evaluate", "train", "simulate"])
def test_data_keys_take_a_list_of_globs_and_folders(task, corpus, tmp_path):
    tracking = f"data.tracking=['{corpus / 'tracking'}/*.json.gz']"
    pbp = f"data.pbp=['{corpus / 'pbp'}']"
    extra = {"evaluate": ["methods=[scripted]", "defenses=[man_to_man]", "possessions=4"],
             "train": ["planner.steps=2", "planner.value_steps=2"],
             "simulate": ["possessions=4"]}[task]
    assert main([task, tracking, pbp, "workers=1", f"cache_dir={tmp_path / 'cache'}",
                 f"out={tmp_path / 'o'}"] + extra) == 0


def test_ingest_warns_on_a_period_tracked_for_under_half_its_clock():
    """A tracking file cut halfway ingests, but the period is named with its share."""
    import numpy as np
    import pandas as pd

    from engine.possessions.ingest import low_coverage, period_coverage

    class Track:
        period = np.ones(1249, int)
        game_clock = 720.0 - np.arange(1249) * 0.5        # 2 Hz over the whole quarter
    events = pd.DataFrame({"period": [1, 1], "clock": [720.0, 0.0]})
    full = period_coverage(Track, events, [1])
    assert full[1] > 0.85 and low_coverage("g", full) == []
    Track.period, Track.game_clock = Track.period[:612], Track.game_clock[:612]   # cut halfway
    cut = period_coverage(Track, events, [1])
    assert low_coverage("g", cut) == [{"game_id": "g", "period": 1, "covered_share": 0.424}]


def test_datasheet_lists_low_coverage_periods():
    from types import SimpleNamespace

    from engine.possessions.datasheet import datasheet_text

    totals = {"games": 1, "possessions": 0, "points": 0, "frames_native": 612, "outcomes": {},
              "low_coverage": [{"game_id": "0021500001", "period": 1, "covered_share": 0.42}]}
    text = datasheet_text({"totals": totals, "config": {}, "games": [], "skipped": []},
                          SimpleNamespace(rate_hz=2.0))
    assert "game 0021500001 period 1: 42% of the play-by-play clock tracked" in text


def test_top_level_paths_take_lists(corpus, tmp_path):
    tracking = sorted((corpus / "tracking").iterdir())
    spec = f"tracking=['{tracking[0]}','{corpus / 'tracking'}/*.json.gz']"
    assert main(["ingest", spec, f"pbp=['{corpus / 'pbp'}']", "workers=1",
                 f"out={tmp_path / 'o'}"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert len(summary["games"]) == 2


def test_possession_cache_of_another_schema_rebuilds(corpus, tmp_path, caplog):
    import logging

    from engine.possessions.api import load_possessions

    first, _ = load_possessions(str(corpus / "tracking"), str(corpus / "pbp"), cache_dir=tmp_path)
    manifest, = tmp_path.glob("possessions-*/manifest.json")
    stale = json.loads(manifest.read_text())
    stale["schema_version"] = -1
    manifest.write_text(json.dumps(stale))
    with caplog.at_level(logging.INFO):
        again, _ = load_possessions(str(corpus / "tracking"), str(corpus / "pbp"), cache_dir=tmp_path)
    assert len(again) == len(first)
    assert sum("rebuilding" in r.getMessage() for r in caplog.records) == 1
    assert json.loads(manifest.read_text())["schema_version"] != -1
