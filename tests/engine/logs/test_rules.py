import numpy as np
import pytest

from engine.errors import HoopsimDataError
from engine.logs.rules import apply_rules, segment_ids
from engine.schema import Quality


def moments(n=50, rate=25.0):
    rng = np.random.default_rng(0)
    xyz = np.zeros((n, 11, 3))
    xyz[..., 0] = rng.uniform(10, 80, (n, 11))
    xyz[..., 1] = rng.uniform(5, 45, (n, 11))
    return dict(period=np.ones(n), game_clock=700 - np.arange(n) / rate,
                shot_clock=np.full(n, 20.0), timestamp=np.arange(n) * 40,
                event_id=np.ones(n, np.int32), entity_id=np.tile(np.arange(-1, 10), (n, 1)),
                team_id=np.ones((n, 11), np.int64), xyz=xyz, valid=np.ones((n, 11), bool))


def test_shot_clock_above_24_is_missing():
    a = moments()
    a["shot_clock"][3] = 100.0
    q = Quality()
    t = apply_rules(a, "f", q)
    assert np.isnan(t.shot_clock[3]) and q.shot_clock_missing == 1


def test_near_court_is_clipped_far_is_masked():
    a = moments()
    a["xyz"][0, 3, 0] = -6.0    # 6 ft beyond the baseline: clipped to 0
    a["xyz"][1, 4, 1] = 62.0    # 12 ft beyond the sideline: masked
    q = Quality()
    t = apply_rules(a, "f", q)
    assert t.xyz[0, 3, 0] == 0.0 and t.valid[0, 3]
    assert not t.valid[1, 4]
    assert (q.coords_clipped, q.entities_masked) == (1, 1)


def test_too_many_unusable_moments_is_an_error():
    a = moments(100)
    a["valid"][:6, 0] = False  # 6% of moments without a ball
    with pytest.raises(HoopsimDataError, match="unusable"):
        apply_rules(a, "game.json", Quality())
    a = moments(100)
    a["valid"][:4, 0] = False  # 4% is tolerated and the moments dropped
    q = Quality()
    assert len(apply_rules(a, "f", q)) == 96 and q.moments_unusable == 4


def test_segments_break_on_backward_clock_and_gaps():
    clock = np.array([10.0, 9.96, 9.92, 9.98, 9.94, 5.0, 4.96])
    stamp = np.array([0, 40, 80, 120, 160, 7160, 7200])
    assert segment_ids(np.ones(7), clock, stamp, 25.0).tolist() == [0, 0, 0, 1, 1, 2, 2]
    # without timestamps the clock gap decides; a stopped clock is not a gap
    clock = np.array([10.0, 9.5, 9.5, 9.5, 9.0, 6.0])
    assert segment_ids(np.ones(6), clock, np.full(6, -1), 2.0).tolist() == [0, 0, 0, 0, 0, 1]


def test_period_change_starts_a_segment():
    assert segment_ids(np.array([1, 1, 2, 2]), np.array([1.0, 0.5, 720.0, 719.5]),
                       np.full(4, -1), 2.0).tolist() == [0, 0, 1, 1]
