"""Measure movement limits (speed, acceleration caps) from the real tracking data.

Loads every 2 Hz game (``<data>/tracking_2hz/*.csv.gz``, through
``engine.logs.io.load_tracking``, two worker processes) and the 25 Hz wide fragment
(``<data>/tracking_25hz/0021500001_1_5.csv``), measures each rate separately with
``engine.outcomes.limits``, prints a Markdown table of raw vs glitch-filtered percentiles per
rate and, with ``--out``, writes the limits and full reports as JSON.

Accelerations at 2 Hz average over 0.52 s steps and are coarse (far below true
peaks); at 25 Hz they are dominated by position noise. See engine/outcomes/limits.py.

Usage: ``python benchmarks/physics_limits.py [--data ../shared/data] [--limit N]
[--percentile 99.5] [--glitch 35] [--out limits.json]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from multiprocessing import Pool
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from engine.atomic import write_bytes_atomic
from engine.logs.io import load_tracking
from engine.outcomes.limits import REPORT_PERCENTILES, speeds, summarize

FRAGMENT_25HZ = "tracking_25hz/0021500001_1_5.csv"


def _measure_file(path: str, glitch: float, ball_glitch: float) -> dict:
    """One game's step measurements plus the share of player frames clipped on load."""
    game = load_tracking(path)
    part = speeds(game.tracking, glitch, ball_glitch)
    part["coords_clipped"] = game.quality.coords_clipped
    part["entity_frames"] = int(game.tracking.valid.sum())
    return part


def measure_rate(name: str, files: list[str], args: argparse.Namespace) -> dict:
    """Limits and report for the files of one frame rate."""
    work = partial(_measure_file, glitch=args.glitch, ball_glitch=args.ball_glitch)
    t0 = time.perf_counter()
    if len(files) > 1:
        with Pool(args.workers) as pool:
            parts = pool.map(work, files, chunksize=8)
    else:
        parts = [work(f) for f in files]
    seconds = time.perf_counter() - t0
    limits, report = summarize(parts, args.percentile, f"{name}: {len(files)} file(s)",
                               args.glitch, args.ball_glitch)
    # engine.logs.rules clips coordinates up to 10 ft off the court onto it, so the loaded
    # tracks are (almost) never off court; the clipped frames (ball and players, per
    # entity) are the ones that were out of bounds in the file.
    frames = sum(p["entity_frames"] for p in parts)
    report["clipped_share"] = sum(p["coords_clipped"] for p in parts) / max(frames, 1)
    report["n_files"] = len(files)
    report["seconds"] = round(seconds, 2)
    return {"limits": limits.to_dict(), "report": report}


def markdown(results: dict[str, dict]) -> str:
    """One table per quantity: rows are percentiles, columns raw/filtered per rate."""
    lines = []
    names = list(results)
    for qty, unit in (("player_speed", "ft/s"), ("player_accel", "ft/s^2"),
                      ("ball_speed", "ft/s")):
        head = " | ".join(f"{n} raw | {n} filtered" for n in names)
        lines += [f"\n**{qty}** ({unit})\n", f"| pct | {head} |",
                  "|---|" + "---|" * (2 * len(names))]
        for p in REPORT_PERCENTILES:
            cells = []
            for n in names:
                r = results[n]["report"][qty]
                cells += [f"{r['raw'][f'p{p:g}']:.1f}", f"{r['filtered'][f'p{p:g}']:.1f}"]
            lines.append(f"| p{p:g} | " + " | ".join(cells) + " |")
        counts = [f"{results[n]['report'][qty]['n_raw']} | "
                  f"{results[n]['report'][qty]['n_filtered']}" for n in names]
        lines.append("| n | " + " | ".join(counts) + " |")
    lines.append("\n| rate | files | Hz | glitch share | clock-timed steps | off court "
                 "| clipped on load (all entities) | seconds |\n|---|---|---|---|---|---|---|---|")
    for n in names:
        r = results[n]["report"]
        lines.append(f"| {n} | {r['n_files']} | {r['rate_hz']:.3f} | {r['glitch_share']:.3%} "
                     f"| {r['clock_dt_share']:.3%} | {r['player_off_court_share']:.3%} "
                     f"| {r['clipped_share']:.3%} | {r['seconds']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--limit", type=int, default=None, help="at most this many 2 Hz games")
    ap.add_argument("--percentile", type=float, default=99.5)
    ap.add_argument("--glitch", type=float, default=35.0, help="player glitch speed, ft/s")
    ap.add_argument("--ball-glitch", type=float, default=80.0, help="ball glitch speed, ft/s")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="write limits and reports as JSON here")
    args = ap.parse_args(argv)
    data = Path(args.data)
    games = sorted(str(p) for p in (data / "tracking_2hz").glob("*.csv.gz"))[:args.limit]
    fragment = data / FRAGMENT_25HZ
    if not games and not fragment.exists():
        sys.exit(f"no tracking data under {data} (the real data lives in ../shared/data)")
    results = {}
    if games:
        results["2hz"] = measure_rate("tracking_2hz", games, args)
    if fragment.exists():
        results["25hz"] = measure_rate("tracking_25hz fragment", [str(fragment)], args)
    print(markdown(results))
    for name, res in results.items():
        print(f"\n{name} limits: {json.dumps(res['limits'])}")
    if args.out:
        payload = {"percentile": args.percentile, "glitch_ftps": args.glitch,
                   "ball_glitch_ftps": args.ball_glitch, "results": results}
        write_bytes_atomic(args.out, json.dumps(payload, indent=2).encode())
        print(f"\nwrote {args.out}")
    return results


if __name__ == "__main__":
    main()
