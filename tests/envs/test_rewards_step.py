"""Per-step rewards (envs.reward_fns): every registered reward passes the shared contract
(tests/contracts.py: torch == scalar twin, batch rows == rows alone, nothing after the
end), and each pays the value derived by hand from its definition on events the
simulator itself produces."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.rewards import PlayBestTable, ReliableWeights
from engine.sim.step import N_NOISE, SHOT_CLOCK_S, Decision, Noise, SimConfig
from envs.halfcourt import HalfCourtEnv
from envs.reward_fns import REWARDS, ReliableStep
from tests.contracts import reward_tester
from tests.engine.sim.test_step import Forced, Rules, run, spread_state

CFG = SimConfig()


@pytest.mark.parametrize("name", REWARDS.names())
def test_every_reward_passes_the_contract(name):
    got = reward_tester(lambda: REWARDS.make(name))
    assert got["paid"] > 0, f"{name} paid nothing in {got['steps']} steps"


def test_a_user_callable_reward_passes_the_contract():
    got = reward_tester(lambda: (lambda ev, s: 10.0 * ev["points"]))
    assert got["paid"] > 0


def nb_pmf(k: int, r: int = 5, p: float = 2 / 3) -> float:
    """Negative binomial P(k failures before the r-th success), by the closed form."""
    return math.factorial(k + r - 1) / (math.factorial(k) * math.factorial(r - 1)) * p ** r * (1 - p) ** k


def rewards_of(name, states, evs, **options):
    fn = REWARDS.make(name, options or None)
    return [float(fn(ev, s)[0]) for s, ev in zip(states, evs)]


# ------------------------------------------------------------------ playbest
@pytest.mark.parametrize("xy, want", [((62.0, 25.0), 3.0), ((80.0, 25.0), 2.0)])
def test_playbest_pays_the_made_shot_on_the_landing_step(xy, want):
    states, evs = run(spread_state(shooter_xy=xy), Forced(make=1.0), [Decision.SHOOT, Decision.HOLD])
    assert rewards_of("playbest", states, evs) == [0.0, want]
    assert rewards_of("playbest", states, evs, made3=5.0, made2=7.0) == [0.0, 5.0 if want == 3 else 7.0]


def test_playbest_and_one_and_missed_free_throws():
    # and-one: 2 for the basket + 1 for the free throw (ft = 1.0)
    states, evs = run(spread_state(shooter_xy=(80.0, 25.0), ft=1.0), Forced(make=1.0, foul=1.0),
                      [Decision.SHOOT, Decision.HOLD])
    assert rewards_of("playbest", states, evs) == [0.0, 3.0]
    # fouled three-point miss, all three free throws missed (ft = 0): nothing
    states, evs = run(spread_state(shooter_xy=(62.0, 25.0), ft=0.0), Forced(make=0.0, foul=1.0),
                      [Decision.SHOOT, Decision.HOLD])
    assert rewards_of("playbest", states, evs) == [0.0, 0.0]
    assert rewards_of("playbest", states, evs, free_throw_made=9.0) == [0.0, 0.0]


def test_playbest_offensive_rebound_turnovers_and_violation():
    u = torch.full((1, N_NOISE), 0.99)
    u[0, Noise.REBOUND] = 0.0
    states, evs = run(spread_state(), Forced(make=0.0, oreb=0.5), [Decision.SHOOT, Decision.HOLD], noise=u)
    assert rewards_of("playbest", states, evs) == [0.0, 0.25]
    states, evs = run(spread_state(), Forced(intercept=1.0), [Decision.PASS_1] + [Decision.HOLD] * 3)
    r = rewards_of("playbest", states, evs)
    ended = [i for i, e in enumerate(evs) if bool(e["interception"][0])]
    assert len(ended) == 1 and r[ended[0]] == -1.0 and r[:ended[0]] == [0.0] * ended[0]
    states, evs = run(spread_state(), Forced(steal_per_s=1e6), [Decision.HOLD], noise=0.1)
    assert rewards_of("playbest", states, evs) == [-1.0]
    assert rewards_of("playbest", states, evs, turnover=-4.0) == [-4.0]
    n = math.ceil(SHOT_CLOCK_S / CFG.dt_s)
    states, evs = run(spread_state(shot_clock=SHOT_CLOCK_S), Forced(), [Decision.HOLD] * n)
    r = rewards_of("playbest", states, evs)
    assert r[:-1] == [0.0] * (n - 1) and r[-1] == -0.25


def test_playbest_bonus_free_throws_pay_one_each():
    states, evs = run(spread_state(ft=1.0), Rules(foul_per_s=1e6, bonus=1.0), [Decision.HOLD])
    assert rewards_of("playbest", states, evs) == [2.0]


# ------------------------------------------------------------------ points, expected points
def test_points_and_expected_points():
    states, evs = run(spread_state(shooter_xy=(62.0, 25.0)), Forced(make=0.3),
                      [Decision.SHOOT, Decision.HOLD], noise=0.1)        # 0.1 < 0.3: made
    assert rewards_of("points", states, evs) == [0.0, 3.0]
    ep = rewards_of("expected_points", states, evs)
    assert ep[0] == pytest.approx(0.3 * 3) and ep[1] == 0.0             # paid at the release


# ------------------------------------------------------------------ reliable
@pytest.mark.parametrize("game_clock", [5.0, 50.0, 80.0, 130.0, 700.0])
def test_reliable_pays_its_closed_form_at_the_end_only(game_clock):
    s = spread_state(shooter_xy=(80.0, 25.0), shot_clock=15.0, game_clock=game_clock)
    states, evs = run(s, Forced(make=1.0), [Decision.HOLD, Decision.SHOOT, Decision.HOLD])
    r = rewards_of("reliable", states, evs)
    assert r[:2] == [0.0, 0.0]
    end = states[-1]
    sc, gc = float(end.shot_clock[0]), float(end.game_clock[0])
    assert sc == pytest.approx(15.0 - 3 * CFG.dt_s, abs=1e-4)
    k = int(gc // 24)
    want = 2.0 + (24.0 - sc) / 24.0 + gc / 720.0 * nb_pmf(k)
    assert r[2] == pytest.approx(want, rel=1e-5)
    w = ReliableWeights(points=0.5, shot_clock=-1.0, game_clock=3.0, period_s=300.0, nb_r=3, nb_p=0.5)
    got = float(ReliableStep(w)(evs[-1], end)[0])
    assert got == pytest.approx(0.5 * 2 - (24 - sc) / 24 + 3 * gc / 300 * nb_pmf(k, 3, 0.5), rel=1e-5)


def test_reliable_torch_form_equals_engine_reliable_reward_on_a_grid():
    """ReliableStep's lgamma form against engine.rewards.reliable_reward (math.comb)."""
    from engine.rewards import reliable_reward

    states, evs = run(spread_state(shooter_xy=(80.0, 25.0)), Forced(make=1.0),
                      [Decision.SHOOT, Decision.HOLD])
    end, ev = states[-1], evs[-1]
    for w in (ReliableWeights(), ReliableWeights(nb_r=2, nb_p=0.3, period_s=2880.0)):
        fn = ReliableStep(w)
        for gc in np.linspace(0.0, 720.0, 61):
            for sc in (0.0, 7.3, 24.0):
                s = end.map(torch.clone)
                s.game_clock[:], s.shot_clock[:] = float(gc), sc
                want = reliable_reward(2.0, sc, float(gc), w)
                assert float(fn(ev, s)[0]) == pytest.approx(want, rel=1e-5, abs=1e-6), (gc, sc, w)


