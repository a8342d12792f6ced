"""Evaluation statistics (engine.report.mean_ci95, envs.evaluation.paired): interval
coverage measured on known distributions at the sizes the demo and tests use, common
random numbers narrowing the paired interval, the edge cases, the ranking helper."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.report import mean_ci95
from envs.core import default_outcomes, default_sim_config
from envs.defense import DEFENSES
from envs.evaluation.paired import paired, ranking_agrees, run_cell
from envs.offense import OFFENSES
from envs.starts import scenario_starts

# points of one possession: 0, 1, 2, 3 with league-like shares (skewed, discrete)
POINTS, SHARES = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.52, 0.03, 0.33, 0.12])
REPS = 4000     # coverage SE sqrt(.95 x .05 / 4000) = 0.0034


def coverage(draw, mean: float, n: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hit = 0
    for _ in range(REPS):
        _, lo, hi = mean_ci95(draw(rng, n))
        hit += lo <= mean <= hi
    return hit / REPS


@pytest.mark.parametrize("n", [5, 10, 20])
def test_interval_covers_95_percent_of_normal_samples(n):
    """Exact for normal data with a t interval; 1.96 gives 88% / 92% / 93.4% here."""
    cov = coverage(lambda rng, n: rng.normal(1.0, 2.0, n), 1.0, n, seed=n)
    assert 0.94 <= cov <= 0.96, cov


@pytest.mark.parametrize("n, floor", [(10, 0.92), (20, 0.935), (200, 0.94)])
def test_interval_coverage_on_possession_points_and_paired_differences(n, floor):
    """Skewed discrete points (the normal interval gave 90.5% at n = 10); a paired
    difference of two such cells, correlated 0.8 as common random numbers make them."""
    mean = float(POINTS @ SHARES)
    cov = coverage(lambda rng, n: rng.choice(POINTS, n, p=SHARES), mean, n, seed=100 + n)
    assert floor <= cov <= 0.97, cov

    def diff(rng, n):
        a = rng.choice(POINTS, n, p=SHARES)
        b = np.where(rng.random(n) < 0.8, a, rng.choice(POINTS, n, p=SHARES))  # b same law as a
        return a - b
    cov = coverage(diff, 0.0, n, seed=200 + n)
    assert cov >= floor - 0.01, cov       # ties (zero differences) make it conservative


def test_interval_by_hand_and_edge_cases():
    m, lo, hi = mean_ci95([1.0, 2.0, 3.0, 4.0])
    half = 3.182446305284263 * math.sqrt(5 / 3) / 2          # t(0.975, 3) x s / sqrt(n)
    assert m == 2.5 and lo == pytest.approx(2.5 - half) and hi == pytest.approx(2.5 + half)
    m, lo, hi = mean_ci95([2.0])
    assert m == 2.0 and math.isnan(lo) and math.isnan(hi)               # n = 1: no interval
    assert all(math.isnan(v) for v in mean_ci95([]))
    p = paired([3.0], [1.0])
    assert p["diff"] == 2.0 and all(math.isnan(v) for v in p["ci95"])
    with pytest.raises(ValueError, match="same starts: 3 vs 2"):
        paired([1.0, 2.0, 3.0], [1.0, 2.0])


def test_paired_is_the_interval_of_the_row_differences():
    a = np.array([3.0, 0.0, 2.0, 2.0, 0.0, 3.0])
    b = np.array([2.0, 0.0, 2.0, 0.0, 0.0, 3.0])
    d = a - b                                                  # 1, 0, 0, 2, 0, 0
    s = math.sqrt(((d - 0.5) ** 2).sum() / 5)
    half = 2.570581835636314 * s / math.sqrt(6)                # t(0.975, 5)
    p = paired(a, b)
    assert p["diff"] == pytest.approx(0.5) and p["ci95"] == pytest.approx([0.5 - half, 0.5 + half])
    # the differences of the rows, not of the cell means: a shuffled b changes the interval
    assert paired(a, np.roll(b, 1))["ci95"] != pytest.approx(p["ci95"])


class Slower:
    """The scripted mix moving at 85% of its speed: a second method that mostly does what
    the first does, as two planner settings do."""

    def __init__(self):
        self.inner = OFFENSES.make("scripted")

    def init(self, state, gen):
        return self.inner.init(state, gen)

    def act(self, state, memory, gen):
        vel, dec, memory = self.inner.act(state, memory, gen)
        return 0.85 * vel, dec, memory


@pytest.mark.slow
def test_common_random_numbers_narrow_the_paired_interval():
    starts = scenario_starts()
    cfg, out = default_sim_config(), default_outcomes(torch.device("cpu"))
    start = starts.to_sim(np.arange(len(starts)).repeat(10), "cpu", out, cfg)
    scheme = DEFENSES.make("man_to_man")
    a = run_cell(start, OFFENSES.make("scripted"), scheme, out, cfg, seed=3, max_steps=60)
    b = run_cell(start, Slower(), scheme, out, cfg, seed=3, max_steps=60)            # the same uniforms
    c = run_cell(start, Slower(), scheme, out, cfg, seed=4, max_steps=60)            # other uniforms
    n = len(a.points)

    def unpaired_width(x, y):
        return 2 * 1.96 * math.sqrt(x.var(ddof=1) / n + y.var(ddof=1) / n)

    crn = paired(a.points, b.points)["ci95"]
    independent = paired(a.points, c.points)["ci95"]
    assert crn[1] - crn[0] < 0.6 * unpaired_width(a.points, b.points)
    assert independent[1] - independent[0] > 0.8 * unpaired_width(a.points, c.points)


def test_ranking_agrees_by_hand():
    a = {"x": 1.0, "y": 2.0, "z": 3.0, "w": 4.0}
    assert ranking_agrees(a, {"x": 10.0, "y": 20.0, "z": 30.0, "w": 40.0}) == \
        {"kendall_tau": 1.0, "same_order": True}
    # one swapped pair of 6: tau = (5 - 1) / 6
    got = ranking_agrees(a, {"x": 1.0, "y": 3.0, "z": 2.0, "w": 4.0})
    assert got["kendall_tau"] == pytest.approx(4 / 6) and not got["same_order"]
    rev = ranking_agrees(a, {k: -v for k, v in a.items()})
    assert rev["kendall_tau"] == pytest.approx(-1.0) and not rev["same_order"]
    assert ranking_agrees({"x": 1.0}, {"x": 5.0}) == {"kendall_tau": 1.0, "same_order": True}


def test_two_samples_have_an_interval_and_two_methods_a_tau():
    """n = 2 (one degree of freedom) is the smallest sample with an interval; two methods
    the smallest ranking with a Kendall tau (mutmut survivors at the n < 2 and > 1 bounds)."""
    m, lo, hi = mean_ci95([1.0, 3.0])
    half = 12.706204736174696 * math.sqrt(2.0) / math.sqrt(2.0)   # t(0.975, 1) x s / sqrt(n)
    assert m == 2.0 and lo == pytest.approx(2.0 - half) and hi == pytest.approx(2.0 + half)
    assert ranking_agrees({"x": 1.0, "y": 2.0}, {"x": 2.0, "y": 1.0}) == \
        {"kendall_tau": -1.0, "same_order": False}
