"""The planner methods users name: one registry (name -> config -> factory) and one
parser of their ids."""

from __future__ import annotations

import pytest

from engine.errors import HoopsimConfigError
from engine.sim.step import SimConfig
from planners.methods import (
    PLANNER_METHODS,
    guidance_scale,
    is_planner_method,
    make_method,
    parse_method_id,
)
from planners.receding import RecedingHorizonOffense
from planners.sampler import PAPER
from tests.planners.test_receding import small_planner


@pytest.mark.parametrize("method_id, entry, scale", [
    ("playbest_unguided", "playbest_unguided", 0.0), ("playbest_a0.1", "playbest_grad", 0.1),
    ("playbest_a1", "playbest_grad", 1.0), ("playbest_a10", "playbest_grad", 10.0),
    ("playbest_rank", "playbest_rank", 0.0), ("playbest_cfg", "playbest_cfg", 0.0),
    ("playbest_grad", "playbest_grad", 1.0), ("playbest", "playbest", 0.0)])
def test_method_ids_parse_to_their_entries(method_id, entry, scale):
    assert parse_method_id(method_id)[0] == entry
    assert is_planner_method(method_id) and guidance_scale(method_id) == scale


def test_other_families_are_not_planner_methods():
    assert not is_planner_method("scripted") and guidance_scale("bc") is None


@pytest.mark.parametrize("bad", ["playbest_x", "playbest_a", "playbest_a-1", "playbest_a1x", "playbestt"])
def test_unknown_planner_method_names_the_choices(bad):
    with pytest.raises(HoopsimConfigError, match="playbest_rank, playbest_grad, playbest_cfg"):
        parse_method_id(bad)


def test_unknown_registry_name_names_the_entries():
    assert PLANNER_METHODS.names() == ["playbest", "playbest_cfg", "playbest_grad", "playbest_rank",
                                       "playbest_unguided"]
    with pytest.raises(HoopsimConfigError, match="choose one of playbest"):
        PLANNER_METHODS.make("playbest_a1")
    assert PLANNER_METHODS.config("playbest", {"candidates": 3}).candidates == 3


def test_registry_builds_the_executor_from_user_options():
    planner = small_planner()
    dt = SimConfig().dt_s
    policy = make_method("playbest_a0.5", planner, dt,
                         {"sampler": "paper", "candidates": 3, "replan_every": 4, "horizon": 6})
    assert isinstance(policy, RecedingHorizonOffense) and policy.guide is not None
    assert policy.cfg.scale == 0.5 and policy.cfg.n_candidates == 3 and policy.horizon == 6
    assert policy.sampler.method == PAPER.method and policy.sampler.scale == 0.5
    assert make_method("playbest_unguided", planner, dt).guide is None
    rank = make_method("playbest", planner, dt)
    assert rank.guide is None and rank.ranker is not None
    cfg = make_method("playbest_cfg", planner, dt, {"cfg_weight": 2.0})
    assert cfg.bucket == 3 and cfg.sampler.cfg_weight == 2.0 and cfg.ranker is not None
    with pytest.raises(HoopsimConfigError, match="candidatez"):
        make_method("playbest_a1", planner, dt, {"candidatez": 3})
    with pytest.raises(HoopsimConfigError, match="fast"):
        make_method("playbest_a1", planner, dt, {"sampler": "slow"})


@pytest.mark.parametrize("method_id", ["playbest", "playbest_grad", "playbest_cfg", "playbest_a2"])
def test_every_preference_method_plays_closed_loop(method_id):
    """Each method id drives the simulator: ranked by the objective, guided on x0 (the
    guide's move is the scale in feet) or conditioned on a reward bucket."""
    import torch

    from engine.outcomes.models import default_models
    from engine.outcomes.torch_eval import OutcomeTensors
    from engine.sim.step import step
    from tests.planners.test_receding import start_state

    planner, cfg = small_planner(), SimConfig()
    policy = make_method(method_id, planner, cfg.dt_s, {"candidates": 3, "sampler": "fast"})
    out = OutcomeTensors.from_models(default_models())
    state, gen = start_state(2), torch.Generator().manual_seed(0)
    memory = policy.init(state, gen)
    for _ in range(3):
        off_vel, decision, memory = policy.act(state, memory, gen)
        state, _ = step(state, off_vel, torch.zeros(2, 5, 2), decision,
                        torch.rand(2, 8, generator=gen), out, cfg)
    assert torch.isfinite(state.pos).all() and policy.n_plans >= 1
    assert policy.rejected_share is not None and 0 <= policy.rejected_share <= 1
    if method_id in ("playbest_grad", "playbest_a2"):
        scale = 2.0 if method_id == "playbest_a2" else 1.0
        assert policy.guide_moves and abs(policy.guide_moves[0] - scale) < 1e-3
