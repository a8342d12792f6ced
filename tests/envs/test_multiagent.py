"""The PettingZoo face: the library's API and seed tests for each controlled side."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test

from envs.multiagent import HalfCourtParallelEnv


@pytest.mark.parametrize("controlled", ["offense", "defense", "both"])
def test_parallel_api(controlled):
    parallel_api_test(HalfCourtParallelEnv(controlled=controlled), num_cycles=60)


@pytest.mark.parametrize("controlled", ["offense", "defense"])
def test_parallel_seed(controlled):
    parallel_seed_test(lambda: HalfCourtParallelEnv(controlled=controlled, max_steps=40))


def test_rewards_are_the_table_for_the_offense_and_its_negative_for_the_defense():
    """Every offensive agent is paid the step's PlayBest table (default weights: its
    points, + 0.25 an offensive rebound, - 1 a turnover, - 0.25 a violation), every
    defender the negative; checked step by step on both paths until something scored."""
    for controlled, fast in (("offense", True), ("both", False)):
        env = HalfCourtParallelEnv(controlled=controlled, fast=fast, max_steps=60)
        paid = 0.0
        for seed in range(12):
            _, infos = env.reset(seed=seed)
            before = infos["off_0"]["points"]
            while env.agents:
                acts = {a: env.action_space(a).sample() for a in env.agents}
                _, rew, _, _, infos = env.step(acts)
                ev = set(infos["off_0"]["events"])
                now = infos["off_0"]["points"]
                want = (now - before + 0.25 * ("oreb" in ev)
                        - 1.0 * bool(ev & {"interception", "steal"})
                        - 0.25 * ("shot_clock_violation" in ev))
                for a, r in rew.items():
                    assert r == pytest.approx(want if a.startswith("off_") else -want, abs=1e-5), (a, ev)
                paid += abs(want)
                before = now
        assert paid > 0, "no reward paid in 12 possessions"


@pytest.mark.parametrize("option", ["box", "multidiscrete"])
def test_parallel_api_with_action_options(option):
    from envs.actions import parallel_env
    parallel_api_test(parallel_env(option, controlled="both", render_mode="ansi"), num_cycles=40)


def test_render_state_and_metadata_follow_the_conventions():
    from pettingzoo.test import render_test
    from pettingzoo.utils.conversions import parallel_to_aec

    render_test(lambda render_mode=None: parallel_to_aec(
        HalfCourtParallelEnv(render_mode=None if render_mode == "human" else render_mode)))
    env = HalfCourtParallelEnv(render_mode="ansi")
    assert env.metadata["render_modes"] == ["ansi"] and env.render_mode == "ansi"
    env.reset(seed=0, options={"start": "late_clock"})
    text = env.render()
    assert "shot clock  5.0" in text and "H" in text and sum(text.count(c) for c in "12345") >= 5
    assert env.state_space.contains(env.state())
    with pytest.raises(ValueError, match="render_mode"):
        HalfCourtParallelEnv(render_mode="rgb_array")


def test_supersuit_makes_an_sb3_vector_env_with_a_shared_policy():
    ss = pytest.importorskip("supersuit", reason="the rl extra (SuperSuit) is absent")
    pytest.importorskip("stable_baselines3", reason="the rl extra (stable-baselines3) is absent")
    from envs.actions import parallel_env
    env = ss.pettingzoo_env_to_vec_env_v1(parallel_env("box", controlled="offense", max_steps=30))
    venv = ss.concat_vec_envs_v1(env, 2, num_cpus=0, base_class="stable_baselines3")
    assert venv.num_envs == 10 and venv.action_space.shape == (9,)
    obs = venv.reset()
    assert obs.shape == (10, 98)
    for _ in range(40):   # runs through at least one end of possession (auto-reset)
        obs, rew, done, info = venv.step(np.stack([venv.action_space.sample() for _ in range(10)]))
    assert obs.shape == (10, 98) and rew.shape == (10,)
    venv.close()


def test_offense_fast_path_matches_torch_path():
    envs_ = [HalfCourtParallelEnv(controlled="offense", fast=f) for f in (False, True)]
    assert [e.fast for e in envs_] == [False, True]
    rng = np.random.default_rng(5)
    obs = [e.reset(seed=2)[0] for e in envs_]
    for _ in range(120):
        assert np.abs(obs[0]["off_1"] - obs[1]["off_1"]).max() < 1e-4
        acts = {a: {"move": rng.uniform(-1, 1, 2).astype(np.float32),
                    "decision": int(rng.choice(7, p=[0.86] + [0.02] * 5 + [0.04]))}
                for a in envs_[0].agents}
        outs = [e.step(acts) for e in envs_]
        (o0, r0, t0, u0, i0), (o1, r1, t1, u1, i1) = outs
        assert (t0, u0, i0["off_0"]["events"]) == (t1, u1, i1["off_0"]["events"])
        assert r0["off_0"] == pytest.approx(r1["off_0"], abs=1e-5)
        obs = [o0, o1]
        if t0["off_0"] or u0["off_0"]:
            obs = [e.reset()[0] for e in envs_]
