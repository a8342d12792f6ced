"""hoopsim.league: the calibrated league offense's front door (the calibration itself is
tested in tests/offline_rl/test_shot_calibrate.py; its figures come from hoopsim realism)."""

from __future__ import annotations

import pytest
import torch

from engine.errors import HoopsimConfigError
from hoopsim.league import calibrated_offense
from offline_rl.bc import FittedOffense, OffenseBCConfig, OffenseNet
from offline_rl.bc.shot_select import TABLE_SHAPE


def _fit(**cfg) -> FittedOffense:
    c = OffenseBCConfig(hidden=8, **cfg)
    return FittedOffense(OffenseNet(8), c, {}, torch.full(TABLE_SHAPE, 0.1))


def test_no_rounds_is_the_fit_itself():
    fit = _fit(calibrate_rounds=0)
    assert calibrated_offense(fit, None, None, None, 0) is fit


@pytest.mark.parametrize("cfg", [dict(shot_by_distance=False), dict(shot_model=False)])
def test_calibration_needs_the_rim_distance_rings(cfg):
    fit = _fit(calibrate_rounds=2, shot_by_distance=cfg.get("shot_by_distance", True))
    if "shot_model" in cfg:
        fit.shot_table = None
    with pytest.raises(HoopsimConfigError, match="shot_by_distance"):
        calibrated_offense(fit, None, None, None, 0)


def test_realism_config_is_the_league_offense_the_soak_uses():
    """hoopsim realism (its YAML) and hoopsim soak (LEAGUE_OFFENSE) fit one league offense:
    the same settings, so one cached fit and calibration serves both."""
    import dataclasses

    import yaml

    from hoopsim.cli import CONF_DIR
    from hoopsim.league import LEAGUE_OFFENSE

    spelled = yaml.safe_load((CONF_DIR / "realism.yaml").read_text())["offense"]
    league = dataclasses.asdict(LEAGUE_OFFENSE)
    assert {k: v for k, v in spelled.items() if league[k] != v} == {}
    assert LEAGUE_OFFENSE.calibrate_rounds > 0 and LEAGUE_OFFENSE.shot_by_distance
