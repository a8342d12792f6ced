"""The Bradley-Terry preference model learns the judge's verdicts and carries them to
plays it never saw."""

from __future__ import annotations

import numpy as np
import pytest

from engine.tactics import FEATURE_NAMES, spec
from language.preference import BradleyTerry, feature_matrix, instruction_embeddings, judge_pairs


def _plays(n: int, seed: int):
    rng = np.random.default_rng(seed)
    f = {name: rng.poisson(spec(name).scale * 2, n).astype(float) if name.endswith("_attempts")
         else rng.normal(3 * spec(name).scale, spec(name).scale, n) for name in FEATURE_NAMES}
    feats = [{k: float(v[i]) for k, v in f.items()} for i in range(n)]
    return feature_matrix(f), feats, [f"p{seed}-{i:04d}" for i in range(n)]


@pytest.mark.slow
def test_bradley_terry_agrees_with_the_judge_on_new_plays():
    texts = ["attack the rim, no mid-range", "shoot corner threes", "move the ball, make extra passes"]
    emb = instruction_embeddings(texts)
    z, feats, ids = _plays(200, 0)
    i, j, k, y = judge_pairs(z, feats, texts, 400, 1, ids)
    bt = BradleyTerry.fit(z, i, j, emb[k], y, steps=200)
    z2, feats2, ids2 = _plays(200, 1)
    i2, j2, k2, y2 = judge_pairs(z2, feats2, texts, 200, 2, ids2)
    assert bt.accuracy(z2, i2, j2, emb[k2], y2) >= 0.8
    assert 0.2 < y2.mean() < 0.8          # both answers occur: not a constant
