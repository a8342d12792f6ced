"""One test per rule of engine.sim.step that can fail, each branch forced by choosing the
noise values and outcome probabilities."""

from __future__ import annotations

import math

import pytest
import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.sim.step import (
    N_NOISE,
    SHOT_CLOCK_S,
    BallMode,
    Decision,
    Noise,
    Outcome,
    SimConfig,
    initial_state,
    step,
)

CFG = SimConfig()


class Forced:
    """Outcome models with fixed probabilities (torch)."""

    def __init__(self, make=0.0, intercept=0.0, oreb=0.0, foul=0.0, ft=0.0, steal_per_s=0.0):
        self.make, self.intercept = make, intercept
        self.oreb_rate, self.shooting_foul_rate, self.ft_pct = oreb, foul, ft
        self.live_turnover_per_s, self.pass_speed_ftps = steal_per_s, 40.0

    def p_make(self, d, three, dfn, ang, clk, adj):
        return torch.full_like(d, self.make)

    def p_intercept(self, lane, length):
        return torch.full_like(lane, self.intercept)

    def shot_flight_s(self, d):
        return torch.full_like(d, 0.5)    # lands on the step after the release


def spread_state(shooter_xy=(70.0, 25.0), shot_clock=20.0, game_clock=600.0, ft=0.76):
    pos = torch.zeros(1, 11, 3)
    off = torch.tensor([shooter_xy, (70.0, 6.0), (70.0, 44.0), (90.0, 3.0), (86.0, 30.0)])
    pos[0, 1:6, :2] = off
    pos[0, 6:11, :2] = off + 0.2 * (torch.tensor([RIGHT_HOOP_X, HOOP_Y]) - off)
    return initial_state(pos, torch.tensor([1]), torch.tensor([shot_clock]),
                         torch.tensor([game_clock]), ft_pct=torch.full((1, 5), ft), cfg=CFG)


def still(s):
    return torch.zeros(s.batch_size, 5, 2)


def run(s, out, decisions, noise=0.5):
    """Step with given decisions (list) and constant noise; returns states, events."""
    states, evs = [], []
    for d in decisions:
        u = torch.full((s.batch_size, N_NOISE), float(noise)) if not torch.is_tensor(noise) else noise
        s, ev = step(s, still(s), still(s), torch.tensor([int(d)]), u, out, CFG)
        states.append(s)
        evs.append(ev)
    return states, evs


def test_shot_clock_violation_after_24_seconds_of_holding():
    s = spread_state(shot_clock=SHOT_CLOCK_S)
    n = math.ceil(SHOT_CLOCK_S / CFG.dt_s)
    states, evs = run(s, Forced(), [Decision.HOLD] * (n + 2))
    assert not bool(states[n - 2].done[0])
    assert bool(evs[n - 1]["shot_clock_violation"][0])
    assert int(states[n - 1].outcome[0]) == Outcome.SHOT_CLOCK
    assert float(states[n - 1].points[0]) == 0.0


def test_offensive_rebound_resets_shot_clock_and_keeps_possession():
    s = spread_state(shot_clock=10.0)
    u = torch.full((1, N_NOISE), 0.99)
    u[0, Noise.REBOUND] = 0.0           # < oreb rate: offensive rebound
    states, evs = run(s, Forced(make=0.0, oreb=0.5), [Decision.SHOOT, Decision.HOLD], noise=u)
    after = states[1]
    assert bool(evs[1]["oreb"][0]) and not bool(after.done[0])
    assert int(after.ball_mode[0]) == BallMode.HELD
    assert float(after.shot_clock[0]) == pytest.approx(SHOT_CLOCK_S - CFG.dt_s, abs=1e-5)
    to_rim = (after.pos[0, 1:6, :2] - torch.tensor([RIGHT_HOOP_X, HOOP_Y])).norm(dim=-1)
    assert int(after.handler[0]) == int(to_rim.argmin()) + 1
    assert int(after.n_oreb[0]) == 1


def test_defensive_rebound_ends_the_possession():
    s = spread_state()
    states, evs = run(s, Forced(make=0.0, oreb=0.2), [Decision.SHOOT, Decision.HOLD], noise=0.9)
    assert bool(evs[1]["dreb"][0]) and int(states[1].outcome[0]) == Outcome.DEFENSIVE_REBOUND


def test_made_three_scores_three():
    s = spread_state(shooter_xy=(62.0, 25.0))        # 26.75 ft from the rim: a three
    states, evs = run(s, Forced(make=1.0), [Decision.SHOOT, Decision.HOLD], noise=0.5)
    assert bool(evs[0]["shot"][0]) and bool(evs[1]["made"][0])
    assert int(states[1].outcome[0]) == Outcome.MADE
    assert float(states[1].points[0]) == 3.0


