"""The PettingZoo face: the library's API and seed tests for each controlled side."""

from __future__ import annotations

import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test

from envs.multiagent import HalfCourtParallelEnv


@pytest.mark.parametrize("controlled", ["offense", "defense", "both"])
def test_parallel_api(controlled):
    parallel_api_test(HalfCourtParallelEnv(controlled=controlled), num_cycles=60)


@pytest.mark.parametrize("controlled", ["offense", "defense"])
def test_parallel_seed(controlled):
    parallel_seed_test(lambda: HalfCourtParallelEnv(controlled=controlled, max_steps=40))


def test_rewards_are_zero_sum_between_teams():
    env = HalfCourtParallelEnv(controlled="both")
    env.reset(seed=0, options={"start": "late_clock"})
    total = {a: 0.0 for a in env.possible_agents}
    while env.agents:
        acts = {a: env.action_space(a).sample() for a in env.agents}
        _, rew, _, _, _ = env.step(acts)
        for a, r in rew.items():
            total[a] += r
    assert total["off_0"] == -total["def_4"]
