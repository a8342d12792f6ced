"""Bradley-Terry preference model from the grounded judge's verdicts (AI feedback):
trained on pairs of TRAINING-game possessions under the 30 tuning instructions, measured
by pairwise agreement with the judge on HELD-OUT possessions under the same instructions
and under the 22 unseen (held-out) instructions.

Usage: python benchmarks/preference_model.py [cache folder] [n possessions] [n pairs]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from engine.possessions import load_cache
from engine.tactics import tactical_features
from language.preference import BradleyTerry, feature_matrix, instruction_embeddings, judge_pairs

cache = sys.argv[1] if len(sys.argv) > 1 else str(Path.home() / ".cache/hoopsim/possessions-c835a7d2755ddb63")
n_poss = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
n_pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 4000
ds, _ = load_cache(cache)
rows = json.loads((Path(__file__).resolve().parents[1] / "language/data/instructions.json").read_text())["instructions"]
tune = [r["text"] for r in rows if r["split"] == "tune"]
unseen = [r["text"] for r in rows if r["split"] == "test"]
rng = np.random.default_rng(0)
sets = {}
for split in ("train", "test"):
    usable = (ds.meta["split"].to_numpy() == split) & (ds.arrays["frame_valid"].sum(axis=1) >= 2)
    idx = rng.choice(np.flatnonzero(usable), n_poss, replace=False)
    f = tactical_features(ds.arrays["positions"][idx], ds.rate_hz, ds.arrays["frame_valid"][idx])
    feats = [{k: float(v[i]) for k, v in f.items()} for i in range(len(idx))]
    ids = [f"{ds.meta['game_id'].iat[i]}-{ds.meta['poss_index'].iat[i]:04d}" for i in idx]
    sets[split] = (feature_matrix(f), feats, ids)
e_tune, e_unseen = instruction_embeddings(tune), instruction_embeddings(unseen)
z, feats, ids = sets["train"]
i, j, k, y = judge_pairs(z, feats, tune, n_pairs, 1, ids)
bt = BradleyTerry.fit(z, i, j, e_tune[k], y)
print(f"trained on {n_pairs} judge-labelled pairs of {n_poss} training possessions, 30 instructions")
print(f"  train pairwise agreement with the judge: {bt.accuracy(z, i, j, e_tune[k], y):.3f}")
z, feats, ids = sets["test"]
for name, texts, emb in (("held-out plays, seen instructions", tune, e_tune),
                         ("held-out plays, unseen instructions", unseen, e_unseen)):
    i, j, k, y = judge_pairs(z, feats, texts, 2000, 2, ids)
    acc = bt.accuracy(z, i, j, emb[k], y)
    print(f"  {name}: {acc:.3f} (2000 pairs; always-A baseline {max(y.mean(), 1 - y.mean()):.3f})")
