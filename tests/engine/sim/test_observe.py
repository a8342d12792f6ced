"""engine.sim.observe: the env faces' encoders are pure functions of the state (batch
rows independent, randomness only from the generator passed in, fixed draw count)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.sim.observe import (
    DECISION_OBS_DIM,
    OBS_DIM,
    bounds,
    decision_bounds,
    observe,
    observe_decision,
)
from engine.sim.step import SimState, initial_state


def batch(b: int = 6, seed: int = 0) -> SimState:
    g = torch.Generator().manual_seed(seed)
    pos = torch.zeros(b, 11, 3)
    pos[..., 0] = 50.0 + 42.0 * torch.rand(b, 11, generator=g)
    pos[..., 1] = 2.0 + 46.0 * torch.rand(b, 11, generator=g)
    vel = (torch.rand(b, 11, 3, generator=g) - 0.5) * 30.0
    s = initial_state(pos, torch.randint(1, 6, (b,), generator=g), torch.full((b,), 14.0),
                      torch.full((b,), 300.0), vel=vel)
    s.ball_mode[1] = 1          # row 1: a pass in flight
    return s


def row(s: SimState, i: int) -> SimState:
    return s.map(lambda t: t[i:i + 1])


def test_halfcourt_observation_rows_are_independent_and_in_bounds():
    s = batch()
    obs = observe(s, 20.7)
    low, high = bounds()
    assert obs.shape == (6, OBS_DIM) and obs.dtype == torch.float32
    assert np.all(obs.numpy() >= low) and np.all(obs.numpy() <= high)
    for i in range(6):
        assert torch.equal(observe(row(s, i), 20.7)[0], obs[i])


@pytest.mark.parametrize("noise_ft, view_ft", [(0.0, None), (2.0, 20.0)])
def test_decision_observation_draws_a_fixed_count(noise_ft, view_ft):
    s = batch()
    rng = np.random.default_rng(1)
    obs = observe_decision(s, 20.7, rng, noise_ft, view_ft)
    low, high = decision_bounds()
    assert obs.shape == (6, DECISION_OBS_DIM) and obs.dtype == np.float32
    assert np.all(obs >= low) and np.all(obs <= high)
    ref = np.random.default_rng(1)
    ref.normal(size=(6, 11, 2))
    assert rng.bit_generator.state == ref.bit_generator.state   # 6 * 22 draws, whatever the state
    again = observe_decision(s, 20.7, np.random.default_rng(1), noise_ft, view_ft)
    assert np.array_equal(obs, again)


def test_decision_observation_view_and_noise():
    s = batch()
    exact = observe_decision(s, 20.7)
    noisy = observe_decision(s, 20.7, np.random.default_rng(0), 2.0)
    h = s.handler.numpy()
    feats = exact.reshape(6, -1)[:, :55].reshape(6, 11, 5)
    nfeats = noisy.reshape(6, -1)[:, :55].reshape(6, 11, 5)
    rows = np.arange(6)
    assert np.array_equal(feats[rows, h], nfeats[rows, h])          # the handler is exact
    assert not np.array_equal(feats, nfeats)
    far = observe_decision(s, 20.7, view_ft=0.0)
    visible = far[:, 4:55:5]
    assert np.all(visible[rows, h] == 1.0) and visible.sum() <= 6 * 2
    with pytest.raises(ValueError, match="needs a generator"):
        observe_decision(s, 20.7, None, 1.0)
