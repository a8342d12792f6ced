"""Contracts of the offline MDP (offline_rl.mdp) on a hand-made possession set whose
expected values are written out by hand (tests/offline_rl/helpers.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.sim.observe import observe_decision
from engine.sim.starts import frames_to_sim
from engine.sim.state import SimConfig
from offline_rl.mdp import (
    DRIVE,
    HOLD,
    PASS_FIRST,
    SHOOT,
    build_mdp,
    class_of_macro,
    macro_of_class,
    stacked,
    windows,
)
from tests.offline_rl.helpers import tiny_set


@pytest.fixture(scope="module")
def mdp():
    return build_mdp(tiny_set(), cutoff="0000000002")


def test_decision_points_labels_and_counts(mdp):
    # p0: frames 0-4 (frame 4 is a release in flight: decided by the attacker nearest the
    # ball, slot 4); p1: frames 0-3 (frame 4 misses a defender); p2: frames 0-1
    assert mdp.episode.tolist() == [0] * 5 + [1] * 4 + [2] * 2
    assert mdp.frame.tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1]
    # p0 frame 2: holder 1 passes to slot 3 = the 2nd other attacker (2, 3, 4, 5) -> PASS_FIRST + 1
    # p1 frame 2: holder 2 passes to slot 1 = the 1st other attacker -> PASS_FIRST
    assert mdp.action.tolist() == [HOLD, DRIVE, PASS_FIRST + 1, HOLD, SHOOT,
                                   HOLD, HOLD, PASS_FIRST, HOLD, HOLD, SHOOT]
    c = mdp.counts()
    assert c["per_class"] == {"dribble": 7, "pass": 2, "shoot": 2}
    assert c["three_releases"] == 1 and mdp.three.tolist().index(True) == 4
    assert mdp.three_spot[4] and not mdp.three_spot[10]


def test_rewards_termination_truncation_and_split(mdp):
    # points on each possession's last decision point, 0 elsewhere (gamma = 1)
    assert mdp.reward.tolist() == [0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 2]
    assert np.flatnonzero(mdp.terminal).tolist() == [4, 8]        # made3, turnover
    assert np.flatnonzero(mdp.timeout).tolist() == [10]            # end of period: truncated
    train, test = mdp.split()
    assert set(train.game_id) == {"0000000001"} and set(test.game_id) == {"0000000002"}
    assert mdp.split_record()["cutoff"] == "0000000002"


def test_reliable_reward_reads_the_last_decision_point():
    m = build_mdp(tiny_set(), cutoff="0000000002", reward="reliable")
    from engine.rewards import negative_binomial_pmf

    late = (380.0 / 720.0) * negative_binomial_pmf(380 // 24, 5, 2 / 3)
    # p1's last decision point is frame 4 (a hold; the missing defender only drops it from
    # the MDP, not from the possession): clock 14 -> used 10/24; frame 5's reset to 24 is ignored
    assert m.reward[8] == pytest.approx(0 + 10 / 24 + late, rel=1e-5)


def test_observation_is_the_decision_envs_encoding(mdp):
    """The same frame through the simulator start and Decision-v0's encoder gives the same
    numbers (one code path): p1 frame 1, handler 2 holding."""
    ds = tiny_set()
    sim = frames_to_sim(ds, np.array([1]), np.array([1]), cfg=SimConfig())
    env_obs = observe_decision(sim, SimConfig().player_speed_ftps)[0]
    np.testing.assert_allclose(mdp.obs[6], env_obs, atol=1e-5)


def test_windows_never_cross_possessions(mdp):
    w, m = windows(mdp, 3)
    assert m[5].tolist() == [False, False, True]                    # p1's first decision
    np.testing.assert_array_equal(w[5, :2], 0.0)
    np.testing.assert_array_equal(w[7], mdp.obs[5:8])
    assert stacked(mdp, 3).shape == (len(mdp), 3 * mdp.obs.shape[1])


def test_macro_and_class_mappings_are_inverse():
    holder = np.repeat(np.arange(1, 6), 8)
    cls = np.tile(np.arange(8), 5)
    ok = ~((cls >= 2) & (cls <= 6) & (cls - 1 == holder))          # no pass to oneself
    macro = macro_of_class(cls[ok], holder[ok])
    assert set(macro.tolist()) == set(range(7))
    np.testing.assert_array_equal(class_of_macro(macro, holder[ok]), cls[ok])


def test_d3rlpy_export_has_explicit_discrete_action_space(mdp):
    d3rlpy = pytest.importorskip("d3rlpy")
    from offline_rl.agents.d3 import to_mdp_dataset

    ds = to_mdp_dataset(mdp, 2)
    assert ds.dataset_info.action_space == d3rlpy.ActionSpace.DISCRETE
    assert ds.dataset_info.action_size == 7
    assert len(ds.episodes) == 3
    assert [bool(e.terminated) for e in ds.episodes] == [True, True, False]
