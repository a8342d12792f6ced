"""Benchmark: the streaming raw SportVU reader against a naive baseline.

A full-size synthetic game (4 periods x 720 s at 25 Hz, ~450 overlapping events,
~100 MB of JSON) is written in the real raw byte format as ``.json``, ``.json.gz`` and
``.7z``. For each format we time, in this process and pinned to one CPU core:

- ours: ``engine.logs.sportvu.read_sportvu`` (streamed, de-duplicated, data rules applied);
- naive: decompress the whole file, ``json.loads``, one Python tuple per moment,
  ``np.asarray`` per field, then drop repeated timestamps with ``np.unique`` (so that
  both end with the same unique moments; the rules are not applied, which favours it).

Each figure is the median of ``repeats`` runs after one warm-up run. Peak memory is
measured in a fresh subprocess per reader and format: its peak RSS after reading
minus its peak RSS after the imports (VmHWM on Linux, see ``max_rss``).
``rss_over_file`` divides that increase by the size of the decompressed JSON document
(not the compressed file on disk); ``file_mb`` is the file on disk.

Usage: ``python benchmarks/bench_ingest.py [--repeats 5] [--tmpdir DIR] [--out res.json]``;
``hoopsim bench`` calls :func:`bench_ingest`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.logs.sportvu import read_sportvu
from engine.logs.sportvu_write import write_sportvu
from engine.logs.synth_raw import synthetic_raw_game

log = logging.getLogger(__name__)
FORMATS = ("json", "json.gz", "7z")
GAME_ID = "0029900001"


@contextlib.contextmanager
def one_core():
    """Pin this process (and its children) to one CPU core while inside; yields the
    core (None where affinity is not available) and restores the affinity after."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield min(before)
    finally:
        os.sched_setaffinity(0, before)


