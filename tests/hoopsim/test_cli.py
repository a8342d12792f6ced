"""The CLI contract: tasks, help, key=value overrides, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hoopsim.cli import main

GAMES = ["0021500002", "0021500003"]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "hoopsim", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_help_lists_tasks(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for task in ("demo", "ingest", "export", "synthesize"):
        assert task in out


def test_task_help_shows_config(capsys):
    assert main(["ingest", "--help"]) == 0
    assert "split_cutoff" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["nosuchtask"], "unknown task"),
    (["ingest", "tracking=x", "pbp=y", "nosuchkey=3"], "nosuchkey"),
    (["ingest", "tracking=/nonexistent/dir", "pbp=/nonexistent/p", "out=/tmp/hoopsim-x"],
     "no matching files"),
    (["ingest", "tracking=a.csv", "b.csv", "pbp=c"], "unquoted glob"),
])
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_ingest_export_on_real_games(tmp_path, shared_data):
    """Relative paths resolve against the caller's directory; globs are expanded by us."""
    work = tmp_path / "work"
    work.mkdir()
    for g in GAMES:
        for kind in ("tracking_2hz", "pbp"):
            (work / kind).mkdir(exist_ok=True)
            (work / kind / f"{g}.csv.gz").symlink_to(shared_data / kind / f"{g}.csv.gz")
    r = run_cli("ingest", "tracking=tracking_2hz/*.csv.gz", "pbp=pbp", "out=out", "workers=1",
                cwd=work)
    assert r.returncode == 0, r.stderr
    summary = json.loads((work / "out" / "summary.json").read_text())
    assert summary["schema_version"] == 1 and summary["skipped"] == []
    assert [g["game_id"] for g in summary["games"]] == GAMES
    g = summary["games"][0]
    assert set(g) >= {"game_id", "periods", "possessions", "points", "frames", "outcomes"}
    assert set(g["frames"]) == {"native", "resampled", "rate_hz"}
    assert sum(g["outcomes"].values()) == sum(g["possessions"].values())
    assert (work / "out" / "datasheet.md").read_text().startswith("# Possession dataset")
    r = run_cli("export", "cache=out", "format=parquet", "out=exported", cwd=work)
    assert r.returncode == 0, r.stderr
    poss = pd.read_parquet(work / "exported" / "possessions.parquet")
    frames = pd.read_parquet(work / "exported" / "frames.parquet")
    assert len(poss) == sum(sum(g["possessions"].values()) for g in summary["games"])
    assert set(frames["slot"]) == set(range(11))
    cache = np.load(work / "out" / "possessions" / "arrays.npz")
    assert len(frames) == 11 * int(cache["frame_valid"].sum())   # every existing frame, 11 slots


def test_demo_same_table_first_and_cached(tmp_path, capsys):
    args = ["demo", "data.games=2", "data.n_periods=1", "data.seconds_per_period=200",
            "workers=1", "possessions=10", "methods=[scripted,playbest_a1]",
            "planner.steps=10", "planner.value_steps=10", "playbest.candidates=2",
            f"cache_dir={tmp_path / 'cache'}"]
    assert main(args + [f"out={tmp_path / 'a'}"]) == 0
    assert main(args + [f"out={tmp_path / 'b'}"]) == 0
    first = (tmp_path / "a" / "ppp.md").read_text()
    assert first == (tmp_path / "b" / "ppp.md").read_text()
    assert "| scripted | man_to_man | 10 |" in first and "95% CI" in first
    assert "| playbest_a1 | zone_2_3 | 10 |" in first
    cached = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert cached.count("corpus") == 1 and cached.count("planner") == 1   # built once, reused
    from PIL import Image
    with Image.open(tmp_path / "a" / "play.gif") as gif:
        assert gif.n_frames > 5
    assert Image.open(tmp_path / "a" / "play.png").size == (800, 800)


def test_multirun_sweeps_each_job_into_its_folder(tmp_path):
    code = main(["synthesize", "-m", "seed=0,1", "n_games=1", "seconds_per_period=30",
                 f"out={tmp_path}"])
    assert code == 0
    jobs = (tmp_path / "multirun.txt").read_text().splitlines()
    assert len(jobs) == 2 and "seed=0" in jobs[0] and "seed=1" in jobs[1]
    files = [sorted((tmp_path / str(i) / "pbp").iterdir()) for i in (0, 1)]
    assert all(len(f) == 1 for f in files)
    # different seeds give different games
    assert files[0][0].read_bytes() != files[1][0].read_bytes()
