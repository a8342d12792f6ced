import math

import numpy as np
import pandas as pd
import pytest

from engine.rewards import (
    PlayBestTable,
    ReliableWeights,
    negative_binomial_pmf,
    playbest_reward,
    reliable_reward,
)

OFF, DEF = 10, 20


def rows(*events):
    base = {"msg_type": 0, "team_id": OFF, "is_three": False, "ft_made": False,
            "is_offensive_rebound": False}
    return pd.DataFrame([{**base, **e} for e in events])


def test_playbest_table_sums_offense_events():
    r = rows({"msg_type": 2}, {"msg_type": 4, "is_offensive_rebound": True},
             {"msg_type": 1, "is_three": True},
             {"msg_type": 6, "team_id": DEF})   # the defense's foul is not the offense's
    assert playbest_reward(r, OFF) == pytest.approx(0.25 + 3.0)
    r = rows({"msg_type": 6}, {"msg_type": 5})
    assert playbest_reward(r, OFF) == pytest.approx(-1.25)
    r = rows({"msg_type": 1}, {"msg_type": 3, "ft_made": True}, {"msg_type": 7})
    assert playbest_reward(r, OFF) == pytest.approx(2 + 1 - 0.25)
    assert playbest_reward(r, OFF, PlayBestTable(made2=0.0)) == pytest.approx(0.75)


def test_negative_binomial_is_a_distribution():
    total = sum(negative_binomial_pmf(k, 5, 2 / 3) for k in range(200))
    assert total == pytest.approx(1.0)
    assert negative_binomial_pmf(0, 5, 2 / 3) == pytest.approx((2 / 3) ** 5)


def test_reliable_terms_and_weights():
    w = ReliableWeights(shot_clock=0.0, game_clock=0.0)
    assert reliable_reward(3, 10.0, 300.0, w) == 3.0
    only_shot = ReliableWeights(points=0.0, game_clock=0.0)
    assert reliable_reward(0, 6.0, 300.0, only_shot) == pytest.approx(18 / 24)
    assert reliable_reward(0, math.nan, 300.0, only_shot) == 0.0
    only_game = ReliableWeights(points=0.0, shot_clock=0.0)
    assert reliable_reward(0, 10.0, 30.0, only_game) == pytest.approx(
        30 / 720 * negative_binomial_pmf(1, 5, 2 / 3))


def test_reliable_shot_clock_read_at_last_decision_point_not_after_reset():
    """Regression (issue 12): the clock resets to 24 after the last decision point (a
    rebound, a made basket); the reward reads 15 s there, used share 9/24, not 0."""
    from engine.possessions.labels import Action, decision_mask
    from engine.rewards import decision_shot_clock

    clock = np.array([22.0, 19.0, 15.0, 24.0, 23.5])
    handler = np.array([2, 2, -1, -1, 7])          # attacker holds, then ball in flight, defender
    action = np.array([Action.HOLD, Action.NONE, Action.SHOT, Action.NONE, Action.NONE])
    mask = decision_mask(handler, action)
    assert mask.tolist() == [True, True, True, False, False]
    assert decision_shot_clock(clock, mask) == 15.0
    only = ReliableWeights(points=0.0, shot_clock=1.0, game_clock=0.0)
    assert reliable_reward(0, decision_shot_clock(clock, mask), 300.0, only) == pytest.approx(9 / 24)
    clock[2] = np.nan                              # missing at the release: the reading before it
    assert decision_shot_clock(clock, mask) == 19.0
    assert math.isnan(decision_shot_clock(clock, np.zeros(5, bool)))


def test_each_playbest_event_alone():
    """One row at a time (a sum of several rows hid a turnover counted as a foul)."""
    want = {2: 0.0, 5: -1.0, 6: -0.25, 7: -0.25}
    for msg_type, value in want.items():
        assert playbest_reward(rows({"msg_type": msg_type}), OFF) == value, msg_type
    assert playbest_reward(rows({"msg_type": 1, "is_three": True}), OFF) == 3.0
    assert playbest_reward(rows({"msg_type": 3, "ft_made": True}), OFF) == 1.0
    assert playbest_reward(rows({"msg_type": 3}), OFF) == 0.0                  # missed FT
    assert playbest_reward(rows({"msg_type": 4}), OFF) == 0.0                  # defensive rebound