def make_files(tmpdir: Path, seed: int = 0) -> dict[str, Path]:
    """Write the synthetic game in the three formats (reused when already there)."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    paths = {fmt: tmpdir / f"synthetic_{GAME_ID}_s{seed}.{fmt}" for fmt in FORMATS}
    if all(p.exists() for p in paths.values()):
        return paths
    game = synthetic_raw_game(GAME_ID, seed=seed)
    for fmt, path in paths.items():
        t0 = time.perf_counter()
        write_sportvu(game, path)
        log.info("wrote %s: %.1f MB in %.1f s", path.name, path.stat().st_size / 1e6,
                 time.perf_counter() - t0)
    return paths


def decompress(path: Path) -> bytes:
    """The whole JSON document of a .json / .json.gz / .7z file, in memory."""
    name = path.name
    if name.endswith(".json.gz"):
        with gzip.open(path, "rb") as f:
            return f.read()
    if name.endswith(".7z"):
        import py7zr
        from py7zr.io import BytesIOFactory

        factory = BytesIOFactory(limit=1 << 40)
        with py7zr.SevenZipFile(path) as archive:
            member = archive.getnames()[0]
            archive.extract(targets=[member], factory=factory)
        buf = factory.get(member)
        buf.seek(0)
        return buf.read()
    return path.read_bytes()


def naive_read(path: Path) -> dict[str, np.ndarray]:
    """Baseline: json.loads of the whole document, a tuple per moment, np.asarray.

    Returns unique moments (first occurrence of each timestamp), ordered by time:
    period (M,), timestamp (M,), game_clock (M,), shot_clock (M,) with NaN for null,
    entities (M, 11, 5) [team_id, player_id, x, y, z].
    """
    doc = json.loads(decompress(path))
    rows = []
    for event in doc["events"]:
        for m in event["moments"]:
            rows.append((m[0], m[1], m[2], m[3], m[5]))
    stamp = np.asarray([r[1] for r in rows], dtype=np.int64)
    _, first = np.unique(stamp, return_index=True)  # sorted by time, first copy kept
    shot = np.asarray([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64)
    return {"period": np.asarray([r[0] for r in rows], dtype=np.int16)[first],
            "timestamp": stamp[first],
            "game_clock": np.asarray([r[2] for r in rows], dtype=np.float64)[first],
            "shot_clock": shot[first],
            "entities": np.asarray([r[4] for r in rows], dtype=np.float64)[first]}


def ours_read(path: Path):
    return read_sportvu(path)


def check_same(path: Path) -> None:
    """Both readers must find the same unique moments (keeps the comparison honest)."""
    ours, naive = read_sportvu(path).tracking, naive_read(path)
    assert np.array_equal(ours.timestamp, naive["timestamp"]), "timestamps differ"
    assert np.array_equal(ours.xyz, naive["entities"][..., 2:]), "positions differ"
    assert np.array_equal(ours.shot_clock, naive["shot_clock"], equal_nan=True)


def median_times(path: Path, repeats: int) -> tuple[float, float]:
    """Median wall seconds of ours and naive over ``repeats`` runs after a warm-up.

    The two readers alternate, so that a slow spell of a shared machine hits both.
    """
    times: dict[str, list[float]] = {"ours": [], "naive": []}
    for k in range(repeats + 1):
        for name, fn in (("ours", ours_read), ("naive", naive_read)):
            t0 = time.perf_counter()
            fn(path)
            if k:  # run 0 is the warm-up
                times[name].append(time.perf_counter() - t0)
    return statistics.median(times["ours"]), statistics.median(times["naive"])


def peak_rss(which: str, path: Path) -> dict:
    """Run one read in a fresh interpreter; its own peak RSS before/after (bytes)."""
    out = subprocess.run([sys.executable, "-m", "engine.logs.bench_ingest", "--child", which, str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def max_rss() -> int:
    """Peak resident set size of this process in bytes.

    On Linux ru_maxrss survives fork+exec (the kernel keeps the larger of the old and
    new address space's peak), so a child started by this big benchmark process would
    inherit the parent's peak; VmHWM in /proc is the peak of the child's own memory.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(which: str, path: str) -> None:
    import py7zr  # noqa: F401  (imports are not part of the reading cost)

    base = max_rss()
    (ours_read if which == "ours" else naive_read)(Path(path))
    print(json.dumps({"base": base, "peak": max_rss()}))


def bench_ingest(tmpdir: str | os.PathLike, repeats: int = 5, seed: int = 0) -> list[dict]:
    """Time and measure both readers on each format; one dict per format."""
    paths = make_files(Path(tmpdir), seed)
    with one_core() as core:
        return [_bench_format(fmt, path, paths["json"].stat().st_size, repeats, core)
                for fmt, path in paths.items()]


def _bench_format(fmt: str, path: Path, json_bytes: int, repeats: int, core: int | None) -> dict:
    """One row: times (median seconds), speedup, peak RSS of ours (and of naive)."""
    check_same(path)
    ours_s, naive_s = median_times(path, repeats)
    rss, naive_rss = peak_rss("ours", path), peak_rss("naive", path)
    row = {
        "format": fmt, "file_mb": round(path.stat().st_size / 1e6, 2),
        "json_mb": round(json_bytes / 1e6, 2),
        "ours_s": round(ours_s, 3), "naive_s": round(naive_s, 3),
        "speedup": round(naive_s / ours_s, 2),
        "peak_rss_mb": round(rss["peak"] / 1e6, 1),
        "rss_over_file": round((rss["peak"] - rss["base"]) / json_bytes, 3),
        "naive_rss_over_file": round((naive_rss["peak"] - naive_rss["base"]) / json_bytes, 3),
        "repeats": repeats, "core": core,
    }
    log.info("%s", _row(row))
    return row


HEADER = (f"{'format':>8} {'file MB':>8} {'ours s':>7} {'naive s':>8} {'speedup':>8} "
          f"{'peak MB':>9} {'rss/json':>8} {'naive r/j':>9}")


def _row(r: dict) -> str:
    return (f"{r['format']:>8} {r['file_mb']:>8.1f} {r['ours_s']:>7.2f} {r['naive_s']:>8.2f} "
            f"{r['speedup']:>7.1f}x {r['peak_rss_mb']:>9.0f} {r['rss_over_file']:>8.2f} "
            f"{r['naive_rss_over_file']:>9.2f}")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tmpdir", default=None, help="where the synthetic files go")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return []
    tmpdir = args.tmpdir or tempfile.mkdtemp(prefix="hoopsim_bench_")
    results = bench_ingest(tmpdir, repeats=args.repeats, seed=args.seed)
    print("\n".join([HEADER] + [_row(r) for r in results]))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
