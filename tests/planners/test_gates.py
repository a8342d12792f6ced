"""Gate functions on hand-made windows with known answers, and the driver's keys."""

import numpy as np
import pytest

from planners.diffusion import build_model
from planners.gates import (
    FT_TO_M,
    constant_velocity,
    forecast_errors,
    ks_statistic,
    measure_gates,
    offcourt_share,
    player_accels,
    player_speeds,
)
from planners.normalizer import Normalizer, feet_stats
from planners.windows import make_windows
from tests.planners.helpers import tiny_config, toy_possessions


def line_windows(n=2, h=6, step_ft=(3.0, 4.0)):
    """Every player moves (3, 4) ft per frame (5 ft/frame) from (40, 20)."""
    w = np.zeros((n, h, 46), np.float32)
    t = np.arange(h, dtype=np.float32)[None, :, None]
    w[..., 3:23:2] = 40.0 + step_ft[0] * t
    w[..., 4:23:2] = 20.0 + step_ft[1] * t
    return w


def test_ks_statistic_known_values():
    a = np.arange(10.0)
    assert ks_statistic(a, a) == 0.0
    assert ks_statistic(a, a + 100) == 1.0
    assert ks_statistic(np.array([0.0, 1.0]), np.array([0.5, 2.0])) == pytest.approx(0.5)


def test_speeds_accels_and_offcourt_on_a_straight_line():
    w = line_windows()
    v = player_speeds(w, rate_hz=2.0)
    assert v.shape == (2 * 5 * 10,) and np.allclose(v, 10.0)          # 5 ft/frame at 2 Hz
    assert np.allclose(player_accels(w, rate_hz=2.0), 0.0)
    assert offcourt_share(w) == 0.0
    w[0, 5, 3] = -2.5                                                  # off_0 x beyond 2 ft
    w[1, 5, 4] = 51.5                                                  # within 2 ft: on
    assert offcourt_share(w) == pytest.approx(1 / (2 * 6 * 10))
    w[1, 2, 5] += 5.0                                                  # a kick: acceleration
    assert player_accels(w, 2.0).max() > 0


def test_forecast_errors_and_constant_velocity():
    truth = line_windows(n=1, h=12)
    cv = constant_velocity(truth, n_observed=4, n_future=8)
    assert cv.shape == (1, 1, 12, 46) and np.allclose(cv[0, 0], truth[0])
    exact = forecast_errors(cv, truth, 4, 8)
    assert exact["minade_m"] == pytest.approx(0.0) and exact["scene_minfde_m"] == pytest.approx(0.0)
    # two samples: one off by 10 ft for players 0-4, the other for players 5-9
    s = np.repeat(truth[:, None], 2, axis=1)
    s[0, 0, :, 3:13:2] += 10.0
    s[0, 1, :, 13:23:2] += 10.0
    err = forecast_errors(s, truth, 4, 8)
    assert err["minade_m"] == pytest.approx(0.0, abs=1e-6)            # per player: one exact
    assert err["scene_minade_m"] == pytest.approx(5.0 * FT_TO_M, rel=1e-5)
    assert err["scene_minfde_m"] == pytest.approx(5.0 * FT_TO_M, rel=1e-5)


def test_measure_gates_returns_the_issue_keys():
    cfg = tiny_config(horizon=12)
    model = build_model(cfg).eval()
    w = make_windows(toy_possessions(n=16, t_max=20), horizon_s=6.0, stride=3)
    gates = measure_gates(model, Normalizer("feet", *feet_stats(46)), cfg.diffusion, w, n_speed=6,
                          n_forecast=3, n_samples=4, seed=0)
    for key in ("speed_ks", "speed_p99_ratio", "accel_ks", "offcourt_share", "real_offcourt_share",
                "minade20_m", "minfde20_m", "cv_minade_m", "cv_minfde_m", "n_windows"):
        assert key in gates and np.isfinite(gates[key])
    assert gates["n_windows"] == 6 and gates["n_forecast"] == 3 and 0 <= gates["speed_ks"] <= 1
    again = measure_gates(model, Normalizer("feet", *feet_stats(46)), cfg.diffusion, w, n_speed=6,
                          n_forecast=3, n_samples=4, seed=0)
    assert again == gates                                              # seeded


def test_shot_gates_read_samples_and_real_windows_the_same_way():
    import torch

    from planners.gates import shot_gates
    from planners.receding import RecedingConfig
    from tests.planners.test_objective import shot_from
    from tests.planners.test_receding import plan_with_ball

    real = torch.cat([shot_from(84.0), plan_with_ball([(60, 5)] * 6)]).numpy()
    fake = torch.cat([shot_from(70.0), shot_from(80.0)]).numpy()
    g = shot_gates(fake, real, 0, RecedingConfig())
    assert g["n_shots"] == 2 and g["real_n_shots"] == 1
    assert abs(g["shot_distance_median_ft"] - 13.75) < 1e-4
    assert abs(g["real_shot_distance_median_ft"] - 4.75) < 1e-4
    assert 0 < g["real_shot_rate"] < g["shot_rate"] <= 1
