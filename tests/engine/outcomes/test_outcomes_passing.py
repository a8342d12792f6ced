"""Pass interception labelling and model, timing and turnover-hazard measures, on small
hand-made inputs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from engine.logs.pbp import PlayByPlay
from engine.outcomes.passing import (
    fit_interception,
    intercepted_passes,
    lane_distance,
    p_intercept,
    pass_table,
    pbp_turnovers,
)
from engine.outcomes.timing import (
    fit_pass_speed,
    fit_shot_flight,
    fit_turnover_hazard,
    holding_table,
)
from engine.possessions.dataset import PossessionSet, stack
from engine.possessions.labels import Action

RNG_SEED = 11


def test_lane_distance_segment_geometry():
    passer, receiver = np.array([[0.0, 0.0]]), np.array([[10.0, 0.0]])
    defenders = np.array([[[5.0, 3.0], [-4.0, 0.0], [13.0, 4.0]]])
    ok = np.ones((1, 3), bool)
    assert lane_distance(passer, receiver, defenders, ok)[0] == pytest.approx(3.0)
    ok[0, 0] = False  # the perpendicular one untracked: next is 4 ft behind the passer
    assert lane_distance(passer, receiver, defenders, ok)[0] == pytest.approx(4.0)
    assert lane_distance(passer, receiver, defenders, np.zeros((1, 3), bool))[0] == np.inf


def _pbp_with_turnovers() -> PlayByPlay:
    ev = pd.DataFrame({
        "event_num": [10, 11, 12, 13, 14], "msg_type": [5, 5, 5, 5, 1],
        "action_type": [1, 1, 2, 11, 1], "period": 1, "clock": [700.0, 650, 600, 550, 500],
        "player1_id": [7, 7, 8, 0, 9], "team_id": [100, 100, 200, 200, 100],
        "player2_id": [21, 0, 31, 0, 0], "player2_team_id": [200, 0, 100, 0, 0]})
    return PlayByPlay("0021500001", ev)


def test_pbp_turnover_kinds():
    tov = pbp_turnovers(_pbp_with_turnovers())
    # bad pass + steal = interception; bad pass without steal and lost-ball steal = live
    assert tov["kind"].tolist() == ["interception", "live", "live", "shot_clock"]
    assert tov["steal"].tolist() == [True, False, True, False]


def _synthetic_passes(n: int = 30000, seed: int = RNG_SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lane, length = rng.gamma(2.0, 2.5, n), rng.uniform(5.0, 40.0, n)
    eta = -3.5 - 1.3 * (np.log1p(lane) - 1.5) + 0.5 * (length / 10 - 2.0)
    games = np.array([f"00215{i:05d}" for i in range(40)])
    return pd.DataFrame({"game_id": games[rng.integers(0, 40, n)], "poss": np.arange(n),
                         "frame": 0, "passer": 1, "receiver": 2, "lane_ft": lane,
                         "pass_ft": length, "intercepted": (rng.random(n) < expit(eta)).astype(int),
                         "elapsed_s": np.nan, "ball_ft": np.nan})


def test_interception_fit_recovers_truth_and_corrects_for_unlabelled():
    passes = _synthetic_passes()
    m = fit_interception(passes, "0021500040")
    assert m["coefficients"]["log_lane"] == pytest.approx(-1.3, abs=0.2)
    assert m["coefficients"]["pass_len"] == pytest.approx(0.5, abs=0.15)
    # hide the geometry of half the interceptions: the corrected model keeps the total rate
    hidden = passes.copy()
    pos = np.flatnonzero(hidden["intercepted"].to_numpy() == 1)[::2]
    hidden.loc[pos, ["lane_ft", "pass_ft"]] = np.nan
    m2 = fit_interception(hidden, "0021500040")
    assert m2["n_intercepted_unlabelled"] == len(pos)
    full = p_intercept(m2, passes["lane_ft"], passes["pass_ft"]).mean()
    assert full == pytest.approx(passes["intercepted"].mean(), rel=0.1)
    assert m2["coefficients"]["log_lane"] == pytest.approx(-1.3, abs=0.25)


def test_interception_fit_ignores_late_games():
    passes = _synthetic_passes(n=8000)
    cutoff = "0021500020"
    flipped = passes.copy()
    late = flipped["game_id"] >= cutoff
    flipped.loc[late, "intercepted"] = 1 - flipped.loc[late, "intercepted"]
    assert fit_interception(passes, cutoff) == fit_interception(flipped, cutoff)


def _one_possession(handler: list[int], action: list[int], target: list[int],
                    ball: list[tuple], players: dict[int, list[tuple]],
                    end_event: int = 10, outcome: str = "turnover") -> PossessionSet:
    """A 1-possession set at 2 Hz; players: slot -> per-frame (x, y)."""
    t = len(handler)
    pos = np.zeros((t, 11, 3), np.float32)
    valid = np.zeros((t, 11), bool)
    pos[:, 0, :2], valid[:, 0] = np.array(ball), True
    for slot, xy in players.items():
        pos[:, slot, :2], valid[:, slot] = np.array(xy), True
    frames = {"positions": pos, "valid": valid, "frame_valid": np.ones(t, bool),
              "interpolated": np.zeros(t, bool), "handler": np.array(handler, np.int8),
              "action": np.array(action, np.int8), "pass_target": np.array(target, np.int8),
              "game_clock": (700.0 - 0.5 * np.arange(t)).astype(np.float32),
              "shot_clock": np.full(t, 20.0, np.float32),
              "time_s": (0.5 * np.arange(t)).astype(np.float32)}
    ids = np.array([-1, 7, 8, 9, 10, 11, 21, 22, 23, 24, 25], np.int64)
    arrays, _ = stack([frames], [ids], t)
    meta = pd.DataFrame({"game_id": ["0021500001"], "end_event_num": [end_event],
                         "outcome": [outcome], "coverage": [1.0], "truncated": [False],
                         "event_nums": ["[10]"], "shots": ["[]"]})
    return PossessionSet(arrays, meta, 2.0)


def test_pass_table_labels_completion_and_interception():
    # slot 1 passes to slot 2 (frame 0 -> 1), slot 2 throws towards slot 3, defender 6 steals
    p1, p2, p3 = [(60, 25)] * 4, [(70, 25)] * 4, [(70, 40)] * 4
    d6 = [(65, 28), (65, 28), (70, 33), (70, 33)]
    d7 = [(80, 10)] * 4
    ball = [(60, 25), (70, 25), (70, 33), (70, 33)]
    ds = _one_possession(handler=[1, 2, 6, 6], action=[Action.PASS, Action.HOLD, -1, -1],
                         target=[2, -1, -1, -1], ball=ball,
                         players={1: p1, 2: p2, 3: p3, 6: d6, 7: d7})
    tov = pbp_turnovers(_pbp_with_turnovers()).iloc[[0]].assign(
        event_num=10, player_id=8, clock=699.0)
    passes, why = pass_table(ds, tov)
    done, lost = passes[passes["intercepted"] == 0], passes[passes["intercepted"] == 1]
    assert len(done) == 1 and done["lane_ft"].iat[0] == pytest.approx(3.0)
    assert done["pass_ft"].iat[0] == pytest.approx(10.0)
    assert done["elapsed_s"].iat[0] == pytest.approx(0.5)
    assert why["found"] == 1 and len(lost) == 1
    # lane 2 -> 3 (intended receiver from the ball's direction), defender 6 at 5 ft
    assert lost["receiver"].iat[0] == 3 and lost["lane_ft"].iat[0] == pytest.approx(5.0)
    # the turnover credited to another player: kept as unlabelled, not as a lane
    other, why2 = intercepted_passes(ds, tov.assign(player_id=7))
    assert why2["other_passer"] == 1 and other["lane_ft"].isna().all()


def test_timing_measures_recover_known_values():
    rng = np.random.default_rng(RNG_SEED)
    ball = rng.uniform(10, 45, 2000)
    passes = pd.DataFrame({"game_id": "0021500001", "poss": 0, "intercepted": 0,
                           "ball_ft": ball, "elapsed_s": 0.6 + ball / 45.0 + rng.normal(0, .1, 2000),
                           "lane_ft": 3.0, "pass_ft": ball})
    sp = fit_pass_speed(passes, "0021500100")
    assert sp["pass_speed_ftps"] == pytest.approx(45.0, rel=0.08)
    d = rng.uniform(6, 30, 2000)
    flights = pd.DataFrame({"game_id": "0021500001", "distance_ft": d,
                            "elapsed_s": 0.5 + 0.04 * d + rng.normal(0, .1, 2000)})
    fl = fit_shot_flight(flights, "0021500100", rate_hz=2.0)
    assert fl["shot_flight_s_slope"] == pytest.approx(0.04, abs=0.005)
    assert fl["shot_flight_s_intercept"] == pytest.approx(0.5 - 0.25, abs=0.05)


def test_turnover_hazard_counts_live_turnovers_per_held_second():
    ds = _one_possession(handler=[1, 1, 1, 1], action=[Action.HOLD] * 4, target=[-1] * 4,
                         ball=[(60, 25)] * 4, players={1: [(60, 25)] * 4, 6: [(65, 25)] * 4})
    tov = pbp_turnovers(_pbp_with_turnovers()).iloc[[2]].assign(event_num=10)  # lost ball
    hold = holding_table(ds, tov)
    assert hold["held_s"].iat[0] == pytest.approx(2.0) and hold["n_live"].iat[0] == 1
    passes = pd.DataFrame({"game_id": ["0021500001"], "poss": [0]})
    rates = fit_turnover_hazard(hold, passes, "0021500100")
    assert rates["live_turnover_per_s"] == pytest.approx(0.5)
    assert rates["interceptions_per_possession"] == 0.0
    assert rates["tracked_passes_per_possession"] == 1.0
