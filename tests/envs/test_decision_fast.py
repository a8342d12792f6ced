"""Decision-v0's fast path is the twin of its torch path: the same seed and actions give
the same decisions (observations within 1e-4, the same events, outcome, rewards)."""

from __future__ import annotations

import numpy as np
import pytest

from envs.decision import DecisionEnv


@pytest.mark.parametrize("kw", [{}, {"defense": "zone_2_3", "obs_noise_ft": 1.5, "view_ft": 30.0},
                                {"reward": "playbest", "defense": "switch_everything"}])
def test_decision_fast_path_matches_torch_path(kw):
    envs_ = [DecisionEnv(fast=f, **kw) for f in (False, True)]
    assert [e.fast for e in envs_] == [False, True]
    rng = np.random.default_rng(0)
    obs = [e.reset(seed=3)[0] for e in envs_]
    ends = steps = 0
    while steps < 150:
        assert np.abs(obs[0] - obs[1]).max() < 1e-4
        a = int(rng.integers(0, 7))
        outs = [e.step(a) for e in envs_]
        (o0, r0, t0, u0, i0), (o1, r1, t1, u1, i1) = outs
        assert (t0, u0, i0["events"], i0["outcome"], i0["sim_steps"]) == \
            (t1, u1, i1["events"], i1["outcome"], i1["sim_steps"])
        assert r0 == pytest.approx(r1, abs=1e-5) and i0["points"] == i1["points"]
        pos = [e.state_for_render()[0] for e in envs_]
        assert np.abs(pos[0] - pos[1]).max() < 1e-3
        obs, steps = [o0, o1], steps + 1
        if t0 or u0:
            ends += 1
            obs = [e.reset()[0] for e in envs_]
    assert ends >= 5


def test_decision_fast_is_the_default_and_deterministic():
    env = DecisionEnv()
    assert env.fast
    runs = []
    for _ in range(2):
        obs, _ = env.reset(seed=1)
        out = [obs]
        for a in [1, 0, 2, 0, 6, 0, 0, 3, 6] * 4:
            obs, r, term, trunc, info = env.step(a)
            out.append((obs.tobytes(), r, term, info["events"]))
            if term or trunc:
                env.reset()
        runs.append(out)
    assert runs[0][1:] == runs[1][1:]
