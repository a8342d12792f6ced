"""The shipped outcome models and movement limits: they load, carry the current version,
pass their sign checks and were fitted only on games before their cutoff."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from engine.outcomes.evaluation import sign_checks
from engine.outcomes.evaluation_passing import interception_sign_checks
from engine.outcomes.limits import MovementLimits, default_limits
from engine.outcomes.models import VERSION, OutcomeModels, default_models

SHIPPED_CUTOFF = "0021500500"


def test_shipped_models_load_with_signs_and_no_late_games():
    models = default_models()
    assert models.version == VERSION and models.cutoff == SHIPPED_CUTOFF
    assert len(models.games_fit) > 400 and all(g < SHIPPED_CUTOFF for g in models.games_fit)
    checks = sign_checks(models)
    assert all(v for k, v in checks.items() if not k.startswith("p_")), checks
    assert all(interception_sign_checks(models.passing).values())
    assert models.passing["coefficients"]["log_lane"] < 0
    r = models.rates
    assert 0.7 < r["ft_pct"] < 0.82 and 0.2 < r["oreb_rate"] < 0.32
    assert 30 < r["pass_speed_ftps"] < 80 and 0.002 < r["live_turnover_per_s"] < 0.03
    assert 0.2 < r["shot_flight_s_intercept"] + 24 * r["shot_flight_s_slope"] < 2.0
    assert 0.25 < r["interception_share_of_turnovers"] < 0.45
    assert models.teams and any("ft_pct" in p for p in models.players.values())


def test_shipped_files_are_small_package_data():
    data = resources.files("engine").joinpath("data")
    assert len(data.joinpath("outcomes_default.json").read_bytes()) < 400_000
    assert data.joinpath("README.md").is_file()
    limits = default_limits()
    assert isinstance(limits, MovementLimits) and 15 < limits.player_speed_ftps < 30
    assert limits.rate_hz == pytest.approx(1.923, abs=0.01)


def test_old_version_file_is_a_clear_error(tmp_path):
    d = default_models().to_dict()
    d["version"] = 1
    path = tmp_path / "old.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="version 1.*re-fit"):
        OutcomeModels.load(path)


def test_rounded_save_round_trips(tmp_path):
    models = default_models()
    back = OutcomeModels.load(models.save(tmp_path / "m.json", digits=6))
    assert back.passing == models.passing and back.rates == models.rates
