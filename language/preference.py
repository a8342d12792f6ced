"""A Bradley-Terry preference (reward) model learned from the grounded judge's verdicts
(AI feedback), conditioned on the instruction:

    r(play, instruction) = z(play)^T W e(instruction),   P(A > B) = sigmoid(r(A) - r(B))

z: the play's tactical features divided by their scales (engine.tactics.library), e: the
instruction's MiniLM embedding, W (features x 384) learned with L2 by Adam on pairs the
judge labelled. Being bilinear in the instruction's embedding, it scores instructions it
never saw. Its ranking of candidates is compared with the exact rubric score, its upper
bound (the judge's own criterion).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.tactics import FEATURE_NAMES, spec
from language.compile import compile_instruction, embed
from language.judge import Play, judge


def feature_matrix(features: dict[str, np.ndarray]) -> np.ndarray:
    """{name: (n,)} -> (n, F) scaled, NaN -> 0."""
    z = np.stack([np.asarray(features[f], np.float64) / spec(f).scale for f in FEATURE_NAMES], axis=1)
    return np.nan_to_num(z)


def judge_pairs(z: np.ndarray, feats: list[dict], instructions: list[str], n: int, seed: int,
                ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, instruction index, label 1 if the judge prefers i) for n random pairs the
    rubric separates (a pair tied on the rubric says nothing about the instruction)."""
    rng = np.random.default_rng(seed)
    rubrics = [compile_instruction(t) for t in instructions]
    out, tries = [], 0
    while len(out) < n and tries < 20 * n:
        tries += 1
        i, j = rng.choice(len(z), 2, replace=False)
        k = int(rng.integers(len(instructions)))
        a = Play("A", np.zeros((1, 11, 3)), 1.0, ids[i], features=feats[i])
        b = Play("B", np.zeros((1, 11, 3)), 1.0, ids[j], features=feats[j])
        v = judge(rubrics[k], a, b)
        if not v.tie_break:
            out.append((i, j, k, int(v.winner == "A")))
    arr = np.array(out)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


@dataclass
class BradleyTerry:
    weight: np.ndarray                      # (F, 384)

    def reward(self, z: np.ndarray, e: np.ndarray) -> np.ndarray:
        """z (n, F), e (384,) or (n, 384) -> (n,)."""
        return np.einsum("nf,fd,nd->n", z, self.weight, np.broadcast_to(e, (len(z), e.shape[-1])))

    def accuracy(self, z, i, j, e, label) -> float:
        d = self.reward(z[i], e) - self.reward(z[j], e)
        return float(((d > 0).astype(int) == label).mean())

    @classmethod
    def fit(cls, z: np.ndarray, i, j, e: np.ndarray, label, l2: float = 1e-3, steps: int = 400,
            lr: float = 0.05, seed: int = 0) -> "BradleyTerry":
        """z (n, F); pairs (i, j) with instruction embeddings e (m, 384) and labels (m,)."""
        torch.manual_seed(seed)
        zt, et = torch.as_tensor(z, dtype=torch.float32), torch.as_tensor(e, dtype=torch.float32)
        y = torch.as_tensor(label, dtype=torch.float32)
        w = torch.zeros(z.shape[1], e.shape[1], requires_grad=True)
        opt = torch.optim.Adam([w], lr=lr)
        diff = zt[torch.as_tensor(i)] - zt[torch.as_tensor(j)]
        for _ in range(steps):
            logit = torch.einsum("mf,fd,md->m", diff, w, et)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, y) + l2 * (w * w).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return cls(w.detach().numpy().astype(np.float64))


def instruction_embeddings(texts: list[str]) -> np.ndarray:
    return embed(list(texts))