def test_made_two_scores_two():
    s = spread_state(shooter_xy=(80.0, 25.0))
    states, _ = run(s, Forced(make=1.0), [Decision.SHOOT, Decision.HOLD], noise=0.5)
    assert float(states[1].points[0]) == 2.0


@pytest.mark.parametrize("xy,fts", [((80.0, 25.0), 2), ((62.0, 25.0), 3)])
def test_shooting_foul_on_a_miss_gives_free_throws(xy, fts):
    s = spread_state(shooter_xy=xy, ft=1.0)
    states, evs = run(s, Forced(make=0.0, foul=1.0), [Decision.SHOOT, Decision.HOLD], noise=0.5)
    assert bool(evs[0]["foul"][0])
    assert int(states[1].outcome[0]) == Outcome.FREE_THROWS
    assert float(states[1].points[0]) == fts


def test_and_one_adds_one_free_throw():
    s = spread_state(shooter_xy=(80.0, 25.0), ft=1.0)
    states, _ = run(s, Forced(make=1.0, foul=1.0), [Decision.SHOOT, Decision.HOLD], noise=0.5)
    assert float(states[1].points[0]) == 3.0 and int(states[1].outcome[0]) == Outcome.MADE


def test_pass_interception_is_a_turnover():
    s = spread_state()
    states, evs = run(s, Forced(intercept=1.0), [Decision.PASS_1] + [Decision.HOLD] * 3)
    assert bool(evs[0]["pass"][0])
    ended = [i for i, st in enumerate(states) if bool(st.done[0])]
    assert ended and bool(evs[ended[0]]["interception"][0])
    assert int(states[ended[0]].outcome[0]) == Outcome.TURNOVER


def test_caught_pass_changes_the_handler():
    s = spread_state()
    states, evs = run(s, Forced(intercept=0.0), [Decision.PASS_2] + [Decision.HOLD] * 3)
    caught = [i for i, ev in enumerate(evs) if bool(ev["catch"][0])]
    assert caught and int(states[caught[0]].handler[0]) == 3


def test_live_ball_turnover_hazard():
    s = spread_state()
    states, evs = run(s, Forced(steal_per_s=1e6), [Decision.HOLD], noise=0.1)
    assert bool(evs[0]["steal"][0]) and int(states[0].outcome[0]) == Outcome.TURNOVER


def test_period_end_while_holding_but_a_shot_in_flight_counts():
    s = spread_state(game_clock=1.0)
    states, evs = run(s, Forced(), [Decision.HOLD] * 2)
    assert bool(evs[1]["period_end"][0]) and int(states[1].outcome[0]) == Outcome.PERIOD_END
    s = spread_state(shooter_xy=(80.0, 25.0), game_clock=0.3)
    states, evs = run(s, Forced(make=1.0), [Decision.SHOOT, Decision.HOLD])
    assert not bool(evs[0]["period_end"][0]) and float(states[1].points[0]) == 2.0


def test_players_stay_in_bounds_and_respect_caps():
    g = torch.Generator().manual_seed(0)
    pos = torch.zeros(64, 11, 3)
    pos[..., 0] = 1.0 + 92.0 * torch.rand(64, 11, generator=g)
    pos[..., 1] = 1.0 + 48.0 * torch.rand(64, 11, generator=g)
    s = initial_state(pos, torch.ones(64, dtype=torch.long), torch.full((64,), 24.0),
                      torch.full((64,), 700.0), cfg=CFG)
    out = Forced()
    for _ in range(30):
        want = (torch.rand(64, 10, 2, generator=g) - 0.5) * 400.0    # far beyond the caps
        v0 = s.vel[:, 1:, :2]
        s, _ = step(s, want[:, :5], want[:, 5:], torch.zeros(64, dtype=torch.long),
                    torch.full((64, N_NOISE), 0.99), out, CFG)
        xy, v = s.pos[:, 1:, :2], s.vel[:, 1:, :2]
        assert (xy[..., 0] >= 0).all() and (xy[..., 0] <= 94).all()
        assert (xy[..., 1] >= 0).all() and (xy[..., 1] <= 50).all()
        assert (v.norm(dim=-1) <= CFG.player_speed_ftps + 1e-3).all()
        inside = (xy[..., 0] > 0) & (xy[..., 0] < 94) & (xy[..., 1] > 0) & (xy[..., 1] < 50)
        dv = (v - v0).norm(dim=-1)[inside]     # a sideline stops a player: not a cap breach
        assert (dv <= CFG.player_accel_ftps2 * CFG.dt_s + 1e-3).all()


def test_the_ball_moves_with_its_handler():
    s = spread_state()
    want = torch.zeros(1, 5, 2)
    want[0, 0] = torch.tensor([15.0, 5.0])
    for _ in range(4):
        s, _ = step(s, want, still(s), torch.tensor([0]), torch.full((1, N_NOISE), 0.99),
                    Forced(), CFG)
        assert torch.allclose(s.pos[0, 0, :2], s.pos[0, 1, :2])
        assert float(s.pos[0, 0, 2]) == CFG.hold_height_ft


