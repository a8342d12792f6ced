"""hoopsim evaluate: the results.json contract, the paired design, the HTML report."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
import torch

from envs.core import default_outcomes, default_sim_config
from envs.defense import DEFENSES
from envs.evaluation.paired import binned_rates, paired, rescore_binned, run_cell
from envs.offense import OFFENSES
from envs.starts import scenario_starts
from hoopsim.cli import main

METHODS = ["random_walk", "scripted", "playbest_unguided", "playbest_a1"]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    args = ["evaluate", "data.games=2", "data.n_periods=1", "data.seconds_per_period=240",
            "possessions=20", f"methods=[{','.join(METHODS)}]", "defenses=[man_to_man,zone_2_3]",
            "planner.steps=10", "planner.value_steps=10", "playbest.candidates=2",
            "table5.possessions=4", "table5.horizons_s=[3,6]", "table5.defenses=[man_to_man]",
            f"cache_dir={root / 'cache'}", f"out={root / 'ev'}", "report=true", "workers=1"]
    assert main(args) == 0
    return root / "ev", json.loads((root / "ev" / "results.json").read_text())


def test_results_follow_the_schema(evaluation):
    _, r = evaluation
    assert {"seed", "n", "start_state_ids", "outcome_model_version", "git_rev", "wall_s"} <= set(r["meta"])
    assert len(r["meta"]["start_state_ids"]) == 20 and r["meta"]["wall_s"] > 0
    assert len(r["cells"]) == len(METHODS) * 2
    for c in r["cells"]:
        assert {"method", "defense", "n", "ppp", "ci95", "xppp", "xci95", "value_model_score",
                "outcomes"} <= set(c)
        assert c["n"] == 20 and c["ci95"][0] <= c["ppp"] <= c["ci95"][1]
        is_planner = c["method"].startswith("playbest")
        assert (c["value_model_score"] is not None) == is_planner   # own score, its own column
    assert {(t["horizon_s"], t["defense"]) for t in r["table5"]} == {(3.1, "man_to_man"), (6.2, "man_to_man")}
    assert {"real_ppp", "real_ci95", "outcome_model_xppp"} <= set(r["ground_truth"])


def test_paired_difference_is_the_difference_of_cell_means(evaluation):
    _, r = evaluation
    ppp = {(c["method"], c["defense"]): c["ppp"] for c in r["cells"]}
    assert len(r["paired"]) == 3 * 2            # guided PlayBest vs the 3 others, per defense
    for p in r["paired"]:
        assert p["a"] == "playbest_a1"
        assert p["diff"] == pytest.approx(ppp[(p["a"], p["defense"])] - ppp[(p["b"], p["defense"])])
        assert p["ci95"][0] <= p["diff"] <= p["ci95"][1]
        assert {"xdiff", "xci95"} <= set(p)


def test_report_is_self_contained_and_renders(evaluation, tmp_path):
    out, _ = evaluation
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64") >= 2 + len(METHODS)   # bars + shot charts
    assert html.count("data:image/gif;base64") == len(METHODS)
    assert "src=\"http" not in html and "src='http" not in html
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium not installed (Debian package `chromium`)")
    shot = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", "--window-size=1100,1400", (out / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    from PIL import Image
    img = np.asarray(Image.open(shot).convert("RGB"), float)
    assert img.shape[:2] == (1400, 1100)
    # the table and the charts drew something: far from a blank page
    assert img.std() > 20 and (img.mean(axis=2) < 100).mean() > 0.01


class NoisyScripted:
    """The scripted mix plus 37 extra draws from the policy generator per call."""

    def __init__(self):
        self.inner = OFFENSES.make("scripted")

    def init(self, state, gen):
        return self.inner.init(state, gen)

    def act(self, state, memory, gen):
        torch.rand(37, generator=gen)
        return self.inner.act(state, memory, gen)


def test_cells_share_the_simulators_random_numbers():
    """Common random numbers: what a policy draws from its own generator does not move
    the simulator's uniforms, so an offense that acts identically scores identically."""
    starts = scenario_starts()
    idx = np.arange(len(starts)).repeat(4)
    cfg = default_sim_config()
    out = default_outcomes(torch.device("cpu"))
    start = starts.to_sim(idx, "cpu", out, cfg)
    a = run_cell(start, OFFENSES.make("scripted"), DEFENSES.make("man_to_man"), out, cfg, seed=3)
    b = run_cell(start, NoisyScripted(), DEFENSES.make("man_to_man"), out, cfg, seed=3)
    c = run_cell(start, OFFENSES.make("scripted"), DEFENSES.make("man_to_man"), out, cfg, seed=4)
    assert np.array_equal(a.points, b.points) and a.shots.equals(b.shots)
    assert not a.shots.equals(c.shots)
    assert paired(a.points, b.points)["diff"] == 0.0


def test_binned_evaluator_prices_shots_by_distance():
    import pandas as pd

    real = pd.DataFrame({"distance_ft": [1.0] * 30 + [20.0] * 30 + [25.0] * 30,
                         "is_three": [False] * 60 + [True] * 30,
                         "made": [True] * 24 + [False] * 6 + [True] * 12 + [False] * 18
                         + [True] * 10 + [False] * 20})
    table = binned_rates(real, 0.75)
    assert table["0_3ft"] == pytest.approx(0.8) and table["16ft_arc"] == pytest.approx(0.4)
    assert table["3_10ft"] == pytest.approx(36 / 60)          # too few shots: pooled twos
    from envs.evaluation.paired import CellRun
    shots = pd.DataFrame({"row": [0, 1], "distance_ft": [1.0, 25.0], "is_three": [False, True],
                          "made": [True, False], "fouled": [False, True]})
    run = CellRun(np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), shots, [])
    xp = rescore_binned(run, table)
    third = 10 / 30
    assert xp[0] == pytest.approx(1.6) and xp[2] == 0.0
    assert xp[1] == pytest.approx(third * 3 + (third * 1 + (1 - third) * 3) * 0.75)
