"""Start states: scenarios, npz round trip, real possessions (shared_data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from envs.starts import SCENARIOS, StartStates, scenario_starts


def test_scenarios_are_valid_live_states():
    st = scenario_starts()
    assert set(st.name) == set(SCENARIOS)
    sim = st.to_sim(np.arange(len(st)), "cpu")
    assert (sim.handler >= 1).all() and not sim.done.any()
    assert torch.allclose(sim.pos[:, 0, :2], sim.pos[torch.arange(len(st)), sim.handler, :2])
    assert (st.positions[:, 1:, 0] > 47).all()       # everyone in the front court


def test_npz_round_trip(tmp_path):
    st = scenario_starts()
    back = StartStates.load(st.save(tmp_path / "starts.npz"))
    for name in ("positions", "handler", "shot_clock", "name", "game_id"):
        assert np.array_equal(getattr(st, name), getattr(back, name))


def test_sample_uses_the_given_rng():
    st = scenario_starts()
    a = st.sample(np.random.default_rng(3), 10)
    assert np.array_equal(a, st.sample(np.random.default_rng(3), 10))
    assert a.min() >= 0 and a.max() < len(st)


def test_unknown_scenario_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown scenario"):
        scenario_starts(["fast_break"])


def test_real_starts_from_one_game(shared_data, tmp_path):
    from engine.possessions.api import load_possessions
    from engine.possessions.ingest import IngestConfig
    from envs.halfcourt import HalfCourtEnv

    game = "0021500002"
    ds = load_possessions([str(shared_data / "tracking_2hz" / f"{game}.csv.gz")],
                          [str(shared_data / "pbp" / f"{game}.csv.gz")],
                          IngestConfig(workers=1), cache_dir=tmp_path)[0]
    st = StartStates.from_dataset(ds)
    assert len(st) > 0.5 * len(ds)
    assert ((st.handler >= 1) & (st.handler <= 5)).all()
    assert (st.positions[:, 0, 0] > 47).all() and not np.isnan(st.shot_clock).any()
    assert (np.linalg.norm(st.velocities[..., :2], axis=-1) <= 20.7 + 1e-3).all()
    assert (st.player_ids[:, 1:] > 0).all()
    team = st.offense[0] if st.offense[0] else int(st.offense_team_id[0])
    env = HalfCourtEnv(starts=st.save(tmp_path / "s.npz"), offense_team=team)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    assert np.any(env.core.starts.player_ids != 0)
