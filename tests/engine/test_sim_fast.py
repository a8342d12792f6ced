"""engine.sim.fast (one possession on floats) agrees with engine.sim.step (batched torch)
step for step: same noise, same actions -> positions within 1e-3 ft, same events."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeArrays, OutcomeTensors
from engine.sim import fast as sim_fast
from engine.sim.step import N_NOISE, SimConfig, initial_state, step

EVENTS = ("pass", "catch", "interception", "steal", "shot", "made", "miss", "oreb", "dreb",
          "shot_clock_violation", "period_end")


@pytest.fixture(scope="module")
def outcomes():
    models = default_models()
    return OutcomeTensors.from_models(models, "cpu"), OutcomeArrays.from_models(models)


def random_start(g: torch.Generator):
    pos = torch.zeros(1, 11, 3)
    pos[..., 0] = 50.0 + 42.0 * torch.rand(1, 11, generator=g)
    pos[..., 1] = 2.0 + 46.0 * torch.rand(1, 11, generator=g)
    handler = torch.randint(1, 6, (1,), generator=g)
    return initial_state(pos, handler, torch.tensor([24.0]), torch.tensor([60.0]),
                         logit_adj=torch.randn(1, 5, generator=g) * 0.2)


@pytest.mark.parametrize("seed", range(3))
def test_fast_step_matches_torch_step(outcomes, seed):
    out_t, out_a = outcomes
    cfg = SimConfig()
    g = torch.Generator().manual_seed(seed)
    s = random_start(g)
    f = sim_fast.FastState.from_torch(s)
    steps = 0
    for _ in range(300):
        off = (torch.rand(1, 5, 2, generator=g) - 0.5) * 50.0
        dfn = (torch.rand(1, 5, 2, generator=g) - 0.5) * 50.0
        dec = torch.multinomial(torch.tensor([12.0, 1, 1, 1, 1, 1, 1]), 1, generator=g)
        u = torch.rand(1, N_NOISE, generator=g)
        s, ev = step(s, off, dfn, dec, u, out_t, cfg)
        f, fev = sim_fast.step(f, off[0].double().numpy(), dfn[0].double().numpy(), int(dec),
                               u[0].double().numpy(), out_a, cfg)
        assert np.abs(s.pos[0].double().numpy() - f.pos).max() < 1e-3
        assert [k for k in EVENTS if bool(ev[k][0])] == [k for k in EVENTS if fev.get(k)]
        assert int(s.outcome[0]) == f.outcome and float(s.points[0]) == f.points
        steps += 1
        if f.done:
            s = random_start(g)
            f = sim_fast.FastState.from_torch(s)
    assert steps == 300


def test_fast_initial_state_matches_torch():
    g = torch.Generator().manual_seed(9)
    s = random_start(g)
    f = sim_fast.initial_state(s.pos[0].numpy(), int(s.handler[0]), 24.0, 60.0,
                               logit_adj=s.logit_adj[0].numpy(), ft_pct=s.ft_pct[0].numpy())
    ref = sim_fast.FastState.from_torch(s)
    assert np.allclose(f.pos, ref.pos) and f.handler == ref.handler and f.ball_mode == ref.ball_mode
