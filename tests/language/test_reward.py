"""A rubric as reward: exact scores of trajectories, the smooth surrogate's gradient,
the env reward paid at the end of each possession, offline relabelling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from engine.possessions.dataset import PossessionSet
from language.compile import compile_instruction
from language.reward import RubricStepReward, relabel_possessions, rubric_scores, soft_rubric_score
from tests.engine.tactics.test_tactics import corner_three_play

RUB = compile_instruction("no mid-range, shoot corner threes")


def _two_plays():
    play = corner_three_play()
    batch = np.zeros((2, 10, 11, 3), np.float32)
    batch[0, :8], batch[1, :4] = play, play[:4]
    fv = np.zeros((2, 10), bool)
    fv[0, :8], fv[1, :4] = True, True
    return batch, fv


def test_exact_and_smooth_scores_prefer_the_corner_three():
    batch, fv = _two_plays()
    s = rubric_scores(RUB, batch, 2.0, fv)
    assert s[0] > s[1] == 0.0
    x = torch.tensor(corner_three_play()[None], dtype=torch.float64, requires_grad=True)
    soft = soft_rubric_score(RUB, x, 2.0)
    soft.sum().backward()
    assert float(soft) > 0 and torch.isfinite(x.grad).all()


def test_offline_relabelling_puts_the_score_on_the_last_frame():
    batch, fv = _two_plays()
    ds = PossessionSet({"positions": batch, "frame_valid": fv}, pd.DataFrame({"split": ["train"] * 2}), 2.0)
    r = relabel_possessions(ds, RUB)
    assert r.shape == fv.shape and r.dtype == np.float32
    assert r[0, 7] == np.float32(rubric_scores(RUB, batch[:1, :8], 2.0)[0]) and r[0, :7].sum() == 0
    assert np.count_nonzero(r[1]) == 0


class _State:
    def __init__(self, pos, done):
        self.pos, self.done = torch.as_tensor(pos), torch.as_tensor(done)


def test_env_reward_pays_at_the_end_of_each_possession():
    play = corner_three_play()
    rew = RubricStepReward(RUB, 2.0)
    paid = []
    for t in range(8):
        both = np.stack([play[t], play[t]])
        done = np.array([t == 7, t == 3])
        paid.append(rew({}, _State(both, done)).numpy())
    paid = np.array(paid)
    assert paid[:7, 0].tolist() == [0.0] * 7 and paid[7, 0] == rubric_scores(RUB, play[None], 2.0)[0]
    assert paid[3, 1] == rubric_scores(RUB, play[None, :4], 2.0)[0]
    # the second row started again after its end: frames 4..7 are its next possession
    assert paid[7, 1] == 0.0
