"""The torch vector env: same-step auto-reset with the final observation in ``info``
(so a training loop can bootstrap truncated rows), determinism, and its registration
as HalfCourt-v0's ``vector_entry_point``."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

import envs  # noqa: F401  (registers the ids)
from engine.sim.observe import OBS_DIM, SHOT_CLOCK
from envs.halfcourt import HalfCourtEnv
from envs.vector import HalfCourtVectorEnv


def hold(b: int) -> dict:
    return {"move": torch.zeros(b, 5, 2), "decision": torch.zeros(b, dtype=torch.long)}


def test_vector_env_auto_resets_finished_rows():
    vec = HalfCourtVectorEnv(num_envs=32, device="cpu", max_steps=6)
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (32, OBS_DIM)
    shoot = {"move": torch.zeros(32, 5, 2), "decision": torch.full((32,), 6)}
    hold = {"move": torch.zeros(32, 5, 2), "decision": torch.zeros(32, dtype=torch.long)}
    finished = 0
    for i in range(12):
        obs, r, term, trunc, info = vec.step(shoot if i == 0 else hold)
        finished += int((term | trunc).sum())
        fresh = (term | trunc)
        assert torch.equal(info["_final"], fresh)
        # a reset row starts a fresh possession: ball held, step counter 0
        assert (vec.state().t[fresh] == 0).all()
        assert (obs[fresh][:, 71] == 1.0).all()          # ball mode: held
    assert finished >= 32          # every row ended at least once (shot or truncation)
    assert not vec.state().sim.done.any()


def test_vector_env_is_deterministic():
    def run():
        vec = HalfCourtVectorEnv(num_envs=16, device="cpu")
        vec.reset(seed=4)
        g = torch.Generator().manual_seed(0)
        out = []
        for _ in range(30):
            a = {"move": torch.rand(16, 5, 2, generator=g) * 2 - 1,
                 "decision": torch.randint(0, 7, (16,), generator=g)}
            out.append(vec.step(a)[0])
        return torch.stack(out)
    assert torch.equal(run(), run())


def test_make_vec_reaches_the_torch_vector_env():
    vec = gym.make_vec("hoopsim/HalfCourt-v0", num_envs=4, vectorization_mode="vector_entry_point",
                       device="cpu", max_steps=7)
    assert isinstance(vec, HalfCourtVectorEnv)
    assert vec.num_envs == 4 and vec.cfg.max_steps == 7 and vec.spec.id == "hoopsim/HalfCourt-v0"
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (4, OBS_DIM)
    obs, *_ = vec.step(hold(4))
    assert obs.shape == (4, OBS_DIM)


def test_final_obs_is_the_single_env_observation_before_the_reset():
    """At B = 1 the vector env replays HalfCourt-v0 (same seed, same actions); the step
    that ends the possession returns the new possession's observation and, in
    info["final_obs"], the one HalfCourt-v0 returns for that step."""
    single = HalfCourtEnv(fast=False, max_steps=5)
    vec = HalfCourtVectorEnv(num_envs=1, device="cpu", max_steps=5)
    single.reset(seed=3)
    vec.reset(seed=3)
    zero = {"move": np.zeros((5, 2), np.float32), "decision": 0}
    for _ in range(5):
        want, _, term, trunc, _ = single.step(zero)
        obs, _, vterm, vtrunc, info = vec.step(hold(1))
        assert (bool(vterm[0]), bool(vtrunc[0])) == (term, trunc)
        assert np.array_equal(info["final_obs"][0].numpy(), want)
        if term or trunc:
            break
    assert trunc and bool(info["_final_obs"][0])
    assert not torch.equal(info["final_obs"][0], obs[0])          # obs is the reset row's
    assert obs[0, SHOT_CLOCK] > info["final_obs"][0, SHOT_CLOCK]    # a fresh shot clock


def test_a_training_loop_bootstraps_truncated_rows():
    """TD targets r + gamma * (1 - terminated) * V(next) with next = info["final_obs"]:
    a truncated row bootstraps from where its possession was cut (the shot clock ran on
    by one step, or was raised to 14 s by a non-shooting foul's side-out), not from the
    fresh start that replaced it."""
    b, gamma = 32, 0.9
    vec = HalfCourtVectorEnv(num_envs=b, device="cpu", max_steps=3)
    obs, _ = vec.reset(seed=1)
    value = torch.linspace(-1.0, 1.0, OBS_DIM)
    dt_share = vec.core.sim_cfg.dt_s / 24.0
    truncated_rows = 0
    for _ in range(7):
        new_obs, reward, term, trunc, info = vec.step(hold(b))
        nxt = info["final_obs"]
        assert torch.equal(info["_final_obs"], term | trunc)
        assert torch.equal(nxt[~(term | trunc)], new_obs[~(term | trunc)])
        target = reward + gamma * (~term).float() * (nxt @ value)
        naive = reward + gamma * (~term).float() * (new_obs @ value)
        cut = trunc & ~term
        truncated_rows += int(cut.sum())
        ran_on = torch.isclose(nxt[cut, SHOT_CLOCK], obs[cut, SHOT_CLOCK] - dt_share, atol=1e-5)
        side_out = (torch.isclose(nxt[cut, SHOT_CLOCK], torch.tensor(14.0 / 24.0), atol=1e-5)
                    & (obs[cut, SHOT_CLOCK] - dt_share < 14.0 / 24.0))   # a non-shooting foul: 14 s
        assert (ran_on | side_out).all()
        assert not torch.isclose(target[cut], naive[cut]).any()
        obs = new_obs
    assert truncated_rows >= b