# ------------------------------------------------------------------ the env pays it
@pytest.mark.parametrize("fast", [True, False])
def test_env_pays_the_playbest_table_of_its_own_events(fast):
    """With the default table every point is worth one, so a step pays its points + 0.25
    per offensive rebound - 1 per turnover - 0.25 per shot-clock violation."""
    env = HalfCourtEnv(fast=fast, max_steps=60)
    rng = np.random.default_rng(3)
    seen = {"made": 0, "oreb": 0, "turnover": 0}
    for episode in range(40):
        env.reset(seed=episode)
        for _ in range(60):
            dec = int(rng.choice(7, p=[0.8] + [0.02] * 5 + [0.1]))
            _, r, term, trunc, info = env.step({"move": rng.uniform(-1, 1, (5, 2)).astype(np.float32),
                                                "decision": dec})
            ev = set(info["events"])
            want = (info["step_points"] + 0.25 * ("oreb" in ev)
                    - 1.0 * bool(ev & {"interception", "steal"})
                    - 0.25 * ("shot_clock_violation" in ev))
            assert r == pytest.approx(want, abs=1e-5), (ev, info)
            seen["made"] += "made" in ev
            seen["oreb"] += "oreb" in ev
            seen["turnover"] += bool(ev & {"interception", "steal"})
            if term or trunc:
                break
    assert all(v > 0 for v in seen.values()), seen


def test_table_default_weights_are_the_papers():
    t = PlayBestTable()
    assert (t.made3, t.made2, t.free_throw_made, t.rebound, t.turnover, t.violation) == \
        (3.0, 2.0, 1.0, 0.25, -1.0, -0.25)


def test_reliable_scalar_twin_uses_its_weights():
    from engine.rewards import reliable_reward
    from engine.sim import fast as sim_fast

    states, evs = run(spread_state(shooter_xy=(80.0, 25.0), game_clock=50.0), Forced(make=1.0),
                      [Decision.SHOOT, Decision.HOLD])
    w = ReliableWeights(points=0.5, shot_clock=-1.0, game_clock=3.0, period_s=300.0, nb_r=3, nb_p=0.5)
    f = sim_fast.FastState.from_torch(states[-1])
    got = ReliableStep(w).scalar({"done": True}, f)
    assert got == pytest.approx(reliable_reward(2.0, f.shot_clock, f.game_clock, w))
    assert got != pytest.approx(ReliableStep().scalar({"done": True}, f))
