"""engine.outcomes.release: the logged distance of a shot whose shooter is tracked at a body
distance; fitted on training games, drawn by the simulator's twins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.outcomes.models import default_models
from engine.outcomes.numpy_eval import OutcomeArrays
from engine.outcomes.release import BODY_EDGES_FT, MIN_SHOTS, fit_release, release_distance


def _shots(n=4000, seed=0):
    """Two-pointers logged 2 ft closer than the body (at least 0), threes, filled rows and
    held-out rows that must not count."""
    rng = np.random.default_rng(seed)
    body = rng.uniform(0.0, 21.0, n)
    return pd.DataFrame({"game_id": np.where(np.arange(n) % 10 == 0, "0021500600", "0021500100"),
                         "is_three": np.arange(n) % 7 == 0, "distance_is_filled": np.arange(n) % 11 == 0,
                         "track_distance_ft": body, "distance_ft": np.maximum(np.round(body - 2.0), 0.0)})


def test_fit_release_reads_training_two_pointers_only():
    s = _shots()
    rel = fit_release(s, "0021500500")
    used = s[(s.game_id < "0021500500") & ~s.is_three & ~s.distance_is_filled]
    assert sum(rel["n"]) == len(used)
    q = np.asarray(rel["quantiles_ft"])
    assert q.shape == (len(BODY_EDGES_FT), 11) and (np.diff(q, axis=1) >= 0).all()
    # body 10-12 ft is logged 8-10 ft: the bin's median reads it
    j = BODY_EDGES_FT.index(10.0)
    assert q[j, 5] == pytest.approx(9.0, abs=0.6)
    # held-out rows moved: the fit does not change
    moved = s.copy()
    moved.loc[moved.game_id >= "0021500500", "distance_ft"] = 40.0
    assert fit_release(moved, "0021500500") == rel


def test_thin_bins_borrow_the_nearest_bin_and_no_tracking_is_no_model():
    s = _shots()
    s = s[~((s.track_distance_ft >= 20.0) & (s.track_distance_ft < 22.0))
          | (np.arange(len(s)) % 50 == 0)]            # < MIN_SHOTS in the 20-22 ft bin
    rel = fit_release(s, "0021500500")
    j = BODY_EDGES_FT.index(20.0)
    assert rel["n"][j] < MIN_SHOTS and rel["quantiles_ft"][j] == rel["quantiles_ft"][j - 1]
    assert fit_release(s.drop(columns="track_distance_ft"), "0021500500") == {}


def test_release_draw_is_the_bins_inverse_cdf_rounded_to_feet():
    q = [[float(k)] * 11 for k in range(len(BODY_EDGES_FT))]
    q[3] = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 9.0]     # body 3-4 ft
    u = np.linspace(0.0, 1.0, 10001)
    d = release_distance(np.full_like(u, 3.5), np.zeros_like(u, bool), u, BODY_EDGES_FT, q)
    assert set(np.unique(d)) <= set(range(0, 10)) and d.min() == 1.0 and d.max() == 9.0
    assert np.mean(d < 3.0) == pytest.approx(0.65, abs=0.01)   # 2.5 -> 3 at u = 0.65
    three = release_distance(np.full(3, 24.3), np.ones(3, bool), np.array([0.0, 0.5, 1.0]),
                             BODY_EDGES_FT, q)
    assert three.tolist() == [24.3, 24.3, 24.3]


def test_shipped_models_release_drives_at_the_rim():
    """The shipped release model (fitted on real training games): a body 3-4 ft out is
    logged within 3 ft most of the time, a body 18 ft out almost never."""
    arr = OutcomeArrays.from_models(default_models())
    u = np.linspace(0.0, 1.0, 2001)
    near = arr.release_ft(np.full_like(u, 3.5), np.zeros_like(u, bool), u)
    far = arr.release_ft(np.full_like(u, 18.5), np.zeros_like(u, bool), u)
    assert 0.6 < np.mean(near < 3.0) < 0.95 and np.mean(far < 3.0) < 0.02


def test_pairs_farther_apart_than_a_frame_of_running_are_left_out():
    s = _shots()
    rel = fit_release(s, "0021500500")
    bad = s.copy()
    far = (bad.track_distance_ft > 15.0) & (np.arange(len(bad)) % 5 == 0)
    bad.loc[far, "distance_ft"] = 1.0                     # putbacks matched to a far frame
    assert fit_release(bad, "0021500500") == fit_release(s[~far], "0021500500") != rel


def test_too_few_shots_in_every_bin_is_no_model():
    s = _shots(n=600)
    s = s[s.track_distance_ft < 19.0].iloc[::4]          # ~150 shots over 16 bins: none has 20
    assert fit_release(s, "0021500500") == {}
