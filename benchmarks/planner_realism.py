"""Realism of what PlayBest generates, on held-out real possessions (games >= cutoff):
the gates of planners.gates from RAW DDIM-10 samples (no speed cap, no court clamp, no
guide), so the figures measure the model, not the projections.

1. Forecasting: 4 observed frames (2 s at 1.92 Hz) of a held-out window, the next 8
   frames (4.2 s) of the 10 players (not the ball) against what happened, in metres:
   minADE20 / minFDE20 per player and per scene, beside a constant-velocity forecast.
2. Player step speeds and accelerations of generated frames vs real frames at the same
   rate (KS, p99 ratio) and the share of player positions > 2 ft off the court vs real.

Usage: python benchmarks/planner_realism.py --planner runs/planner --cache <possession cache>
       [--speed-windows 1000] [--windows 200] [--samples 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import json

from engine.possessions.dataset import load_cache
from planners.gates import measure_gates
from planners.planner import load_planner
from planners.windows import make_windows


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--planner", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--speed-windows", type=int, default=1000)
    ap.add_argument("--windows", type=int, default=200)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    planner = load_planner(args.planner, "cpu")
    ds, _ = load_cache(args.cache)
    w = make_windows(ds.split("test"), planner.cfg.horizon / planner.cfg.rate_hz,
                     rate_hz=planner.cfg.rate_hz)
    out = measure_gates(planner.model, planner.normalizer, planner.cfg.diffusion, w,
                        n_speed=args.speed_windows, n_forecast=args.windows,
                        n_samples=args.samples, seed=args.seed)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
