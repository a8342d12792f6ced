"""The executor seam without Ray: the shard codec is exact and never unpickles, results come
back in unit order whatever order they finish in, a rerun reads finished units from the
store, a failing unit is named in one line after the others are kept."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from engine.errors import HoopsimConfigError, HoopsimDataError
from engine.runtime import unit_seed
from engine.runtime.executor import ExecutorConfig, Unit, UnitFailedError, run_units
from engine.runtime.shards import ShardStore, decode, encode, roundtrip, write_npz


def square(args, shared):
    return {"x": np.arange(args, dtype=np.int16) ** 2 * shared, "n": args}


def flaky(args, shared):
    if args in shared:
        raise RuntimeError(f"unit {args} cannot run\nsecond line")
    return {"v": args}


def test_codec_is_exact():
    tree = {"a": np.arange(3, dtype=np.float32), "s": np.float32(2.5), "i": np.int64(7),
            "t": (1, "x", None), 5: [True, 1.0, float("nan")], "__odd": {"k": [np.zeros((2, 0))]}}
    back = roundtrip(tree)
    assert back.keys() == tree.keys() and back["t"] == (1, "x", None)
    assert back["a"].dtype == np.float32 and type(back["s"]) is np.float32 and back["i"] == 7
    assert np.isnan(back[5][2]) and back["__odd"]["k"][0].shape == (2, 0)
    text, arrays = encode(tree)
    assert decode(text, arrays)["s"] == np.float32(2.5)
    with pytest.raises(TypeError):
        encode({"o": np.array([object()], dtype=object)})   # would need pickling


def test_shards_are_plain_npz_and_byte_identical(tmp_path):
    store = ShardStore(tmp_path / "s")
    store.save("game/1", {"x": np.arange(4)})
    first = store.path("game/1").read_bytes()
    store.save("game/1", {"x": np.arange(4)})
    assert store.path("game/1").read_bytes() == first          # no clock inside
    with np.load(store.path("game/1"), allow_pickle=False) as z:
        assert "__tree__" in z.files
    write_npz(tmp_path / "a.npz", {"k": np.ones(2)})
    assert np.load(tmp_path / "a.npz")["k"].sum() == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_results_in_unit_order_and_resumed(tmp_path, workers):
    units = [Unit(f"u{i}", i) for i in (5, 1, 3, 0)]
    store = ShardStore(tmp_path / "s")
    cfg = ExecutorConfig(workers=workers)
    first = run_units(square, units, 3, cfg, store, progress=False)
    assert [r["n"] for r in first] == [5, 1, 3, 0] and first[0]["x"].dtype == np.int16
    store.path("u3").unlink()
    calls = []

    def counting(args, shared):
        calls.append(args)
        return square(args, shared)

    again = run_units(counting, units, 3, ExecutorConfig(), store, progress=False)
    assert calls == [3]                                          # only the missing unit
    for a, b in zip(first, again):
        assert np.array_equal(a["x"], b["x"]) and a["n"] == b["n"]


def test_failed_unit_is_named_and_the_rest_kept(tmp_path):
    units = [Unit(f"u{i}", i, source=f"/data/{i}.csv") for i in range(4)]
    store = ShardStore(tmp_path / "s")
    with pytest.raises(UnitFailedError) as info:
        run_units(flaky, units, {2}, ExecutorConfig(), store, progress=False)
    msg = str(info.value)
    assert isinstance(info.value, HoopsimDataError) and "\n" not in msg
    assert msg.startswith("/data/2.csv: unit u2: failed: RuntimeError: unit 2 cannot run")
    assert "3 of 4 units finished" in msg
    assert [store.has(f"u{i}") for i in range(4)] == [True, True, False, True]


def test_unit_seed_depends_on_keys_only():
    assert unit_seed(0, "man_to_man", ["g/1/2"]) == unit_seed(0, "man_to_man", ["g/1/2"])
    assert unit_seed(0, "man_to_man", ["g/1/2"]) != unit_seed(0, "zone_2_3", ["g/1/2"])
    assert unit_seed(0, "a") != unit_seed(1, "a") and 0 <= unit_seed(5, "x") < 2**63


def test_unknown_executor_is_a_config_error():
    with pytest.raises(HoopsimConfigError, match="executor='spark'"):
        ExecutorConfig(kind="spark")


def test_ray_missing_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    """executor=ray without Ray installed: one line, exit code 2, no run folder."""
    from hoopsim.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)           # import ray -> ImportError
    out = tmp_path / "out"
    code = main(["ingest", f"tracking={tmp_path}", f"pbp={tmp_path}", f"out={out}", "executor=ray"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and not out.exists()
    assert "Ray is not installed" in err[0] and "hoopsim[ray]" in err[0]
    assert json.dumps(err)                                     # plain text
