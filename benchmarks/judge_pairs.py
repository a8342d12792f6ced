"""Controlled pairs on held-out possessions: the share the grounded judge decides the
instructed way (language.pairs: the first shot moved to the corner / the rim /
mid-range, A / B order at random).

Usage: python benchmarks/judge_pairs.py [cache folder] [n pairs]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

from engine.possessions import load_cache
from language.compile import compile_instruction
from language.judge import Play, judge
from language.pairs import controlled_pairs

cache = sys.argv[1] if len(sys.argv) > 1 else str(Path.home() / ".cache/hoopsim/possessions-c835a7d2755ddb63")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
ds, _ = load_cache(cache)
test = np.flatnonzero(ds.meta["split"].to_numpy() == "test")
test = np.random.default_rng(0).permutation(test)
fv = ds.arrays["frame_valid"]
pos = [ds.arrays["positions"][i][fv[i]] for i in test]
ids = [f"{ds.meta['game_id'].iat[i]}-{ds.meta['poss_index'].iat[i]:04d}" for i in test]
pairs = controlled_pairs(pos, ds.rate_hz, ids, n)
rubrics, right, per = {}, 0, Counter()
for p in pairs:
    rub = rubrics.setdefault(p["instruction"], compile_instruction(p["instruction"]))
    e = Play("edited", p["edited"], ds.rate_hz, p["id"] + "e").read()
    o = Play("original", p["original"], ds.rate_hz, p["id"]).read()
    a, b = (e, o) if p["edited_is_a"] else (o, e)
    ok = (judge(rub, a, b).winner == "A") == p["edited_is_a"]
    right += ok
    per[(p["edit"], ok)] += 1
print(f"controlled pairs: {right}/{len(pairs)} = {right / len(pairs):.3f} the instructed way")
for edit in sorted({k[0] for k in per}):
    print(f"  {edit:10s} {per[(edit, True)]}/{per[(edit, True)] + per[(edit, False)]}")
