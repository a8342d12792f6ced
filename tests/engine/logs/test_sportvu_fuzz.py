"""Fuzzing the raw SportVU reader: any mutation gives a Game or HoopsimDataError."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.logs.sportvu_helpers import (
    FORMATS,
    FUZZ,
    REAL_7Z,
    moment,
    raw_doc,
    read_or_error,
    run,
    write_raw,
)


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
