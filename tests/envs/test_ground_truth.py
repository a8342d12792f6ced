"""envs.evaluation.paired.ground_truth: the evaluator's bias check on real possessions,
checked on three held-out real games against values derived per possession."""

import numpy as np
import pytest

from envs.evaluation.paired import ground_truth


@pytest.fixture(scope="module")
def held_out(shared_data):
    from engine.outcomes.models import default_models
    from engine.possessions.api import load_possessions
    from engine.possessions.ingest import IngestConfig

    late = sorted(f for f in (shared_data / "tracking_2hz").iterdir() if f.name[:10] >= "0021500500")[:3]
    pbp = [str(shared_data / "pbp" / f"{f.name[:10]}.csv.gz") for f in late]
    ds, _ = load_possessions([str(f) for f in late], pbp, IngestConfig(workers=1, split_cutoff="0021500500"))
    meta = ds.meta.reset_index(drop=True)
    ids = (meta["game_id"].astype(str) + "/" + meta["period"].astype(str) + "/"
           + meta["poss_index"].astype(str)).tolist()
    return ds, meta, ids, default_models()


def test_real_points_are_the_possessions_points_in_the_given_order(held_out):
    ds, meta, ids, models = held_out
    order = list(range(len(ids)))[::-1][:40]
    g = ground_truth(ds, [ids[i] for i in order], models)
    assert g["n"] == 40
    assert g["real_ppp"] == pytest.approx(meta["points"].to_numpy(float)[order].mean())


def test_possessions_without_field_goals_score_their_free_throws(held_out):
    ds, meta, ids, models = held_out
    none = [i for i in range(len(ids)) if meta["n_fga"].iloc[i] == 0][:15]
    assert none, "no possession without a field-goal attempt in three games"
    for i in none:
        g = ground_truth(ds, [ids[i]], models)
        assert g["outcome_model_xppp"] == pytest.approx(float(meta["points"].iloc[i]))


def test_mean_of_single_possessions_and_duplicates_count_twice(held_out):
    ds, meta, ids, models = held_out
    pick = ids[:25]
    singles = np.array([ground_truth(ds, [k], models)["outcome_model_xppp"] for k in pick])
    fga = meta["n_fga"].to_numpy(int)[:25]
    points = meta["points"].to_numpy(float)[:25]
    assert np.all(singles >= 0.0) and np.all(singles <= 3.0 * fga + points)   # FT points <= points
    assert np.any((singles > 0) & (singles < 3) & (fga > 0))      # a probability, not a made shot
    g = ground_truth(ds, pick, models)
    assert g["outcome_model_xppp"] == pytest.approx(singles.mean())
    g2 = ground_truth(ds, pick + pick[:1], models)
    assert g2["n"] == 26
    assert g2["outcome_model_xppp"] == pytest.approx((singles.sum() + singles[0]) / 26)


def test_evaluator_is_calibrated_on_these_games(held_out):
    """Expected and realised points agree within two standard errors of the realised mean."""
    ds, meta, ids, models = held_out
    g = ground_truth(ds, ids, models)
    se = meta["points"].to_numpy(float).std(ddof=1) / np.sqrt(len(ids))
    assert abs(g["outcome_model_xppp"] - g["real_ppp"]) <= 2 * se
