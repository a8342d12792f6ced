"""Expected points of simulated possessions (envs.evaluation.paired.expected_points):
hand-computed on a small cell, and carried into summarise and paired."""

import numpy as np
import pandas as pd
import pytest

from envs.evaluation.paired import CellRun, expected_points, paired, summarise


def cell(points, shots):
    n = len(points)
    return CellRun(np.asarray(points, float), np.zeros(n, int), np.ones(n), np.zeros(n),
                   pd.DataFrame(shots), [])


def test_expected_points_by_hand():
    # row 0: made two (p 0.6) -> 1.2; row 1: missed three (p 0.3) then a made two (p 0.5)
    # -> 0.9 + 1.0; row 2: and-one (made two p 0.4 + FT made) -> 0.8 + 1; row 3: turnover
    shots = {"row": [0, 1, 1, 2], "is_three": [False, True, False, False],
             "made": [True, False, True, True], "p_make": [0.6, 0.3, 0.5, 0.4]}
    run = cell([2, 2, 3, 0], shots)
    assert expected_points(run) == pytest.approx([1.2, 1.9, 1.8, 0.0])
    s = summarise(run)
    assert s["xppp"] == pytest.approx(np.mean([1.2, 1.9, 1.8, 0.0]))
    assert s["xci95"][0] < s["xppp"] < s["xci95"][1]


def test_free_throws_without_a_field_goal_count_as_scored():
    run = cell([2, 1], {"row": [], "is_three": [], "made": [], "p_make": []})
    assert expected_points(run) == pytest.approx([2.0, 1.0])


def test_paired_gives_expected_point_difference_only_with_both():
    a, b = np.array([2.0, 0.0, 3.0]), np.array([0.0, 0.0, 2.0])
    xa, xb = np.array([1.0, 0.5, 1.5]), np.array([0.8, 0.5, 1.0])
    out = paired(a, b, xa, xb)
    assert out["xdiff"] == pytest.approx(np.mean(xa - xb))
    assert out["xci95"][0] <= out["xdiff"] <= out["xci95"][1]
    assert "xdiff" not in paired(a, b)


def test_self_score_is_null_when_the_value_network_misses_its_gate(tmp_path):
    import json

    from hoopsim.evaluation_run import cell_entry, value_gate

    class Policy:
        scores = [0.9, 1.1]

    run = cell([2, 0], {"row": [0], "is_three": [False], "made": [True], "p_make": [0.5],
                        "distance_ft": [3.0], "fouled": [False]})
    table = {"0_3ft": 0.6, "ft_pct": 0.75}
    models = type("M", (), {"support": {}})()
    assert value_gate(tmp_path) is None and value_gate(None) is None
    (tmp_path / "card.json").write_text(json.dumps({"value_network": {"r2_clean": 0.18, "gate_r2": 0.2,
                                                                        "passes": False}}))
    gate = value_gate(tmp_path)
    assert gate == {"r2_clean": 0.18, "gate_r2": 0.2, "passes": False}
    assert cell_entry("playbest_rank", "man_to_man", run, Policy(), table, models, gate)["value_model_score"] is None
    assert cell_entry("playbest_rank", "man_to_man", run, Policy(), table, models)["value_model_score"] == 1.0
