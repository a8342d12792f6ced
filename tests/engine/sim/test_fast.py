"""engine.sim.fast (one possession on floats) agrees with engine.sim.step (batched torch)
step for step through tests/contracts.py's twin_tester: same noise, same actions ->
positions within 1e-3 ft, same events, outcome, points and end."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeArrays, OutcomeTensors
from engine.sim import fast as sim_fast
from engine.sim.step import N_NOISE, SimConfig, initial_state, step
from tests.contracts import twin_tester

EVENTS = ("pass", "catch", "interception", "steal", "shot", "made", "miss", "oreb", "dreb",
          "nonshooting_foul", "bonus", "shot_clock_violation", "period_end")


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


class TorchStep:
    """engine.sim.step.step on a batch of one; a case's start (when not None) restarts it."""

    def __init__(self, outcomes) -> None:
        self.out, self.s = outcomes, None

    def __call__(self, case) -> dict:
        start, off, dfn, dec, u = case
        if start is not None:
            self.s = start
        self.s, ev = step(self.s, off, dfn, dec, u, self.out, SimConfig())
        s = self.s
        return {"pos": s.pos[0], "events": [k for k in EVENTS if bool(ev[k][0])],
                "outcome": int(s.outcome[0]), "points": float(s.points[0]), "done": bool(s.done[0]),
                "clocks": [float(s.shot_clock[0]), float(s.elapsed[0])]}


class FastStep:
    """engine.sim.fast.step on the same inputs (floats, numpy)."""

    def __init__(self, outcomes) -> None:
        self.out, self.f = outcomes, None

    def __call__(self, case) -> dict:
        start, off, dfn, dec, u = case
        if start is not None:
            self.f = sim_fast.FastState.from_torch(start)
        self.f, ev = sim_fast.step(self.f, off[0].double().numpy(), dfn[0].double().numpy(),
                                   int(dec), u[0].double().numpy(), self.out, SimConfig())
        f = self.f
        return {"pos": f.pos, "events": [k for k in EVENTS if ev.get(k)], "outcome": f.outcome,
                "points": f.points, "done": bool(f.done), "clocks": [f.shot_clock, f.elapsed]}


def step_cases(g: torch.Generator, n: int, ref: TorchStep):
    """n steps of random actions and uniforms; a new random start after each possession."""
    start = random_start(g)
    for _ in range(n):
        off = (torch.rand(1, 5, 2, generator=g) - 0.5) * 50.0
        dfn = (torch.rand(1, 5, 2, generator=g) - 0.5) * 50.0
        dec = torch.multinomial(torch.tensor([12.0, 1, 1, 1, 1, 1, 1]), 1, generator=g)
        u = torch.rand(1, N_NOISE, generator=g)
        yield start, off, dfn, dec, u
        start = random_start(g) if bool(ref.s.done[0]) else None


@pytest.mark.parametrize("seed", range(3))
def test_fast_step_matches_torch_step(outcomes, seed):
    """The twin test named in engine.sim.fast's docstring."""
    out_t, out_a = outcomes
    g = torch.Generator().manual_seed(seed)
    ref = TorchStep(out_t)
    n = twin_tester(ref, {"engine.sim.fast": FastStep(out_a)}, step_cases(g, 300, ref),
                    atol={"pos": 1e-3, "clocks": 1e-4}, min_cases=300)
    assert n == 300


@pytest.mark.parametrize("seed", range(2))
def test_fast_step_matches_torch_step_with_frequent_fouls(outcomes, seed):
    """Issue 11's rules in both twins: non-shooting fouls (side-outs and bonus free
    throws), and-ones, fouled misses and the logged shot ends, each made frequent."""
    out_t, out_a = (type(o).__new__(type(o)) for o in outcomes)
    for new, old in zip((out_t, out_a), outcomes):
        new.__dict__.update(old.__dict__)
        new.nonshooting_foul_per_s, new.bonus_share = 0.6, 0.5
        new.and_one_rate, new.shooting_foul_miss_rate = 0.3, 0.4
    g = torch.Generator().manual_seed(100 + seed)
    ref = TorchStep(out_t)
    seen: set = set()

    class Seen(FastStep):
        def __call__(self, case):
            got = super().__call__(case)
            seen.update(got["events"])
            return got

    twin_tester(ref, {"engine.sim.fast": Seen(out_a)}, step_cases(g, 300, ref),
                atol={"pos": 1e-3, "clocks": 1e-4}, min_cases=300)
    assert {"nonshooting_foul", "bonus", "made", "miss"} <= seen


def test_fast_initial_state_matches_torch():
    g = torch.Generator().manual_seed(9)
    s = random_start(g)
    f = sim_fast.initial_state(s.pos[0].numpy(), int(s.handler[0]), 24.0, 60.0,
                               logit_adj=s.logit_adj[0].numpy(), ft_pct=s.ft_pct[0].numpy())
    ref = sim_fast.FastState.from_torch(s)
    assert np.allclose(f.pos, ref.pos) and f.handler == ref.handler and f.ball_mode == ref.ball_mode