def test_done_rows_stay_frozen():
    s = spread_state(shooter_xy=(80.0, 25.0))
    states, _ = run(s, Forced(make=1.0), [Decision.SHOOT] + [Decision.HOLD] * 3)
    assert torch.equal(states[2].pos, states[3].pos) and float(states[3].points[0]) == 2.0


# ----------------------------------------------------------------- issue 11: fouls, shot ends
class Rules(Forced):
    """Forced plus the rates of issue 11's rules: and-one / fouled-miss rates, the
    non-shooting foul hazard and bonus share, and a fixed release-to-logged-end time."""

    def __init__(self, and_one=0.0, miss_foul=0.0, foul_per_s=0.0, bonus=0.0, end_s=0.0, **kw):
        super().__init__(**kw)
        self.and_one_rate, self.shooting_foul_miss_rate = and_one, miss_foul
        self.nonshooting_foul_per_s, self.bonus_share, self.end_s = foul_per_s, bonus, end_s

    def shot_end_s(self, u, made):
        return torch.full_like(u, self.end_s)


@pytest.mark.parametrize("clock, want", [(10.0, 14.0), (20.0, 20.0 - CFG.dt_s)])
def test_side_out_foul_keeps_the_ball_with_the_2015_16_shot_clock(clock, want):
    s = spread_state(shot_clock=clock)
    states, evs = run(s, Rules(foul_per_s=1e6, bonus=0.0), [Decision.HOLD], noise=0.5)
    assert bool(evs[0]["nonshooting_foul"][0]) and not bool(evs[0]["bonus"][0])
    assert not bool(states[0].done[0]) and int(states[0].handler[0]) == 1
    assert float(states[0].shot_clock[0]) == pytest.approx(want)


def test_foul_in_the_bonus_is_two_free_throws_and_ends_the_possession():
    s = spread_state(ft=1.0)
    states, evs = run(s, Rules(foul_per_s=1e6, bonus=1.0), [Decision.HOLD], noise=0.5)
    assert bool(evs[0]["bonus"][0]) and bool(states[0].done[0])
    assert int(states[0].outcome[0]) == Outcome.FREE_THROWS
    assert float(states[0].points[0]) == 2.0 and float(evs[0]["ft_made"][0]) == 2.0


def test_steal_wins_over_the_foul_on_the_same_uniform():
    s = spread_state()
    _, evs = run(s, Rules(steal_per_s=1e6, foul_per_s=1e6), [Decision.HOLD], noise=0.5)
    assert bool(evs[0]["steal"][0]) and not bool(evs[0]["nonshooting_foul"][0])


@pytest.mark.parametrize("make, and_one, miss_foul, fouled", [
    (1.0, 1.0, 0.0, True), (1.0, 0.0, 1.0, False), (0.0, 1.0, 0.0, False), (0.0, 0.0, 1.0, True)])
def test_shooting_foul_rate_depends_on_the_make(make, and_one, miss_foul, fouled):
    s = spread_state(shooter_xy=(80.0, 25.0))
    _, evs = run(s, Rules(make=make, and_one=and_one, miss_foul=miss_foul), [Decision.SHOOT])
    assert bool(evs[0]["foul"][0]) == fouled


def test_missed_shot_ends_at_its_logged_rebound_not_at_the_rim():
    s = spread_state(shooter_xy=(80.0, 25.0))
    out = Rules(make=0.0, oreb=0.0, end_s=2.0)        # the rim after 0.5 s, the rebound at 2 s
    states, evs = run(s, out, [Decision.SHOOT] + [Decision.HOLD] * 5, noise=0.9)
    ends = [i for i, ev in enumerate(evs) if bool(ev["dreb"][0])]
    assert ends == [4]                                  # 4 steps of 0.52 s after the release
    assert float(states[4].elapsed[0]) == pytest.approx(5 * CFG.dt_s)
    assert float(states[4].pos[0, 0, 0]) == pytest.approx(RIGHT_HOOP_X, abs=1e-4)


def test_fouled_shot_stops_the_clock_while_it_flies():
    s = spread_state(shooter_xy=(80.0, 25.0), ft=1.0)
    states, evs = run(s, Rules(make=0.0, miss_foul=1.0, end_s=3.0), [Decision.SHOOT, Decision.HOLD])
    assert bool(evs[1]["miss"][0]) and int(states[1].outcome[0]) == Outcome.FREE_THROWS
    assert float(states[1].elapsed[0]) == pytest.approx(CFG.dt_s)      # the release step only
    assert float(states[1].points[0]) == 2.0
