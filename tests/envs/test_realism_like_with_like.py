"""Issue 11, like with like: the realism report's period-dependent real rates come from the
simulated starts' periods, FG% per distance bin from every period of the same games."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.logs.pbp import read_pbp
from envs.evaluation.realism import (
    _default_targets,
    box_score_ppp,
    compare,
    in_periods,
    real_pbp_measures,
)


def _shots(n: int, dist: float, three: bool, made: float) -> pd.DataFrame:
    return pd.DataFrame({"distance_ft": np.full(n, dist), "is_three": np.full(n, three),
                         "made": np.arange(n) < made * n})


def test_fg_pct_from_all_periods_shares_from_the_starts_periods():
    first = pd.concat([_shots(50, 1.0, False, 0.4), _shots(50, 25.0, True, 0.3)])
    every = pd.concat([first, _shots(300, 1.0, False, 0.7), _shots(100, 12.0, False, 0.5)])
    real = {"points": np.ones(10), "turnover": np.zeros(10), "oreb": 1, "live_miss": 4,
            "shots": first, "shots_all": every, "length_s": np.ones(10), "speeds": np.ones(10)}
    sim = {**real, "shots": first.assign(fouled=False)}
    m = compare(sim, real, _default_targets())
    assert m["shot_share_rim"]["real"] == 0.5 and m["shot_share_three"]["real"] == 0.5
    assert m["three_point_attempt_rate"]["real"] == 0.5
    assert np.isclose(m["fg_pct_0_3ft"]["real"], (20 + 210) / 350)        # all periods
    assert m["fg_pct_10_16ft"]["real"] == 0.5


def test_box_score_ppp():
    assert np.isclose(box_score_ppp({"fga": 80, "oreb": 10, "tov": 14, "fta": 25, "points": 100}),
                      100 / (80 - 10 + 14 + 11))


def test_real_pbp_measures_keep_the_periods(shared_data):
    game = read_pbp(shared_data / "pbp" / "0021500500.csv.gz")
    q1 = in_periods(game, [1])
    assert set(q1.events["period"]) == {1} and len(game.events) > len(q1.events)
    one, every = real_pbp_measures([game], [1]), real_pbp_measures([game])
    assert 0 < len(one["points"]) < len(every["points"])
    assert len(one["shots"]) < len(one["shots_all"]) == len(every["shots"])
    assert one["live_miss"] < every["live_miss"]
    box = one["box"]
    assert abs(box_score_ppp(box) - one["points"].mean()) < 0.15


def test_fg_target_is_two_standard_errors_of_the_difference_when_wider_than_the_base():
    from envs.evaluation.realism import fg_target

    few = (np.arange(100) < 50).astype(float)             # 0.5 on 100 shots: SE 0.05
    many = (np.arange(10_000) < 6_000).astype(float)      # 0.6 on 10,000: SE 0.0049
    assert np.isclose(fg_target(0.04, few, many), 2 * np.sqrt(0.25 / 100 + 0.24 / 10_000))
    big = (np.arange(100_000) < 50_000).astype(float)
    assert fg_target(0.04, big, many) == 0.04              # enough shots: the base holds
    assert fg_target(0.04, few[:0], many) == 0.04 and fg_target(None, few, many) is None
    # compare() applies it to the FG% rows only
    real = {"points": np.ones(10), "turnover": np.zeros(10), "oreb": 1, "live_miss": 4,
            "shots": _shots(10_000, 1.0, False, 0.6), "length_s": np.ones(10), "speeds": np.ones(10)}
    sim = {**real, "shots": _shots(100, 1.0, False, 0.5)}
    m = compare(sim, real, _default_targets())
    assert m["fg_pct_0_3ft"]["target"] > 0.1 and m["fg_pct_0_3ft"]["pass"] is True
    assert m["shot_share_rim"]["target"] == 0.05


def test_passes_and_first_shot_come_from_one_detector_on_both_sides():
    """A hand-made trajectory: slot 1 holds, passes to slot 2 (caught at frame 3), who shoots
    at frame 4; the second trajectory stops before the shot. The detector is the one both
    sides of the report use."""
    from engine.sim.step import OFF
    from envs.evaluation.realism import trajectory_measures

    pos = np.zeros((7, 11, 3))
    pos[:, OFF, 0], pos[:, OFF, 1] = 70.0, np.linspace(5.0, 45.0, 5)
    pos[:, 6:, 0], pos[:, 6:, 1] = 55.0, np.linspace(5.0, 45.0, 5)
    pos[:, 0] = [(70.0, 5.0, 4.0), (70.0, 5.0, 4.0), (70.0, 10.0, 8.0), (70.0, 15.0, 4.0),
                 (70.0, 15.0, 4.0), (79.0, 20.0, 12.0), (88.0, 25.0, 10.0)]
    m = trajectory_measures([pos, pos[:3]], rate_hz=2.0)
    assert m["passes"].tolist() == [1.0, 0.0]             # the cut one: ball still in flight
    assert m["first_shot_s"].tolist() == [2.0]            # frame 4 at 2 Hz; none in the cut one


def test_team_table_rows_and_correlation():
    from envs.evaluation.realism import team_table

    teams = np.repeat([1, 2, 3, 4], 50)
    level = {1: 0.8, 2: 1.0, 3: 1.1, 4: 1.3}
    pts = np.array([level[t] for t in teams])
    shots = pd.concat([_shots(10, 1.0, False, 0.5).assign(team=t) for t in (1, 2, 3, 4)]
                      + [_shots(5 * t, 25.0, True, 0.3).assign(team=t) for t in (1, 2, 3, 4)])
    sim = {"points": pts, "team": teams, "shots": shots}
    real = {"points": pts + 0.05, "team": teams, "shots": shots.drop(columns="team"),
            "shot_team": shots["team"].to_numpy()}
    out = team_table(sim, real, {1: "AAA"}, min_poss=20)
    assert [r["team"] for r in out["teams"]] == ["AAA", "2", "3", "4"]
    assert out["teams"][0]["ppp_sim"] == pytest.approx(0.8) and out["teams"][0]["ppp_real"] == pytest.approx(0.85)
    assert out["teams"][3]["three_sim"] == pytest.approx(20 / 30)
    assert out["correlation"]["ppp"] == pytest.approx(1.0) and out["correlation"]["three"] == pytest.approx(1.0)
    assert team_table(sim, real, min_poss=60)["n_teams_correlated"] == 0
