"""Held-out defender-position error: behaviour-cloned defense vs man-to-man vs constant.

Loads every real game (``<data>/tracking_2hz`` + ``<data>/pbp`` through
``engine.possessions.api.load_possessions``, cached under ``--cache``; the first ingest takes about
a minute), trains ``envs.defense.bc`` on fully tracked frames of the train split
(game ids below 0021500500) and scores the test split. Metric: per frame, predicted and
real defenders matched as sets (minimum total distance), mean distance in feet over the
five pairs, averaged over frames. Rows: the BC model; man-to-man guard spots
(attacker + sag * (hoop - attacker)) at the man_to_man and loose_man config sags and at
the sag fitted on the train split; the mean defender position (five copies).

Usage: ``python benchmarks/defense_error.py [--data ../shared/data] [--cache /tmp/defcache]
[--steps 1500] [--max-frames 200000] [--seed 0]``
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np
import torch

from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from envs.defense import LooseManConfig, ManToManConfig
from envs.defense.bc import (
    BCConfig,
    best_sag,
    fit_bc,
    mean_defender_xy,
    sample_frames,
    set_errors,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--cache", default="/tmp/defcache")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--max-frames", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t0 = time.time()
    data = Path(args.data)
    ds, _ = load_possessions(str(data / "tracking_2hz"), str(data / "pbp"),
                             IngestConfig(workers=2), cache_dir=args.cache)
    rng = np.random.default_rng(args.seed)
    train = sample_frames(ds.split("train"), args.max_frames, rng)
    test = sample_frames(ds.split("test"), 10**9, rng)
    t1 = time.time()
    model = fit_bc(train, BCConfig(steps=args.steps), torch.Generator().manual_seed(args.seed))
    t2 = time.time()
    fitted = best_sag(train[:50_000])
    sags = {f"man_to_man (sag {ManToManConfig().sag})": ManToManConfig().sag,
            f"loose_man (sag {LooseManConfig().sag})": LooseManConfig().sag,
            f"man_to_man (train-fitted sag {fitted:.2f})": fitted}
    errs = set_errors(test, model, mean_defender_xy(train), sags)
    errs_train = set_errors(train[:50_000], model, mean_defender_xy(train), sags)
    print(f"\nframes: train {len(train)} (sampled), test {len(test)} (all fully tracked); "
          f"load {t1 - t0:.0f}s, fit {t2 - t1:.0f}s\n")
    print("| defense | test error (ft) | train error (ft) |\n|---|---|---|")
    for name in errs:
        print(f"| {name} | {errs[name]:.2f} | {errs_train[name]:.2f} |")


if __name__ == "__main__":
    main()
