"""Outcome models: recovery of a known logistic truth, save/load, no leakage across the
cutoff, empirical-Bayes shrinkage, and one real-data check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from engine.outcomes.evaluation import brier, evaluate, sign_checks
from engine.outcomes.models import (
    OutcomeConfig,
    OutcomeModels,
    design,
    fit_logistic,
    fit_outcome_models,
    shrink,
)

RNG_SEED = 7


def synthetic_shots(n: int = 12000, n_games: int = 40, seed: int = RNG_SEED) -> pd.DataFrame:
    """Shots whose makes follow a known logistic truth: falls with distance, rises with
    defender distance; half of them tracked."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0.0, 30.0, n)
    dfn = rng.uniform(0.0, 12.0, n)
    tracked = rng.random(n) < 0.5
    eta = 1.2 - 0.08 * d + 0.5 * np.log1p(dfn)
    games = np.array([f"00215{i:05d}" for i in range(n_games)])
    return pd.DataFrame({
        "game_id": games[rng.integers(0, n_games, n)],
        "shooter_id": rng.integers(1, 60, n), "shooter_name": "p", "team_id": 1, "team": "T",
        "made": rng.random(n) < expit(eta), "is_three": d >= 23.75, "distance_ft": d,
        "defender_ft": np.where(tracked, dfn, np.nan),
        "angle_deg": np.where(tracked, rng.uniform(0, 90, n), np.nan),
        "shot_clock": np.where(tracked, rng.uniform(0, 24, n), np.nan)})


def counts_for(shots: pd.DataFrame) -> pd.DataFrame:
    games = sorted(shots["game_id"].unique())
    return pd.DataFrame({"game_id": games, "fga": 80, "fta": 20, "ftm": 15,
                         "fg_miss_rebounds": 40, "oreb": 10, "shooting_fouls": 9,
                         "possessions": 100, "turnover_ends": 14, "turnovers": 15})


def test_logistic_recovers_known_coefficients():
    rng = np.random.default_rng(RNG_SEED)
    x = np.column_stack([np.ones(40000), rng.normal(size=40000), rng.normal(size=40000)])
    truth = np.array([-0.3, 1.1, -0.6])
    y = (rng.random(40000) < expit(x @ truth)).astype(float)
    assert np.allclose(fit_logistic(x, y, l2=1e-8), truth, atol=0.05)


def test_full_model_signs_and_defender_coefficient():
    shots = synthetic_shots()
    models = fit_outcome_models(shots, counts_for(shots), OutcomeConfig(cutoff="0021500030"))
    checks = sign_checks(models)
    assert checks["falls_with_distance_twos_tracked"] and checks["rises_with_defender_distance"]
    # truth: 0.5 per log1p(ft) of defender distance (capped at 15 ft, never reached here)
    assert models.coefficients["full"]["log_defender"] == pytest.approx(0.5, abs=0.15)
    # truth: -0.08 logit per ft, so 2 ft -> 20 ft loses 1.44 (the knots may bend it locally)
    q = {"distance_ft": np.array([2.0, 20.0]), "is_three": np.array([False, False])}
    drop = np.diff(models.logit_make(q, player_adjust=False))[0]
    assert drop == pytest.approx(-1.44, abs=0.25)


def test_fit_never_uses_games_at_or_after_cutoff():
    shots = synthetic_shots()
    cutoff = "0021500025"
    models = fit_outcome_models(shots, counts_for(shots), OutcomeConfig(cutoff=cutoff))
    assert models.games_fit and all(g < cutoff for g in models.games_fit)
    # changing every held-out outcome must not change the fit
    flipped = shots.copy()
    late = flipped["game_id"] >= cutoff
    flipped.loc[late, "made"] = ~flipped.loc[late, "made"]
    again = fit_outcome_models(flipped, counts_for(flipped), OutcomeConfig(cutoff=cutoff))
    assert again.coefficients == models.coefficients
    assert models.rates["n_fga"] == 80 * len(models.games_fit)
    with pytest.raises(ValueError):
        evaluate(models, shots, counts_for(shots), shots)  # held-out set with fit games


