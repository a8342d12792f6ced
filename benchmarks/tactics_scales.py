"""Measure the spread (standard deviation) of every tactical feature over real
possessions of the TRAINING games: the ``scale`` of engine.tactics.library is this,
rounded. Usage: python benchmarks/tactics_scales.py [cache folder] [n]"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from engine.possessions import load_cache
from engine.tactics import FEATURES, tactical_features

cache = sys.argv[1] if len(sys.argv) > 1 else str(Path.home() / ".cache/hoopsim/possessions-c835a7d2755ddb63")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
ds, _ = load_cache(cache)
train = np.flatnonzero(ds.meta["split"].to_numpy() == "train")
pick = np.random.default_rng(0).choice(train, min(n, train.size), replace=False)
feats = tactical_features(ds.arrays["positions"][pick], ds.rate_hz, ds.arrays["frame_valid"][pick])
print(f"{'feature':28s} {'mean':>9s} {'std':>9s} {'library scale':>14s}")
for f in FEATURES:
    v = feats[f.name][np.isfinite(feats[f.name])]
    print(f"{f.name:28s} {v.mean():9.3f} {v.std():9.3f} {f.scale:14.3f}")
