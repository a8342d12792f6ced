"""Rules of the simulator checked in BOTH twins (engine.sim.step, batched torch, and
engine.sim.fast, one possession on floats) from the same start with the shipped outcome
models, each branch forced by the uniforms (u < p fires, u > p does not); then
calibration over many rows: event rates equal the outcome models' probabilities within
four binomial standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeArrays, OutcomeTensors
from engine.sim import fast as sim_fast
from engine.sim.step import N_NOISE, BallMode, Decision, Noise, Outcome, SimConfig, initial_state, step
from tests.engine.sim.test_step import spread_state

CFG = SimConfig()
MODELS = default_models()
OUT_T, OUT_A = OutcomeTensors.from_models(MODELS, "cpu"), OutcomeArrays.from_models(MODELS)


def uniforms(**fire) -> torch.Tensor:
    """(1, N_NOISE) uniforms: 0.0 for the named draws (the event fires whatever its
    probability), 0.999 for the others (no event)."""
    u = torch.full((1, N_NOISE), 0.999)
    for name, value in fire.items():
        u[0, Noise[name.upper()]] = value
    return u


def both(start, decisions, noise) -> dict[str, list[dict]]:
    """Run the torch step and the fast twin from ``start`` (a SimState of one row) with
    the given decisions and uniforms (one (1, N_NOISE) tensor for every step, or a list);
    players stand still. Returns per twin a list of {events, outcome, points, done}."""
    out = {"torch": [], "fast": []}
    s, f = start, sim_fast.FastState.from_torch(start)
    zero = np.zeros((5, 2))
    for k, d in enumerate(decisions):
        u = noise[k] if isinstance(noise, list) else noise
        s, ev = step(s, torch.zeros(1, 5, 2), torch.zeros(1, 5, 2), torch.tensor([int(d)]), u,
                     OUT_T, CFG)
        f, fev = sim_fast.step(f, zero, zero, int(d), u[0].double().numpy(), OUT_A, CFG)
        out["torch"].append({"events": {k for k, v in ev.items() if v.dtype == torch.bool and bool(v[0])},
                             "outcome": int(s.outcome[0]), "points": float(s.points[0]),
                             "done": bool(s.done[0]), "shot_clock": float(s.shot_clock[0])})
        out["fast"].append({"events": {k for k, v in fev.items() if v is True},
                            "outcome": int(f.outcome), "points": float(f.points), "done": bool(f.done),
                            "shot_clock": float(f.shot_clock)})
    return out


def final(run: list[dict]) -> dict:
    ended = [r for r in run if r["done"]]
    assert ended, "the possession did not end"
    return ended[0]


TWINS = ["torch", "fast"]


@pytest.mark.parametrize("twin", TWINS)
def test_shot_clock_expiring_with_the_shot_in_the_air_still_scores(twin):
    """The buzzer-beater: released at 0.3 s on the shot clock, it lands after 0 and counts."""
    start = spread_state(shooter_xy=(80.0, 25.0), shot_clock=0.3)
    run = both(start, [Decision.SHOOT] + [Decision.HOLD] * 12, uniforms(make=0.0))[twin]
    assert "shot_clock_violation" not in set().union(*(r["events"] for r in run))
    assert run[0]["shot_clock"] < 0 and not run[0]["done"]           # expired, still alive
    end = final(run)
    assert end["outcome"] == Outcome.MADE and end["points"] == 2.0


@pytest.mark.parametrize("twin", TWINS)
def test_shot_clock_expiring_during_a_pass_is_a_violation(twin):
    """Only a shot in the air is exempt: a pass in flight when the clock hits 0 is not."""
    start = spread_state(shot_clock=0.3)
    run = both(start, [Decision.PASS_2] + [Decision.HOLD] * 3, uniforms())[twin]
    assert run[0]["done"] and "shot_clock_violation" in run[0]["events"]
    assert run[0]["outcome"] == Outcome.SHOT_CLOCK and run[0]["points"] == 0.0


@pytest.mark.parametrize("twin", TWINS)
def test_period_end_wins_over_a_violation_in_the_same_step(twin):
    start = spread_state(shot_clock=0.3, game_clock=0.3)
    run = both(start, [Decision.HOLD], uniforms())[twin]
    assert run[0]["done"] and run[0]["outcome"] == Outcome.PERIOD_END
    assert "period_end" in run[0]["events"] and "shot_clock_violation" not in run[0]["events"]


@pytest.mark.parametrize("twin", TWINS)
def test_four_point_play(twin):
    """A made three, fouled (and-one), its one free throw made: four points, outcome made
    (the second and third uniforms would make theirs too: they are not taken)."""
    start = spread_state(shooter_xy=(62.0, 25.0))                    # 26.75 ft: a three
    run = both(start, [Decision.SHOOT] + [Decision.HOLD] * 12,
               uniforms(make=0.0, foul=0.0, ft_1=0.0, ft_2=0.0, ft_3=0.0))[twin]
    end = final(run)
    assert end["outcome"] == Outcome.MADE and end["points"] == 4.0


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("xy, fts, value", [
    ((80.0, 25.0), dict(ft_1=0.999, ft_2=0.999, ft_3=0.0), 0.0),    # the third is not taken on a two
    ((80.0, 25.0), dict(ft_1=0.0, ft_2=0.999, ft_3=0.0), 1.0),
    ((62.0, 25.0), dict(ft_1=0.0, ft_2=0.999, ft_3=0.0), 2.0),      # a three: three free throws
    ((62.0, 25.0), dict(ft_1=0.999, ft_2=0.999, ft_3=0.999), 0.0),
])
def test_fouled_miss_scores_only_the_free_throws_made(twin, xy, fts, value):
    start = spread_state(shooter_xy=xy)
    run = both(start, [Decision.SHOOT] + [Decision.HOLD] * 12,
               uniforms(make=0.999, foul=0.0, **fts))[twin]
    end = final(run)
    assert end["outcome"] == Outcome.FREE_THROWS and end["points"] == value


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("xy, value", [
    ((RIGHT_HOOP_X, HOOP_Y - 22.1), 3.0),      # corner: 22.1 ft from the rim, a three
    ((RIGHT_HOOP_X, HOOP_Y + 22.1), 3.0),      # the other corner
    ((RIGHT_HOOP_X, HOOP_Y - 21.9), 2.0),      # a step inside the corner line
    ((RIGHT_HOOP_X - 23.9, HOOP_Y), 3.0),      # top of the arc, 23.9 ft
    ((RIGHT_HOOP_X - 23.6, HOOP_Y), 2.0),      # inside the 23.75 ft arc
    ((79.0, HOOP_Y - 21.0), 2.0),              # above the corner segment: the arc rules, 22.97 ft
])
def test_three_point_line_through_the_simulators_geometry(twin, xy, value):
    start = spread_state(shooter_xy=xy)
    run = both(start, [Decision.SHOOT] + [Decision.HOLD] * 12, uniforms(make=0.0))[twin]
    end = final(run)
    assert end["outcome"] == Outcome.MADE and end["points"] == value


def test_nan_start_shot_clock_becomes_24_in_both_twins():
    pos = spread_state().pos
    s = initial_state(pos, torch.tensor([1]), torch.tensor([float("nan")]), torch.tensor([300.0]))
    assert float(s.shot_clock[0]) == 24.0
    f = sim_fast.initial_state(pos[0].numpy(), 1, float("nan"), 300.0)
    assert f.shot_clock == 24.0
    s2 = initial_state(pos, torch.tensor([1]), torch.tensor([13.5]), torch.tensor([300.0]))
    assert float(s2.shot_clock[0]) == 13.5                              # a real value is kept


# ------------------------------------------------------------------ calibration
def _starts(b: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    pos = torch.zeros(b, 11, 3)
    pos[..., 0] = 60.0 + 32.0 * torch.rand(b, 11, generator=g)
    pos[..., 1] = 4.0 + 42.0 * torch.rand(b, 11, generator=g)
    return initial_state(pos, torch.randint(1, 6, (b,), generator=g), torch.full((b,), 24.0),
                         torch.full((b,), 600.0)), g


def within(count: float, expected: float, var: float, z: float = 4.0) -> bool:
    return abs(count - expected) <= z * math.sqrt(var)


@pytest.mark.slow
def test_calibration_make_rate_rebound_share_and_steal_hazard():
    """Over 12000 shots and 120000 holding steps: made shots = sum of the release make
    probabilities, offensive rebounds = oreb_rate x rebounds, steals = the per-step
    hazard 1 - exp(-rate dt) x holding steps, each within 4 binomial SEs."""
    b = 12000
    s, g = _starts(b, 0)
    zero = torch.zeros(b, 5, 2)
    p_sum = p_var = made = reb = oreb = 0.0
    s, ev = step(s, zero, zero, torch.full((b,), int(Decision.SHOOT)), torch.rand(b, N_NOISE, generator=g),
                 OUT_T, CFG)
    p = ev["p_make"][ev["shot"]].double()
    assert int(ev["shot"].sum()) == b
    p_sum, p_var = float(p.sum()), float((p * (1 - p)).sum())
    for _ in range(20):
        s, ev = step(s, zero, zero, torch.zeros(b, dtype=torch.long), torch.rand(b, N_NOISE, generator=g),
                     OUT_T, CFG)
        made += float((ev["made"]).sum())
        reb += float((ev["oreb"] | ev["dreb"]).sum())
        oreb += float(ev["oreb"].sum())
        if not bool((s.ball_mode == int(BallMode.SHOT)).any()):
            break
    assert not bool((s.ball_mode == int(BallMode.SHOT)).any())
    assert within(made, p_sum, p_var), (made, p_sum, math.sqrt(p_var))
    r = OUT_T.oreb_rate
    assert reb > 4000 and within(oreb, r * reb, reb * r * (1 - r)), (oreb, r * reb)

    s, g = _starts(b, 1)
    p_steal = 1.0 - math.exp(-OUT_T.live_turnover_per_s * CFG.dt_s)
    holding = steals = 0.0
    for _ in range(10):
        live = ~s.done & (s.ball_mode == int(BallMode.HELD))
        s, ev = step(s, zero, zero, torch.zeros(b, dtype=torch.long), torch.rand(b, N_NOISE, generator=g),
                     OUT_T, CFG)
        holding += float(live.sum())
        steals += float(ev["steal"].sum())
    assert holding > 100000
    assert within(steals, p_steal * holding, holding * p_steal * (1 - p_steal)), (steals, p_steal * holding)
