import numpy as np

from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig


def test_load_possessions_caches_and_splits(tmp_path, shared_data):
    games = ["0021500002", "0021500569"]
    tracking = [str(shared_data / "tracking_2hz" / f"{g}.csv.gz") for g in games]
    pbp = [str(shared_data / "pbp" / f"{g}.csv.gz") for g in games]
    cfg = IngestConfig(workers=1, rate_hz=5.0, split_cutoff="0021500500")
    ds, meta = load_possessions(tracking, pbp, cfg, cache_dir=tmp_path)
    n, t, a, c = ds.arrays["positions"].shape
    assert (a, c) == (11, 3) and n == len(meta) and t == int(np.ceil(40 * 5.0)) + 1
    assert ds.arrays["interpolated"].any() and ds.rate_hz == 5.0
    assert set(meta["split"]) == {"train", "test"}
    assert (meta.loc[meta["game_id"] == "0021500569", "split"] == "test").all()
    caches = list(tmp_path.iterdir())
    again, meta2 = load_possessions(tracking, pbp, cfg, cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == caches          # served from the cache
    assert np.array_equal(again.arrays["positions"], ds.arrays["positions"])
    test, test_meta = load_possessions(tracking, pbp, cfg, cache_dir=tmp_path, split="test")
    assert len(test) == (meta["split"] == "test").sum() and set(test_meta["game_id"]) == {"0021500569"}
