"""hoopsim realism on a handful of real games (tiny fits): the JSON schema and finite values."""

from __future__ import annotations

import json
import math

from envs.evaluation.realism import METRIC_NAMES
from hoopsim.cli import main

GAMES = ("0021500002", "0021500003", "0021500500", "0021500501")
ENTRY_KEYS = {"simulated", "real", "difference", "simulated_ci95", "real_ci95", "target", "pass"}


def test_realism_cli_on_real_games(tmp_path, shared_data):
    work = tmp_path / "data"
    for kind in ("tracking_2hz", "pbp"):
        (work / kind).mkdir(parents=True)
        for g in GAMES:
            (work / kind / f"{g}.csv.gz").symlink_to(shared_data / kind / f"{g}.csv.gz")
    out = tmp_path / "out"
    code = main(["realism", f"tracking={work / 'tracking_2hz'}", f"pbp={work / 'pbp'}",
                 f"out={out}", f"cache_dir={tmp_path / 'cache'}", "n_starts=60", "batch=30",
                 "max_steps=60", "offense.steps=15", "offense.max_frames=3000",
                 "offense.batch=256", "defense.steps=15", "defense.max_frames=3000"])
    assert code == 0
    rep = json.loads((out / "realism.json").read_text())
    assert set(rep) == {"meta", "metrics", "teams"}
    assert {r["team_id"] for r in rep["teams"]["teams"]} and set(rep["teams"]["correlation"]) == {
        "ppp", "rim", "mid", "three"}
    assert len(rep["meta"]["shot_calibration"]) == 3          # the league offense's rounds
    assert rep["meta"]["n_real_trajectories"] > 0
    for key in ("games", "n_starts", "cutoff", "seed", "git_rev", "wall_s"):
        assert key in rep["meta"]
    assert rep["meta"]["games"] == ["0021500500", "0021500501"]
    assert rep["meta"]["n_starts"] == 60
    assert list(rep["metrics"]) == list(METRIC_NAMES)
    for name, e in rep["metrics"].items():
        assert set(e) == ENTRY_KEYS, name
        assert math.isfinite(e["real"]), name
        if e["simulated"] is not None:   # a bin without simulated shots is null
            assert math.isfinite(e["simulated"]) and math.isfinite(e["difference"]), name
        if name in ("points_per_possession", "turnover_rate", "possession_length_ks",
                    "player_speed_ks", "three_point_attempt_rate", "passes_per_possession"):
            assert e["simulated"] is not None, name
        d = e["difference"]
        if e["target"] is None or d is None or not math.isfinite(d):
            assert e["pass"] is None, name
        else:                              # the verdict is the stated rule, not any bool
            assert e["pass"] == (abs(d) <= e["target"]), name
    assert 0.0 <= rep["metrics"]["player_speed_ks"]["difference"] <= 1.0
    assert (out / "realism.png").stat().st_size > 0
    assert "points_per_possession" in (out / "realism.md").read_text()
    assert "Per offense team" in (out / "realism.md").read_text()
