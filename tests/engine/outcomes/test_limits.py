import json

import numpy as np
import pytest

from engine.logs.io import load_tracking
from engine.outcomes.limits import MovementLimits, measure_limits, speeds, step_dt
from engine.schema import N_ENTITIES, Tracking


def track(n=40, rate=25.0, stamps=True, speed=10.0):
    """Ball and ten players all moving along +x at ``speed`` ft/s (y spread apart)."""
    t = np.arange(n) / rate
    xyz = np.zeros((n, N_ENTITIES, 3))
    xyz[..., 0] = 10.0 + speed * t[:, None]
    xyz[..., 1] = np.linspace(2, 48, N_ENTITIES)[None, :]
    return Tracking(
        period=np.ones(n, np.int16), game_clock=700.0 - t, shot_clock=np.full(n, 20.0),
        timestamp=(np.round(t * 1000).astype(np.int64) + 1_450_000_000_000 if stamps
                   else np.full(n, -1, np.int64)),
        event_id=np.ones(n, np.int32),
        entity_id=np.tile(np.r_[-1, np.arange(101, 111)], (n, 1)).astype(np.int64),
        team_id=np.tile(np.r_[-1, [1] * 5, [2] * 5], (n, 1)).astype(np.int64),
        xyz=xyz, valid=np.ones((n, N_ENTITIES), bool), segment=np.zeros(n, np.int32),
        rate_hz=rate)


@pytest.mark.parametrize("rate,stamps", [(25.0, True), (25.0, False), (1.923, False)])
def test_constant_speed_is_measured(rate, stamps):
    s = speeds(track(rate=rate, stamps=stamps))
    np.testing.assert_allclose(s["player_speed"], 10.0, rtol=1e-3)
    np.testing.assert_allclose(s["ball_speed"], 10.0, rtol=1e-3)
    assert s["player_speed"].size == 39 * 10 and s["ball_speed"].size == 39
    np.testing.assert_allclose(s["player_accel"], 0.0, atol=1e-6)
    assert s["player_accel"].size == 38 * 10


def test_stopped_clock_uses_frame_interval_at_2hz():
    tr = track(rate=1.923, stamps=False)
    tr.game_clock[:] = 300.0  # clock stopped, play (and moments) go on
    np.testing.assert_allclose(speeds(tr)["player_speed"], 10.0, rtol=1e-3)


def test_dropped_moment_is_timed_by_the_clock():
    tr = track(rate=1.923, stamps=False).select(np.r_[np.arange(10), np.arange(11, 40)])
    dt, from_clock = step_dt(tr)
    assert from_clock.sum() == 1 and dt[9] == pytest.approx(2 / 1.923)
    np.testing.assert_allclose(speeds(tr)["player_speed"], 10.0, rtol=1e-3)


def test_teleport_is_filtered_and_counted():
    tr = track()
    tr.xyz[20, 3, 0] += 30.0  # one frame 30 ft away: two steps of 750 ft/s
    s = speeds(tr)
    assert s["player_glitch"].sum() == 2
    assert s["player_accel_glitch"].sum() == 3  # every acceleration using those steps
    limits, report = measure_limits([tr], percentile=100.0)
    assert limits.player_speed_ftps == pytest.approx(10.0, rel=1e-3)
    assert limits.player_accel_ftps2 == pytest.approx(0.0, abs=1e-6)
    assert report["player_speed"]["raw"]["p99.9"] > 100
    assert limits.glitch_share == pytest.approx(2 / 390)
    assert limits.n_steps == 388


def test_steps_across_segments_are_never_used():
    tr = track()
    tr.segment[20:] = 1
    tr.xyz[20:, :, 0] += 50.0  # a jump between segments would read 1250 ft/s
    s = speeds(tr)
    assert s["player_speed"].size == 38 * 10
    np.testing.assert_allclose(s["player_speed"], 10.0, rtol=1e-3)
    assert s["player_accel"].size == 36 * 10 and not s["player_glitch"].any()


def test_period_change_breaks_steps_even_in_one_segment():
    tr = track()
    tr.period[25:] = 2
    assert speeds(tr)["player_speed"].size == 38 * 10


def test_masked_entities_are_skipped():
    tr = track()
    tr.valid[10, 4] = False
    tr.xyz[10, 4] = 0.0  # masked slots are zeroed by the readers
    s = speeds(tr)
    assert s["player_speed"].size == 39 * 10 - 2
    np.testing.assert_allclose(s["player_speed"], 10.0, rtol=1e-3)
    assert s["player_accel"].size == 38 * 10 - 3


def test_players_are_matched_by_id_when_slots_shift():
    tr = track()
    tr.entity_id[15:, 1:] = np.roll(tr.entity_id[15:, 1:], 1, axis=1)
    tr.xyz[15:, 1:] = np.roll(tr.xyz[15:, 1:], 1, axis=1)
    np.testing.assert_allclose(speeds(tr)["player_speed"], 10.0, rtol=1e-3)


def _accelerating(rate: float, n: int = 10, a: float = 4.0) -> Tracking:
    """Players start at rest and speed up along +x at ``a`` ft/s^2."""
    tr = track(n=n, rate=rate, stamps=False, speed=0.0)
    t = np.arange(n) / rate
    tr.xyz[:, 1:, 0] = 5.0 + 0.5 * a * t[:, None] ** 2
    return tr


@pytest.mark.parametrize("rate", [25.0, 1.923])
def test_uniform_acceleration(rate):
    s = speeds(_accelerating(rate))
    np.testing.assert_allclose(s["player_accel"], 4.0, rtol=1e-6)
    assert s["player_accel"].size == 8 * 10
    np.testing.assert_allclose(s["ball_speed"], 0.0)


def test_turning_at_constant_speed_is_an_acceleration():
    tr = track(n=3, rate=25.0, stamps=False, speed=0.0)
    tr.xyz[1, 1:, 0] += 0.4                 # 10 ft/s along +x ...
    tr.xyz[2, 1:, 0] += 0.4
    tr.xyz[2, 1:, 1] += 0.4                 # ... then 10 ft/s along +y
    acc = speeds(tr)["player_accel"]
    np.testing.assert_allclose(acc, np.hypot(10, 10) * 25.0, rtol=1e-6)


def test_mixed_rates_are_refused():
    with pytest.raises(ValueError, match="separately"):
        measure_limits([track(rate=25.0), track(rate=1.923, stamps=False)])


def test_limits_round_trip_through_json():
    limits, _ = measure_limits([track()])
    back = MovementLimits.from_dict(json.loads(json.dumps(limits.to_dict())))
    assert back == limits and limits.to_dict()["version"] == 1
    with pytest.raises(ValueError, match="version"):
        MovementLimits.from_dict({**limits.to_dict(), "version": 99})
    with pytest.raises(ValueError, match="rate_hz"):
        MovementLimits.from_dict({k: v for k, v in limits.to_dict().items() if k != "rate_hz"})


def test_real_2hz_limits_are_plausible(shared_data):
    files = sorted((shared_data / "tracking_2hz").glob("*.csv.gz"))[:5]
    assert len(files) == 5
    limits, report = measure_limits([load_tracking(f).tracking for f in files])
    assert 15.0 < limits.player_speed_ftps < 35.0
    assert report["player_speed"]["raw"]["p99.9"] > report["player_speed"]["filtered"]["p99.9"]
    assert 0.0 < limits.glitch_share < 0.05
    assert abs(limits.rate_hz - 1.923) < 0.05
    assert 0.0 < limits.player_accel_ftps2 < 200.0
