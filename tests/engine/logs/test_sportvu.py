"""Raw SportVU reader/writer: formats, de-duplication, rules, round trips, bad input."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import orjson
import pytest

from engine.errors import HoopsimDataError
from engine.logs.sportvu import read_sportvu
from engine.logs.sportvu_write import write_sportvu
from engine.logs.synth_raw import synthetic_raw_game
from engine.schema import Game
from tests.engine.logs.sportvu_helpers import (
    FORMATS,
    HOME,
    REAL_7Z,
    VISITOR,
    assert_same_tracking,
    moment,
    no_worker_left,
    raw_doc,
    run,
    write_raw,
)


@pytest.fixture(scope="module")
def small_game() -> Game:
    return synthetic_raw_game("0029900002", n_periods=2, seconds_per_period=40.0, seed=3)


@pytest.fixture(scope="module")
def small_files(small_game: Game, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sportvu")
    return {fmt: write_sportvu(small_game, folder / f"small.{fmt}", level=1) for fmt in FORMATS}


# --------------------------------------------------------------------- formats, trips

def test_formats_agree_and_match_the_game(small_game: Game, small_files: dict) -> None:
    games = {fmt: read_sportvu(p) for fmt, p in small_files.items()}
    for fmt, game in games.items():
        assert_same_tracking(game, small_game)  # lossless: read(write(game)) == game
        assert game.provenance.format == f"sportvu-{fmt}"
        assert game.home == small_game.home and game.visitor == small_game.visitor
        assert game.game_id == "0029900002" and game.game_date == small_game.game_date
    assert games["json"].quality == games["7z"].quality == games["json.gz"].quality


def test_synthetic_game_is_plausible(small_game: Game) -> None:
    t, events = small_game.tracking, small_game.sportvu_events
    assert len(small_game.home.players) == len(small_game.visitor.players) == 13
    assert np.all(np.diff(t.timestamp) > 0) and set(t.period.tolist()) == {1, 2}
    assert t.game_clock.max() == 40.0 and t.game_clock.min() == 0.0
    assert np.nanmax(t.shot_clock) == 24.0 and np.isnan(t.shot_clock).any()
    same_seg = (np.diff(t.segment) == 0)[:, None]
    speed = np.hypot(*np.moveaxis(np.diff(t.xyz[:, 1:, :2], axis=0), -1, 0)) * t.rate_hz
    assert np.all(np.where(same_seg, speed, 0.0) < 15.0)  # bounded player speed, ft/s
    assert sum(e.n_moments for e in events) > len(t)  # events overlap in time
    assert t.valid.all() and len(events) >= 2


def test_write_of_read_is_byte_identical(small_files: dict, tmp_path: Path) -> None:
    original = small_files["json"].read_bytes()
    for fmt in ("json", "7z"):
        again = write_sportvu(read_sportvu(small_files[fmt]), tmp_path / "again.json")
        assert again.read_bytes() == original
    regz = write_sportvu(read_sportvu(small_files["json.gz"]), tmp_path / "again.json.gz", level=1)
    assert regz.read_bytes() == small_files["json.gz"].read_bytes()  # mtime=0: deterministic


def test_raw_byte_format(small_files: dict) -> None:
    data = small_files["json"].read_bytes()
    assert data.startswith(b'{"gameid":"0029900002","gamedate":"2016-01-24","events":['
                           b'{"eventId":"1","visitor":{"name":"Synthetic Visitors","teamid":')
    first = data[data.index(b'"moments":[[') + 11:].split(b"]]]")[0]
    assert first.startswith(b"[1,1453597000000,40.0,24.0,null,[[-1,-1,")
    assert b", " not in data and b": " not in data and data.endswith(b"]]]}]}")


def test_moderate_game_in_all_formats(tmp_path: Path) -> None:
    """One period of 150 s at 25 Hz (~8 MB of JSON): agree, round trip, streamed memory."""
    game = synthetic_raw_game("0029900003", n_periods=1, seconds_per_period=150.0, seed=5)
    paths = {fmt: write_sportvu(game, tmp_path / f"mid.{fmt}", level=1) for fmt in FORMATS}
    for fmt, path in paths.items():
        assert_same_tracking(read_sportvu(path), game)
    size = paths["json"].stat().st_size
    tracemalloc.start()
    try:
        read_sportvu(paths["json.gz"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 5e6 and peak < 2.0 * size  # streamed: never the whole document


def test_explicit_overlapping_slices(small_game: Game, tmp_path: Path) -> None:
    n = len(small_game.tracking)
    events = [(7, slice(0, n // 2 + 30)), (9, slice(n // 2, n))]
    got = read_sportvu(write_sportvu(small_game, tmp_path / "s.json", events=events))
    assert [(e.event_id, e.n_moments) for e in got.sportvu_events] == \
        [(7, n // 2 + 30), (9, n - n // 2)]
    assert got.quality.duplicate_moments == 30
    assert np.array_equal(got.tracking.xyz, small_game.tracking.xyz)
    assert np.array_equal(got.tracking.event_id, np.where(np.arange(n) < n // 2 + 30, 7, 9))


def test_writer_leaves_nothing_half_written(small_game: Game, tmp_path: Path, monkeypatch) -> None:
    import engine.logs.sportvu_write as sw

    calls = []

    def boom(tracking, rows):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("disk full")
        return b"[]"

    monkeypatch.setattr(sw, "moments_json", boom)
    for fmt in FORMATS:
        calls.clear()
        with pytest.raises(RuntimeError):
            write_sportvu(small_game, tmp_path / f"x.{fmt}")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ dedupe and rules

def test_overlapping_events_are_deduplicated(tmp_path: Path) -> None:
    later = run(10_000, 10)  # event "3": 10.00 s .. 10.36 s, listed first
    earlier = run(9_800, 10)  # event "4": 9.80 s .. 10.16 s, overlaps 5 moments
    earlier[6][5][0][2] = 99.0  # a repeated moment with other content: the first copy wins
    path = write_raw(tmp_path / "d.json", raw_doc([("3", later), ("4", earlier), ("5", [])]))
    game = read_sportvu(path)
    t = game.tracking
    assert len(t) == 15 and game.quality.duplicate_moments == 5
    assert np.all(np.diff(t.timestamp) == 40) and t.timestamp[0] == 9_800
    assert t.event_id.tolist() == [4] * 5 + [3] * 10
    assert t.xyz[6, 0, 0] == 40.0
    assert [(e.event_id, e.n_moments) for e in game.sportvu_events] == [(3, 10), (4, 10), (5, 0)]
    assert game.sportvu_events[1].moments.tolist() == list(range(10))
    assert game.quality.events_without_moments == 1


def test_repeats_inside_an_event_and_after_the_cache(tmp_path: Path) -> None:
    import engine.logs.sportvu_moments as sv

    events = [(str(k + 1), run(1000 * k, 3)) for k in range(sv.RECENT_EVENTS + 3)]
    first = events[0][1]
    events[1] = ("2", events[1][1][:1] * 2 + events[1][1][1:])  # same moment twice
    events.append(("99", first))  # event 1 again, long after it left the cache
    game = read_sportvu(write_raw(tmp_path / "e.json", raw_doc(events)))
    assert len(game.tracking) == 3 * (sv.RECENT_EVENTS + 3)
    assert game.quality.duplicate_moments == 1 + 3
    assert np.all(np.diff(game.tracking.timestamp) > 0)
    assert game.tracking.event_id[:3].tolist() == [1, 1, 1]
    assert game.sportvu_events[-1].moments.tolist() == [0, 1, 2]
    assert game.sportvu_events[1].moments.tolist() == [3, 3, 4, 5]


def test_backwards_timestamp_within_an_event_is_an_error(tmp_path: Path) -> None:
    moments = run(5_000, 6)
    moments[3][1] = 4_000
    path = write_raw(tmp_path / "b.json", raw_doc([("1", run(0, 3)), ("17", moments)]))
    with pytest.raises(HoopsimDataError) as err:
        read_sportvu(path)
    assert err.value.file == str(path) and "event 17" in err.value.record
    assert "backwards" in err.value.problem


def test_backwards_across_events_is_fine(tmp_path: Path) -> None:
    path = write_raw(tmp_path / "c.json", raw_doc([("1", run(4_000, 5)), ("2", run(0, 5))]))
    assert read_sportvu(path).tracking.timestamp.tolist() == [0, 40, 80, 120, 160] + \
        [4000, 4040, 4080, 4120, 4160]


def test_missing_entities_and_ball(tmp_path: Path) -> None:
    moments = run(0, 40)
    moments[5] = moment(200, clock=699.8, n_players=9)  # one player missing
    moments[9] = moment(360, clock=699.64, ball=False)  # no ball: unusable moment
    game = read_sportvu(write_raw(tmp_path / "m.json", raw_doc([("1", moments)])))
    t = game.tracking
    assert len(t) == 39 and game.quality.moments_unusable == 1
    assert t.valid[5].tolist() == [True] * 10 + [False] and t.entity_id[5, 10] == 0
    assert game.quality.entities_missing == 2
    assert 360 not in t.timestamp.tolist()


def test_rules_are_applied(tmp_path: Path) -> None:
    moments = run(0, 30)
    moments[2][3] = 100.0  # shot clock above 24: missing
    moments[4][5][3][2] = -30.0  # a player 30 ft off court: masked
    moments[6][5][2][3] = -5.0  # 5 ft off: clipped onto the court
    game = read_sportvu(write_raw(tmp_path / "r.json", raw_doc([("1", moments)])))
    t = game.tracking
    assert np.isnan(t.shot_clock[2]) and t.shot_clock[3] == 20.0
    assert not t.valid[4, 3] and t.valid[4].sum() == 10 and game.quality.entities_masked == 1
    assert t.xyz[6, 2, 1] == 0.0 and game.quality.coords_clipped == 1


def test_too_many_unusable_moments_is_an_error(tmp_path: Path) -> None:
    moments = run(0, 20)
    for k in range(0, 20, 4):
        moments[k] = moment(40 * k, ball=False)
    with pytest.raises(HoopsimDataError, match="unusable"):
        read_sportvu(write_raw(tmp_path / "u.json", raw_doc([("1", moments)])))


def test_limit_events(small_files: dict) -> None:
    for path in small_files.values():
        game = read_sportvu(path, limit_events=1)
        assert len(game.sportvu_events) == 1 and game.has_tracking
        assert no_worker_left()  # the 7z worker was stopped, not left running


def test_whitespace_and_key_order_variants(tmp_path: Path) -> None:
    doc = json.loads(raw_doc([("1", run(0, 5)), ("2", run(160, 5))]))
    doc["events"][1] = {"eventId": "2", "moments": doc["events"][1]["moments"],
                        "home": HOME, "visitor": VISITOR}
    plain = raw_doc([("1", run(0, 5)), ("2", run(160, 5))])
    compact = read_sportvu(write_raw(tmp_path / "a.json", plain))
    pretty = read_sportvu(write_raw(tmp_path / "p.json", json.dumps(doc, indent=2).encode()))
    assert_same_tracking(pretty, compact)
    doc["events"][0] = {"home": HOME, "eventId": "1", "visitor": VISITOR, "moments": []}
    with pytest.raises(HoopsimDataError, match="eventId"):
        read_sportvu(write_raw(tmp_path / "k.json", json.dumps(doc).encode()))


@pytest.mark.parametrize("bad, match", [
    (b'"NaN"', "numbers"), (b"NaN", "JSON"), (b"true", "numbers"), (b"1e400", "JSON"),
    (b"[1]", "malformed"), (b"01.5", "JSON"), (b"{}", "numbers"), (b"-", "JSON"),
])
def test_bad_values_are_data_errors(tmp_path: Path, bad: bytes, match: str) -> None:
    data = raw_doc([("1", run(0, 5))]).replace(b"4.5]", b"%s]" % bad, 1)
    with pytest.raises(HoopsimDataError, match=match):
        read_sportvu(write_raw(tmp_path / "v.json", data))


@pytest.mark.parametrize("patch", [
    {"eventId": {"a": 1}}, {"visitor": {"name": 5}}, {"home": None}, {"moments": "x"},
])
def test_wrong_header_types_are_data_errors(tmp_path: Path, patch: dict) -> None:
    doc = json.loads(raw_doc([("1", run(0, 5))]))
    doc["events"][0].update(patch)
    with pytest.raises(HoopsimDataError):
        read_sportvu(write_raw(tmp_path / "t.json", orjson.dumps(doc)))


def test_wrong_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HoopsimDataError, match="suffix|expected"):
        read_sportvu(tmp_path / "game.csv")
    with pytest.raises(FileNotFoundError):
        read_sportvu(tmp_path / "nope.json")


# ------------------------------------------------------------------------- real data

def test_real_archive_without_moments(shared_data: Path, tmp_path: Path) -> None:
    import py7zr
    from py7zr.io import BytesIOFactory

    path = shared_data / REAL_7Z
    game = read_sportvu(path)
    assert game.game_id == "0021500659" and game.game_date == "2016-01-23"
    assert not game.has_tracking and len(game.tracking) == 0
    assert len(game.sportvu_events) == 466 and game.quality.events_without_moments == 466
    assert len(game.visitor.players) == len(game.home.players) == 13
    assert (game.visitor.abbreviation, game.home.abbreviation) == ("CHI", "CLE")
    assert game.provenance.format == "sportvu-7z"
    factory = BytesIOFactory(limit=1 << 24)
    with py7zr.SevenZipFile(path) as archive:
        archive.extractall(factory=factory)
    original = factory.get("0021500659.json")
    original.seek(0)
    again = write_sportvu(game, tmp_path / "0021500659.json")
    assert again.read_bytes() == original.read()


