"""Tracking-only commentary against the real play-by-play on held-out possessions
(games >= the cache's split cutoff): shots, make / miss, rebounds, turnovers.

Usage: python benchmarks/commentary_match.py [cache folder] [split] [--out file.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from engine.possessions import load_cache
from language.commentary import match_report

args = [a for a in sys.argv[1:] if not a.startswith("--")]
cache = args[0] if args else str(Path.home() / ".cache/hoopsim/possessions-c835a7d2755ddb63")
split = args[1] if len(args) > 1 else "test"
ds, _ = load_cache(cache)
idx = np.flatnonzero(ds.meta["split"].to_numpy() == split)
rep = match_report(ds, idx)
print(f"{split} possessions: {rep['possessions']}, logged FGA {rep['fga']}, tracked shots {rep['detected']}")
for k, v in rep["rates"].items():
    print(f"  {k:20s} {v:.3f}")
if "--out" in sys.argv:
    Path(sys.argv[sys.argv.index("--out") + 1]).write_text(json.dumps(rep, indent=1))
