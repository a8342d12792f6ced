"""Bad input: mutated bytes of files written by the project's own writers give a valid game or one project error
(HoopsimDataError naming file, record and problem), never another exception; nothing
half-written is ever left on disk."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import HoopsimDataError
from engine.logs.synth_raw import synthetic_raw_game
from engine.logs.tidy_csv import read_tidy_csv, write_tidy_csv
from engine.logs.wide_csv import read_wide_csv, wide_columns
from engine.possessions.dataset import PossessionSet, save_cache
from engine.possessions.ingest import IngestConfig, ingest, ingest_game

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def synthetic_game():
    """A 25 Hz raw game built in memory (engine.logs.synth_raw): the inputs below come
    from the project's own writers, so these tests need no real data."""
    return synthetic_raw_game("0021500002", n_periods=1, seconds_per_period=30.0, seed=4)


@pytest.fixture(scope="module")
def tidy_bytes(synthetic_game, tmp_path_factory) -> bytes:
    path = write_tidy_csv(synthetic_game, tmp_path_factory.mktemp("tidy") / "0021500002.csv")
    text = path.read_bytes()
    assert read_tidy_csv(path).tracking is not None                 # the writer's file reads
    return b"\n".join(text.split(b"\n")[:400]) + b"\n"  # ~36 moments


def wide_frame(game) -> pd.DataFrame:
    """The wide per-moment table of ``game`` (engine.logs.wide_csv's columns)."""
    tr = game.tracking
    cols = {"quarter": tr.period, "moment_id": tr.timestamp, "quarter_clock": tr.game_clock,
            "shot_clock": tr.shot_clock, "ball_x": tr.xyz[:, 0, 0], "ball_y": tr.xyz[:, 0, 1],
            "ball_radius": tr.xyz[:, 0, 2]}
    for k in range(1, tr.xyz.shape[1]):
        cols |= {f"player_{k}_id": tr.entity_id[:, k], f"player_{k}_team_id": tr.team_id[:, k],
                 f"player_{k}_x": tr.xyz[:, k, 0], f"player_{k}_y": tr.xyz[:, k, 1]}
    return pd.DataFrame(cols)[wide_columns()]


@pytest.fixture(scope="module")
def wide_bytes(synthetic_game, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("wide") / "0021500001_1_5.csv"
    wide_frame(synthetic_game).iloc[:119].to_csv(path, index=False)
    back = read_wide_csv(path)
    assert np.allclose(back.tracking.xyz[:, 1:, :2], synthetic_game.tracking.xyz[:119, 1:, :2])
    return path.read_bytes()


def _read_or_error(reader, path):
    try:
        game = reader(path)
    except HoopsimDataError as exc:
        assert exc.file and exc.record and exc.problem
        return None
    assert game.tracking is not None
    return game


def _mutate(data: bytes, op: str, pos: float, byte: int) -> bytes:
    i = int(pos * (len(data) - 1))
    if op == "truncate":
        return data[:i]
    if op == "flip":
        return data[:i] + bytes([data[i] ^ (byte or 1)]) + data[i + 1:]
    if op == "nan":
        return data[:i] + b"nan" + data[i:]
    return data[:i] + data[i + 1:]  # delete


@pytest.mark.parametrize("reader,name", [(read_tidy_csv, "0021500002.csv"),
                                         (read_wide_csv, "0021500001_1_5.csv")])
@FUZZ
@given(op=st.sampled_from(["truncate", "flip", "nan", "delete"]), pos=st.floats(0, 1),
       byte=st.integers(0, 255))
def test_mutated_csv(tmp_path, tidy_bytes, wide_bytes, reader, name, op, pos, byte):
    p = tmp_path / name
    source = tidy_bytes if reader is read_tidy_csv else wide_bytes
    p.write_bytes(_mutate(source, op, pos, byte))
    _read_or_error(reader, p)


@FUZZ
@given(pos=st.floats(0, 1))
def test_truncated_gzip_tidy(tmp_path, tidy_bytes, pos):
    blob = gzip.compress(tidy_bytes)
    p = tmp_path / "0021500002.csv.gz"
    p.write_bytes(blob[:int(pos * len(blob))])
    _read_or_error(read_tidy_csv, p)


@pytest.mark.parametrize("column", ["x_loc", "game_clock", "player_id"])
def test_dropped_column_is_named(tmp_path, tidy_bytes, column):
    df = pd.read_csv(io.BytesIO(tidy_bytes)).drop(columns=[column])
    p = tmp_path / "0021500002.csv"
    df.to_csv(p, index=False)
    with pytest.raises(HoopsimDataError, match=column):
        read_tidy_csv(p)


def test_nan_coordinates_mask_a_moment_and_too_many_are_fatal(tmp_path, shared_data):
    df = pd.read_csv(shared_data / "tracking_2hz" / "0021500002.csv.gz")
    base = read_tidy_csv(shared_data / "tracking_2hz" / "0021500002.csv.gz").quality
    df.loc[df.index[5:8], "x_loc"] = np.nan   # three players of one moment
    p = tmp_path / "0021500002.csv"
    df.to_csv(p, index=False)
    q = read_tidy_csv(p).quality
    assert q.moments_unusable == base.moments_unusable + 1
    df.loc[df.index[: len(df) // 10], "x_loc"] = np.nan   # a tenth of the file
    df.to_csv(p, index=False)
    with pytest.raises(HoopsimDataError, match="unusable"):
        read_tidy_csv(p)


def test_wrong_game_pairing(tmp_path, shared_data):
    t = str(shared_data / "tracking_2hz" / "0021500002.csv.gz")
    wrong = str(shared_data / "pbp" / "0021500003.csv.gz")
    with pytest.raises(HoopsimDataError, match="0021500003"):
        ingest_game(t, wrong, IngestConfig(workers=1))
    renamed = tmp_path / "0021500002.csv.gz"   # right name, wrong content
    renamed.write_bytes((shared_data / "pbp" / "0021500003.csv.gz").read_bytes())
    ds, summary = ingest([t], [str(renamed)], IngestConfig(workers=1), progress=False)
    assert len(ds) == 0 and summary["skipped"][0]["file"] == str(renamed)
    assert "0021500002" in summary["skipped"][0]["reason"]


def test_failed_cache_write_leaves_nothing(tmp_path):
    class Boom:
        def __array__(self, *a, **k):
            raise RuntimeError("disk full")
    ds = PossessionSet({"positions": np.zeros((1, 2, 11, 3)), "bad": Boom()},
                       pd.DataFrame({"game_id": ["x"]}), 2.0)
    with pytest.raises(RuntimeError):
        save_cache(ds, tmp_path / "cache", {})
    assert list(tmp_path.iterdir()) == []