def test_save_load_round_trip(tmp_path):
    shots = synthetic_shots(n=4000)
    models = fit_outcome_models(shots, counts_for(shots), OutcomeConfig(cutoff="0021500030"))
    path = models.save(tmp_path / "m" / "outcome_models.json")
    back = OutcomeModels.load(path)
    for kind in ("full", "distance", "constant"):
        assert np.array_equal(models.p_make(shots, kind), back.p_make(shots, kind))
    assert back.players == models.players and back.spec.knots == models.spec.knots
    assert not list(path.parent.glob(".*"))  # no temporary file left behind


def test_untracked_query_uses_pbp_part_only():
    shots = synthetic_shots(n=4000)
    m = fit_outcome_models(shots, counts_for(shots), OutcomeConfig(cutoff="0021500030"))
    q = {"distance_ft": np.array([5.0, 25.0]), "is_three": np.array([False, True])}
    x, names = design(q, m.spec, "full")
    assert np.all(x[:, names.index("log_defender")] == 0) and np.all(x[:, names.index("tracked")] == 0)
    assert np.all((m.p_make(q) > 0) & (m.p_make(q) < 1))


def test_eb_shrinks_small_samples_more():
    kappa, league = 200.0, 0.45
    hot = shrink(np.array([3]), np.array([3]), np.array([league]), kappa)[0]
    big = shrink(np.array([165]), np.array([300]), np.array([league]), kappa)[0]  # 55%
    assert abs(hot - league) < 0.02             # 3-for-3 stays near the league
    assert (big - league) / (0.55 - league) > 0.55  # 300 attempts keep most of their edge


def test_eb_fitted_on_players_pulls_3_for_3_to_league():
    rng = np.random.default_rng(RNG_SEED)
    skill = expit(rng.normal(-0.2, 0.15, 300))  # spread of true rates: kappa ~ 170
    rows = [(sid, rng.random() < skill[sid]) for sid in range(300) for _ in range(300)]
    rows += [(999, True)] * 3
    shots = pd.DataFrame(rows, columns=["shooter_id", "made"]).assign(shooter_id=lambda f: f.shooter_id + 1)
    from engine.outcomes.models import player_adjustments
    kappa, players = player_adjustments(shots, np.full(len(shots), expit(-0.2)))
    assert 60 < kappa < 500
    assert abs(players[1000]["logit_adj"]) < 0.05
    strong = max(players.values(), key=lambda v: v["made"] if v["n"] == 300 else -1)
    raw = np.log(strong["made"] / (300 - strong["made"])) + 0.2
    assert strong["logit_adj"] > 0.5 * raw


@pytest.mark.real_data
def test_real_subset_signs_and_brier(shared_data, tmp_path):
    from engine.outcomes.tables import build_outcome_tables, fit_and_evaluate

    tracked = sorted((shared_data / "tracking_2hz").glob("*.csv.gz"))
    fit = [f for f in tracked if f.name < "0021500500"][:16]
    late = [f for f in tracked if f.name >= "0021500500"][:6]
    pbp = [shared_data / "pbp" / f.name for f in fit + late]
    tables = build_outcome_tables([str(f) for f in fit + late], [str(f) for f in pbp],
                                  "0021500500", cache_dir=tmp_path)
    assert tables.shots["defender_ft"].notna().mean() > 0.1
    models, rep = fit_and_evaluate(tables, None, OutcomeConfig(cutoff="0021500500"))
    assert len(models.games_fit) == 16 and all(g < "0021500500" for g in models.games_fit)
    checks = rep["sign_checks"]
    assert checks["falls_with_distance_twos_tracked"] and checks["falls_with_distance_threes_pbp"]
    assert checks["rises_with_defender_distance"]
    assert rep["brier"]["full"]["all"] < rep["brier"]["constant"]["all"] - 0.005
    assert 0.7 < models.rates["ft_pct"] < 0.82 and 0.2 < models.rates["oreb_rate"] < 0.35
    assert brier(np.full(3, 0.5), np.array([0, 1, 1])) == pytest.approx(0.25)
    # version 2: pass interceptions (fitted on the 16 early games only), timing, hazard
    assert models.passing["coefficients"]["log_lane"] < 0
    assert set(tables.passes["game_id"]) - set(models.games_fit)  # late passes exist...
    assert rep["passing"]["n_passes"] > 100  # ...and are the held-out evaluation set
    assert np.isfinite(rep["passing"]["brier_model"]) and 0 <= rep["passing"]["outside_support"] < 0.2
    assert 25 < models.rates["pass_speed_ftps"] < 90 and models.rates["live_turnover_per_s"] > 0
