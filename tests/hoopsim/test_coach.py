"""hoopsim coach on a tiny synthetic corpus with the shipped planner: the outputs
(coach.json, coach.md, the printed table) and that each instruction moves its targeted
feature the instructed way against the unconditioned pick ('move the ball' -> more
passes, 'hold the ball' -> fewer), with the cost of obeying beside it."""

from __future__ import annotations

import json

import pytest

from hoopsim.cli import main


@pytest.mark.slow
def test_coach_outputs_and_direction(tmp_path, capsys):
    out = tmp_path / "coach"
    args = ["coach", "data=synthetic", "data.games=2", "data.n_periods=1", "data.seconds_per_period=200",
            "instruction='move the ball'", "contrast=hold the ball", "planner_checkpoint=playbest-2hz",
            "starts=12", "candidates=6", "device=cpu", "workers=1", f"cache_dir={tmp_path / 'cache'}",
            f"out={out}"]
    assert main(args) == 0
    res = json.loads((out / "coach.json").read_text())
    md = (out / "coach.md").read_text()
    printed = capsys.readouterr().out
    assert md.strip() in printed and f"outputs: {out}" in printed
    assert res["starts"] == 12 and res["candidates"] == 6
    assert set(res["preferences"]) == {"unconditioned", "move the ball", "hold the ball"}
    assert res["rubrics"]["move the ball"]["items"][0]["feature"] == "passes"
    for label, sign in (("move the ball", 1), ("hold the ball", -1)):
        e = res["preferences"][label]
        f = e["features"]["passes"]
        assert f["targeted"] and f["sign"] == sign
        assert sign * f["change"] >= 0 and sign * f["change_ci95"][0 if sign > 0 else 1] >= 0
        assert {"expected_points", "cost_vs_unconditioned", "cost_ci95", "speed_ks_vs_real", "offcourt_share"} <= set(e)
        assert 0 <= e["speed_ks_vs_real"] <= 1
    base = res["preferences"]["unconditioned"]["features"]["passes"]
    assert base["change"] == 0 and not base["targeted"]
    # the two contrasting instructions pick different plays: more passes under one than the other
    more, fewer = (res["preferences"][k]["features"]["passes"]["mean"] for k in ("move the ball", "hold the ball"))
    assert more > fewer
    assert "| move the ball | passes (+) |" in md and "cost vs unconditioned" in md
