"""hoopsim offline-eval at the tiny preset on the real logs (skips without them) writes
results.json in the issue's schema; evaluate refuses missing or unbuilt agents in one line."""

from __future__ import annotations

import json

import pytest

from hoopsim.cli import main


def test_evaluate_refuses_unbuilt_and_missing_agents(tmp_path, capsys):
    assert main(["evaluate", "methods=[pg]", "possessions=2"]) == 2
    assert "give agents=" in capsys.readouterr().err
    assert main(["evaluate", "methods=[pomdp_dqn_lstm]", f"agents={tmp_path}", "possessions=2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no trained agent" in err and len(err.splitlines()) == 1
    assert main(["offline-eval", "preset=huge", f"out={tmp_path / 'x'}"]) == 2
    assert "preset" in capsys.readouterr().err and not (tmp_path / "x").exists()


@pytest.mark.slow
def test_offline_eval_tiny_on_real_data(shared_data, tmp_path):
    out = tmp_path / "oe"
    assert main(["offline-eval", f"tracking={shared_data / 'tracking_2hz'}", f"pbp={shared_data / 'pbp'}",
                 "cutoff=0021500500", "preset=tiny", f"out={out}"]) == 0
    r = json.loads((out / "results.json").read_text())
    assert {"meta", "action_copy", "ope", "actual_points_per_100", "online"} <= set(r)
    assert {"split", "seeds", "budgets", "wall_s"} <= set(r["meta"])
    assert r["meta"]["split"]["cutoff"] == "0021500500" and r["meta"]["split"]["test_first_last"][0] >= "0021500500"
    keys = {"method", "n", "three_point_f1", "three_point_f1_ci95", "three_point_f1_shots", "three_point_pr_auc",
            "micro_f1", "micro_f1_ci95", "macro_f1", "macro_f1_ci95"}
    rows = {row["method"]: row for row in r["action_copy"]}
    assert all(keys <= set(row) for row in rows.values()) and len(rows) == 16
    # majority always dribbles: micro F1 = the dribble share, macro = its F1 / 3
    share = r["meta"]["counts"]["test"]["per_class"]["dribble"] / r["meta"]["counts"]["test"]["decision_points"]
    assert rows["majority"]["micro_f1"] == pytest.approx(share)
    assert rows["majority"]["macro_f1"] == pytest.approx(2 * share / (1 + share) / 3)
    assert {e["estimator"] for e in r["ope"]} == {"is", "wis", "pdwis", "dr", "fqe"}
    assert {"method", "defense", "n", "xppp", "ppp", "ci95"} <= set(r["online"][0])
    assert {"bc", "scripted", "pomdp_dqn_lstm"} <= {o["method"] for o in r["online"]}
    assert (out / "results.md").exists() and not (tmp_path / "d3rlpy_logs").exists()
    # the saved agents play through hoopsim evaluate
    assert (out / "agents" / "pomdp_dqn_lstm" / "checkpoint.json").exists()
