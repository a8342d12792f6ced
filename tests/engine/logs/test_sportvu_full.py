"""A full-size raw game (4 x 720 s at 25 Hz, ~100 MB of JSON in ~450 overlapping events)
reads identically from .json, .json.gz and .7z."""

import numpy as np
import pytest

from engine.logs.sportvu import read_sportvu
from engine.logs.sportvu_write import write_sportvu
from engine.logs.synth_raw import synthetic_raw_game
from engine.schema import ARRAY_FIELDS


@pytest.mark.slow
def test_full_size_game_reads_identically_from_all_formats(tmp_path):
    game = synthetic_raw_game("0029900009", seed=9)
    paths = {"json": tmp_path / "g.json", "json.gz": tmp_path / "g.json.gz", "7z": tmp_path / "g.7z"}
    for fmt, path in paths.items():
        write_sportvu(game, path, level=1)   # fast compression presets; same byte format inside
    assert paths["json"].stat().st_size > 90e6
    reads = {fmt: read_sportvu(path) for fmt, path in paths.items()}
    assert len(game.sportvu_events) > 400
    for fmt, back in reads.items():
        for name in ARRAY_FIELDS:
            assert np.array_equal(getattr(back.tracking, name), getattr(game.tracking, name),
                                  equal_nan=True), (fmt, name)
        assert len(back.sportvu_events) == len(game.sportvu_events)
        assert back.quality.duplicate_moments > 0       # the events overlapped
