"""offline_rl.bc.shot_calibrate: the shot table's body rings scaled until the simulated shots
per possession per category (two-pointers by logged ring, threes by depth) meet the logged
ones of the same training possessions."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from offline_rl.bc.shot_calibrate import (
    CATEGORIES,
    N_RINGS,
    body_by_category,
    calibrate,
    clock_multiplier,
    category_of,
    logged_counts,
    ring_multipliers,
    ring_of,
    scale_table,
)
from offline_rl.bc.shot_select import DIST_EDGES, TABLE_SHAPE


def test_rings_and_categories():
    d = np.array([0.0, 2.9, 3.0, 5.0, 9.9, 15.0, 21.0, 24.0, 26.0, 30.0])
    assert ring_of(d).tolist() == [0, 0, 1, 1, 2, 3, 4, 5, 6, 7] and N_RINGS == len(DIST_EDGES) + 1
    three = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], bool)
    assert [CATEGORIES[k] for k in category_of(d, three)] == [
        "two_0_3", "two_0_3", "two_3_6", "two_3_6", "two_6_10", "two_10_16", "two_16_arc",
        "three", "three", "three_28_plus"]
    cells = [json.dumps([{"distance_ft": 1.0, "is_three": False},
                         {"distance_ft": 25.0, "is_three": True}]),
             [{"distance_ft": 2.0, "is_three": False}], "[]"]
    counts = logged_counts(cells)
    assert counts[0] == 2.0 and counts[CATEGORIES.index("three")] == 1.0 and counts.sum() == 3
    c = body_by_category([4.0, 4.0, 24.0], [2.0, 4.0, 24.0], [False, False, True])
    assert c[1, 0] == 1 and c[1, 1] == 1 and c[5, CATEGORIES.index("three")] == 1


def test_ring_multipliers_undo_a_known_mixing():
    """Body ring 1 feeds logged categories 0 and 1 (drives logged at the rim); the solution
    scales ring 0 and ring 1 so that both categories meet their targets."""
    c = np.zeros((N_RINGS, len(CATEGORIES)))
    for k in range(N_RINGS):
        c[k, min(k, len(CATEGORIES) - 1)] = 100.0
    c[1, 0] = 50.0                       # ring 1 -> category 0 as well
    c[6, 5], c[6, 6] = 100.0, 0.0        # rings 5 and 6 are both threes
    want = np.array([2.0, 1.5, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0])
    real = c.T @ want                    # what m = want would give, per 1000 possessions
    m = ring_multipliers(c, 1000, real, 1000, ridge=1e-6)
    got = c.T @ m
    assert np.allclose(got, real, rtol=0.02) and np.allclose(m[:5], want[:5], atol=0.02)
    assert ring_multipliers(c, 1000, real * 100, 1000).max() == pytest.approx(4.0)   # bounded


def test_clock_multiplier_only_raises_late_clock_shooting():
    assert clock_multiplier(80, 1000, 0.004) == pytest.approx(4.0)        # capped
    assert clock_multiplier(10, 1000, 0.004) == pytest.approx(0.012 / 0.006)
    assert clock_multiplier(0, 1000, 0.004) == 1.0                        # never lowered


def test_scaling_keeps_the_last_clock_bin_and_caps():
    table = torch.full(TABLE_SHAPE, 0.4)
    ratio = np.ones(N_RINGS)
    ratio[0], ratio[3] = 2.0, 0.25
    out = scale_table(table, ratio)
    assert torch.allclose(out[:, 0, :, 1:], torch.full_like(out[:, 0, :, 1:], 0.8))
    assert torch.allclose(out[:, 3, :, 1:], torch.full_like(out[:, 3, :, 1:], 0.1))
    assert torch.equal(out[..., 0], table[..., 0])          # < 4 s on the clock: its own factor
    late = scale_table(table, ratio, clock=2.0)
    assert torch.allclose(late[:, :-1, :, 0], torch.full_like(late[:, :-1, :, 0], 0.8))
    assert torch.equal(late[:, -1, :, 0], table[:, -1, :, 0])   # heaves: logged late rates
    assert torch.equal(late[..., 1:], out[..., 1:])
    assert scale_table(table, np.full(N_RINGS, 5.0)).max().item() == pytest.approx(0.95)


def test_calibration_meets_the_logged_mix_of_a_simulator_it_cannot_see_inside():
    """A fake closed loop: holders visit body ring r at rates unlike the logs, a ring's shots
    are visits x its table rate and land in categories through a fixed mixing (body 3-6 ft
    mostly logged at the rim); after three rounds each category's shots per possession is
    within 10% of the logged one."""
    visits = np.array([0.3, 0.8, 2.5, 3.0, 2.0, 0.6, 1.0, 3.0])
    mix = np.zeros((N_RINGS, len(CATEGORIES)))
    for k in range(N_RINGS):
        mix[k, min(k, 4) if k < 5 else (5 if k < 7 else 6)] = 1.0
    mix[1] = [0.7, 0.3, 0, 0, 0, 0, 0]
    mix[5] = [0, 0, 0, 0, 0.4, 0.6, 0]
    real = np.array([0.25, 0.05, 0.10, 0.10, 0.15, 0.24, 0.01])

    def simulate(t, idx, seed):
        rate = t[2, :, 2, 2].numpy().astype(float)
        late = t[2, 4, 2, 0].item()                     # violations fall as late shooting rises
        return (visits * rate * len(idx))[:, None] * mix, 0.002 / late * len(idx)

    table = torch.full(TABLE_SHAPE, 0.05)
    out, log = calibrate(table, real * 5000, 5000, 0.01, simulate, 3, 1000, 5000, seed=0)
    shots, violations = simulate(out, np.arange(1000), 0)
    assert np.all(np.abs(shots.sum(0) / 1000 / real - 1.0) < 0.10), shots.sum(0) / 1000 / real
    assert violations / 1000 < 0.012 and log[0]["clock_multiplier"] == pytest.approx(3.5)
    assert len(log) == 3 and log[0]["categories"] == list(CATEGORIES)
