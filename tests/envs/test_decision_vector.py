"""The batched torch decision env: B = 1 follows Decision-v0 (torch and fast paths) exactly;
macros of different lengths and auto-reset in one batch; make_vec reaches it."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import envs  # noqa: F401
from envs.decision import DecisionEnv
from envs.decision_vector import DecisionVectorEnv


@pytest.mark.parametrize("view_ft", [None, 30.0])
def test_one_row_follows_the_single_env(view_ft):
    acts = np.random.default_rng(4).integers(0, 7, 80)
    single = [DecisionEnv(fast=f, view_ft=view_ft) for f in (False, True)]
    vec = DecisionVectorEnv(num_envs=1, device="cpu", view_ft=view_ft)
    obs = [e.reset(seed=21)[0] for e in single]
    vobs, _ = vec.reset(seed=21)
    ends = 0
    for a in acts:
        assert np.array_equal(vobs[0].numpy(), obs[0])          # exactly the torch path
        assert np.abs(vobs[0].numpy() - obs[1]).max() < 1e-4    # the fast twin
        outs = [e.step(int(a)) for e in single]
        vobs, r, term, trunc, info = vec.step(torch.tensor([a]))
        o, rr, t, u, i = outs[0]
        assert (bool(term[0]), bool(trunc[0]), int(info["sim_steps"][0])) == (t, u, i["sim_steps"])
        assert float(r[0]) == pytest.approx(rr, abs=1e-6) and rr == pytest.approx(outs[1][1], abs=1e-5)
        obs = [o, outs[1][0]]
        if t or u:
            ends += 1
            assert float(info["final_points"][0]) == i["points"]
            assert np.array_equal(info["final_obs"][0].numpy(), o)
            break
    assert ends == 1


def test_batch_runs_mixed_macros_and_resets():
    env = gym.make_vec("hoopsim/Decision-v0", num_envs=64, vectorization_mode="vector_entry_point",
                       device="cpu", obs_noise_ft=1.0)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (64, 62) and env.single_action_space == gym.spaces.Discrete(7)
    g = torch.Generator().manual_seed(0)
    ended, steps = 0, set()
    for _ in range(30):
        obs, r, term, trunc, info = env.step(torch.randint(0, 7, (64,), generator=g))
        assert env.single_observation_space.contains(obs[0].numpy())
        ended += int(info["_final"].sum())
        steps |= set(info["sim_steps"].tolist())
    assert ended > 20 and {1, 2, 3} <= steps
    box = gym.make_vec("hoopsim/Decision-v0", num_envs=8, vectorization_mode="vector_entry_point",
                       device="cpu", actions="box")
    box.reset(seed=0)
    assert box.step(torch.rand(8, 7))[0].shape == (8, 62)
