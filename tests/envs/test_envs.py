"""The gymnasium faces: API checks, determinism, fast path == torch path, and the same
trajectory from the gym env, the vector env at B = 1 and the PettingZoo env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import envs  # noqa: F401  (registers the ids)
from engine.sim.observe import OBS_DIM
from envs.decision import DecisionEnv
from envs.halfcourt import HalfCourtEnv
from envs.multiagent import HalfCourtParallelEnv
from envs.rollout import RandomPolicy, rollout
from envs.vector import HalfCourtVectorEnv


def actions(n: int, seed: int = 0, shoot: float = 0.04, pass_: float = 0.04):
    rng = np.random.default_rng(seed)
    p = [1 - shoot - 5 * pass_] + [pass_] * 5 + [shoot]
    return [{"move": rng.uniform(-1, 1, (5, 2)).astype(np.float32),
             "decision": int(rng.choice(7, p=p))} for _ in range(n)]


def play(env, acts, seed=0, start=None):
    """Trajectory of (obs, reward, terminated, truncated, events, outcome) until the end."""
    obs, info = env.reset(seed=seed, options=None if start is None else {"start": start})
    out = [(obs, 0.0, False, False, info["events"], info["outcome"])]
    for a in acts:
        obs, r, term, trunc, info = env.step(a)
        out.append((obs, r, term, trunc, info["events"], info["outcome"]))
        if term or trunc:
            break
    return out


@pytest.mark.parametrize("env_id", sorted(envs.ENV_IDS))
def test_check_env_via_make(env_id):
    env = gym.make(env_id)
    check_env(env.unwrapped, skip_render_check=True)
    env.reset(seed=1)
    env.step(env.action_space.sample())


@pytest.mark.parametrize("make", [lambda: HalfCourtEnv(fast=False), lambda: HalfCourtEnv(fast=True),
                                  lambda: HalfCourtEnv(defense="zone_2_3"),
                                  lambda: DecisionEnv(obs_noise_ft=1.5, view_ft=25.0)])
def test_check_env_variants(make):
    check_env(make(), skip_render_check=True)


@pytest.mark.parametrize("fast", [False, True])
def test_same_seed_same_trajectory(fast):
    a, b = (play(HalfCourtEnv(fast=fast), actions(120), seed=5) for _ in range(2))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.array_equal(x[0], y[0]) and x[1:] == y[1:]


@pytest.mark.parametrize("defense", ["man_to_man", "zone_2_3", "switch_everything"])
def test_fast_path_matches_torch_path(defense):
    acts = actions(400, seed=1)
    envs_ = [HalfCourtEnv(fast=f, defense=defense) for f in (False, True)]
    obs = [e.reset(seed=3)[0] for e in envs_]
    compared = 0
    for a in acts:
        outs = [e.step(a) for e in envs_]
        pos = [e.state_for_render()[0] for e in envs_]
        assert np.abs(pos[0] - pos[1]).max() < 1e-3
        assert np.abs(outs[0][0] - outs[1][0]).max() < 1e-4
        (o0, r0, t0, u0, i0), (o1, r1, t1, u1, i1) = outs
        assert (t0, u0, i0["events"], i0["outcome"]) == (t1, u1, i1["events"], i1["outcome"])
        assert r0 == pytest.approx(r1, abs=1e-5)
        compared += 1
        if t0 or u0:
            obs = [e.reset()[0] for e in envs_]
            assert np.abs(obs[0] - obs[1]).max() < 1e-5
    assert compared == 400


def test_gym_vector_and_pettingzoo_agree_exactly():
    acts = actions(200, seed=2)
    ref = play(HalfCourtEnv(fast=False), acts, seed=11)
    vec = HalfCourtVectorEnv(num_envs=1, device="cpu")
    obs, _ = vec.reset(seed=11)
    assert np.array_equal(obs[0].numpy(), ref[0][0])
    pz = HalfCourtParallelEnv(controlled="offense", fast=False)
    pobs, _ = pz.reset(seed=11)
    assert np.array_equal(pobs["off_0"][:OBS_DIM], ref[0][0])
    for a, want in zip(acts, ref[1:]):
        o, r, term, trunc, info = vec.step({"move": torch.as_tensor(a["move"])[None],
                                            "decision": torch.tensor([a["decision"]])})
        pact = {f"off_{k}": {"move": a["move"][k], "decision": a["decision"]} for k in range(5)}
        po, pr, pterm, ptrunc, pinfo = pz.step(pact)
        assert float(r[0]) == want[1] and pr["off_0"] == want[1] and pr["off_3"] == want[1]
        assert bool(term[0]) == want[2] and pterm["off_0"] == want[2]
        assert np.array_equal(po["off_2"][:OBS_DIM], want[0])
        if want[2] or want[3]:
            break       # the vector env has auto-reset this row
        assert np.array_equal(o[0].numpy(), want[0])


def test_named_scenarios_and_start_option():
    env = HalfCourtEnv()
    obs, info = env.reset(seed=0, options={"start": "late_clock"})
    assert obs[75] == pytest.approx(5.0 / 24.0)
    pos, valid, handler, clocks = env.state_for_render()
    assert pos.shape == (11, 3) and valid.all() and handler == 1
    assert clocks["shot_clock"] == pytest.approx(5.0)
    # holding through a late clock ends in a violation
    for _ in range(20):
        obs, r, term, trunc, info = env.step({"move": np.zeros((5, 2), np.float32), "decision": 0})
        if term:
            break
    assert info["outcome"] in ("SHOT_CLOCK", "TURNOVER")


def test_decision_env_partial_observability():
    env = DecisionEnv(view_ft=15.0, obs_noise_ft=2.0)
    obs, _ = env.reset(seed=0, options={"start": "top_of_key_5out"})
    visible = obs[4:55:5]
    assert visible[1] == 1.0 and visible[0] == 1.0     # handler and ball are seen
    assert visible.sum() < 11                            # far corners are not
    assert np.all(obs[:55].reshape(11, 5)[visible == 0] == 0.0)
    obs, r, term, trunc, info = env.step(1)              # drive
    assert info["sim_steps"] >= env.cfg.drive_steps or term or trunc


def test_rollout_collects_episodes():
    env = gym.make("hoopsim/HalfCourt-v0")
    eps = rollout(env, RandomPolicy(env.action_space), 3, seed=0)
    assert len(eps) == 3
    for ep in eps:
        assert ep["positions"].shape == (ep["length"] + 1, 11, 3)
        assert ep["outcome"] in ("MADE", "DEFENSIVE_REBOUND", "TURNOVER", "SHOT_CLOCK",
                                 "PERIOD_END", "FREE_THROWS", "ONGOING")
    again = rollout(gym.make("hoopsim/HalfCourt-v0"), RandomPolicy(env.action_space), 3, seed=0)
    assert [e["length"] for e in eps] == [e["length"] for e in again]
