"""Raw SportVU reader/writer: formats, de-duplication, rules, round trips, bad input."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import HoopsimDataError
from engine.schema import ARRAY_FIELDS, Game
from engine.sportvu import read_sportvu, write_sportvu
from engine.synth_raw import synthetic_raw_game

FORMATS = ("json", "json.gz", "7z")
REAL_7Z = Path("sportvu") / "01.23.2016.CHI.at.CLE.7z"
VISITOR = {"name": "Chicago Bulls", "teamid": 1610612741, "abbreviation": "CHI",
           "players": [{"lastname": f"V{i}", "firstname": "A", "playerid": 100 + i,
                        "jersey": str(i), "position": "G"} for i in range(13)]}
HOME = {"name": "Cleveland Cavaliers", "teamid": 1610612739, "abbreviation": "CLE",
        "players": [{"lastname": f"H{i}", "firstname": "B", "playerid": 200 + i,
                     "jersey": str(i), "position": "F"} for i in range(13)]}
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers

def moment(ts: int, clock: float = 700.0, shot: float | None = 20.0, period: int = 1,
           n_players: int = 10, ball: bool = True, dx: float = 0.0) -> list:
    """One raw moment at unix ms ``ts``: ball then players on court."""
    ents = [[-1, -1, 40.0 + dx, 25.0, 4.5]] if ball else []
    for i in range(n_players):
        team, pid = (1610612741, 100 + i) if i < 5 else (1610612739, 200 + i - 5)
        ents.append([team, pid, 10.0 + 7 * i + dx, 5.0 + 4 * i, 0.0])
    return [period, ts, clock, shot, None, ents]


def run(start: int, n: int, **kw) -> list[list]:
    """n moments 40 ms apart starting at ``start`` ms; the game clock runs with them."""
    return [moment(start + 40 * k, clock=round(700.0 - (start + 40 * k) / 1000, 2), **kw)
            for k in range(n)]


def raw_doc(events: list[tuple[str, list]]) -> bytes:
    return orjson.dumps({"gameid": "0021500001", "gamedate": "2015-10-27", "events": [
        {"eventId": eid, "visitor": VISITOR, "home": HOME, "moments": ms} for eid, ms in events]})


def write_raw(path: Path, data: bytes) -> Path:
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data, mtime=0))
    elif path.name.endswith(".7z"):
        import py7zr
        with py7zr.SevenZipFile(path, "w") as archive:
            archive.writestr(data, "0021500001.json")
    else:
        path.write_bytes(data)
    return path


def assert_same_tracking(a: Game, b: Game) -> None:
    for name in ARRAY_FIELDS:
        x, y = getattr(a.tracking, name), getattr(b.tracking, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    assert a.tracking.rate_hz == b.tracking.rate_hz
    assert [(e.event_id, e.n_moments) for e in a.sportvu_events] == \
        [(e.event_id, e.n_moments) for e in b.sportvu_events]
    for e, f in zip(a.sportvu_events, b.sportvu_events):
        assert np.array_equal(e.moments, f.moments)


def no_worker_left() -> bool:
    return not any(t.name == "sportvu-7z" for t in threading.enumerate())


def read_or_error(path: Path) -> Game | None:
    """The fuzz contract: a Game, or HoopsimDataError and nothing else (and the 7z
    worker thread is gone either way)."""
    try:
        return read_sportvu(path)
    except HoopsimDataError:
        return None
    finally:
        assert no_worker_left()


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
    import engine.sportvu_write as sw

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
    import engine.sportvu as sv

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
    if not path.exists():
        pytest.skip(f"{path} not available")
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


# ------------------------------------------------------------------------------ fuzz

@pytest.fixture(scope="module")
def fuzz_sources(tmp_path_factory) -> dict[str, bytes]:
    """Small raw games (2 events, 6 moments) in the three formats, as bytes."""
    folder = tmp_path_factory.mktemp("fuzz")
    data = raw_doc([("1", run(0, 4)), ("2", run(120, 3) + [moment(240, n_players=9)])])
    return {fmt: write_raw(folder / f"f.{fmt}", data).read_bytes() for fmt in FORMATS}


def _fuzz_path(fmt: str) -> Path:
    return Path(tempfile.mkdtemp(prefix="hoopsim_fuzz_")) / f"g.{fmt}"


@FUZZ
@given(fmt=st.sampled_from(FORMATS), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_fuzz_truncated(fuzz_sources: dict, fmt: str, cut: float) -> None:
    data = fuzz_sources[fmt]
    path = _fuzz_path(fmt)
    path.write_bytes(data[:int(cut * len(data))])
    game = read_or_error(path)
    if fmt in ("json", "json.gz"):
        assert game is None  # a proper prefix of a JSON document is never valid
    os.unlink(path)


@FUZZ
@given(fmt=st.sampled_from(FORMATS), flips=st.lists(
    st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=3))
def test_fuzz_flipped_bytes(fuzz_sources: dict, fmt: str, flips: list) -> None:
    data = bytearray(fuzz_sources[fmt])
    for where, xor in flips:
        data[int(where * len(data))] ^= xor
    path = _fuzz_path(fmt)
    path.write_bytes(bytes(data))
    read_or_error(path)
    os.unlink(path)


@FUZZ
@given(token=st.sampled_from([b"NaN", b"null", b"1e999", b'"7"', b"true", b"[]", b"{}", b"",
                              b"-0", b"1.5e3", b"0x1", b"--2", b"1 2", b"Infinity"]),
       where=st.floats(0.0, 1.0, exclude_max=True))
def test_fuzz_replaced_tokens(fuzz_sources: dict, token: bytes, where: float) -> None:
    data = fuzz_sources["json"]
    body = data.index(b'"moments"')
    at = body + int(where * (len(data) - body))
    stop = at
    while stop < len(data) and data[stop:stop + 1] not in b",[]{}":
        stop += 1
    path = _fuzz_path("json")
    path.write_bytes(data[:at] + token + data[stop:])
    read_or_error(path)
    os.unlink(path)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(flips=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(1, 255)),
                      min_size=1, max_size=2), truncate=st.booleans())
def test_fuzz_real_archive(shared_data: Path, flips: list, truncate: bool) -> None:
    source = shared_data / REAL_7Z
    if not source.exists():
        pytest.skip(f"{source} not available")
    data = bytearray(source.read_bytes())
    for where, xor in flips:
        if truncate:
            data = data[:where % len(data)]
            break
        # the header lives in the first 32 and the last ~150 bytes: aim there half the time
        pos = where % 32 if where % 2 else len(data) - 1 - where % 160
        data[pos] ^= xor
    path = _fuzz_path("7z")
    path.write_bytes(bytes(data))
    read_or_error(path)
    os.unlink(path)
