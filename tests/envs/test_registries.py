"""The envs registries (engine.registry.Registry): OFFENSES (envs/offense.py), DEFENSES
(envs/defense/schemes.py, bc in envs/defense/bc_cache.py) and REWARDS (envs/reward_fns.py).
Every registered name builds; an unknown name or option is a HoopsimConfigError that
names the choices."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import HoopsimConfigError
from engine.sim.step import SimState, initial_state
from envs.core import CoreConfig, HalfCourtCore
from envs.defense import DEFENSES, BCDefense, DefenseState
from envs.offense import OFFENSES
from envs.plays import five_out_formation
from envs.reward_fns import REWARDS

REGISTRIES = {"offense": OFFENSES, "defense": DEFENSES, "reward": REWARDS}


def _state(b: int = 4) -> SimState:
    pos, handler = five_out_formation(b, torch.Generator().manual_seed(0))
    return initial_state(pos, handler, torch.full((b,), 24.0), torch.full((b,), 700.0))


def test_the_registries_hold_the_documented_names():
    assert set(OFFENSES.names()) == {"random_walk", "pick_and_roll", "drive_and_kick", "post_up",
                                     "motion", "isolation", "scripted"}
    assert set(DEFENSES.names()) == {"man_to_man", "loose_man", "switch_everything", "zone_2_3",
                                     "bc"}
    assert set(REWARDS.names()) == {"playbest", "points", "expected_points", "reliable"}


@pytest.mark.parametrize("what", sorted(REGISTRIES))
def test_unknown_name_is_a_config_error_naming_the_choices(what):
    reg = REGISTRIES[what]
    with pytest.raises(HoopsimConfigError) as info:
        reg.make("flex")
    assert all(name in str(info.value) for name in reg.names())


@pytest.mark.parametrize("what", sorted(REGISTRIES))
def test_unknown_option_is_a_config_error(what):
    reg = REGISTRIES[what]
    with pytest.raises(HoopsimConfigError, match="no_such_option"):
        reg.make(reg.names()[0], {"no_such_option": 1})


@pytest.mark.parametrize("name", OFFENSES.names())
def test_every_offense_builds_and_acts(name):
    s, g = _state(), torch.Generator().manual_seed(1)
    policy = OFFENSES.make(name)
    vel, dec, _ = policy.act(s, policy.init(s, g), g)
    assert vel.shape == (4, 5, 2) and dec.shape == (4,)


def test_offense_options_reach_the_policy():
    assert OFFENSES.make("random_walk", {"speed_ftps": 3.0}).cfg.speed_ftps == 3.0
    assert OFFENSES.make("motion", {"run_ftps": 9.0}).cfg.run_ftps == 9.0


@pytest.mark.parametrize("name", [n for n in DEFENSES.names() if n != "bc"])
def test_every_scripted_defense_builds_and_steps(name):
    s = _state()
    scheme = DEFENSES.make(name, {"dt": 0.25})
    assert scheme.cfg.dt == 0.25
    nxt, state = scheme(s.pos, torch.ones(4, 11, dtype=torch.bool), None)
    assert nxt.shape == (4, 5, 2) and isinstance(state, DefenseState)


def test_bc_defense_needs_training_possessions():
    with pytest.raises(HoopsimConfigError, match="training possessions"):
        DEFENSES.make("bc")


def test_bc_defense_builds_through_fit_or_load(monkeypatch, tmp_path):
    """The bc entry passes its config, the train split, the seed and the cache folder
    to fit_or_load_defense (which the BC tests cover on real data)."""
    from envs.defense import bc_cache

    seen = {}

    def fake(train, cfg, seed, cache_dir):
        seen.update(train=train, seed=seed, cache_dir=cache_dir)
        return BCDefense(cfg)

    monkeypatch.setattr(bc_cache, "fit_or_load_defense", fake)
    model = DEFENSES.make("bc", {"hidden": 8}, train="TRAIN", seed=3, cache_dir=tmp_path)
    assert isinstance(model, BCDefense) and model.cfg.hidden == 8
    assert seen == {"train": "TRAIN", "seed": 3, "cache_dir": tmp_path}


@pytest.mark.parametrize("name", REWARDS.names())
def test_every_reward_builds_and_scores_a_step(name):
    core = HalfCourtCore(CoreConfig(device="cpu", reward=name))
    g = torch.Generator().manual_seed(0)
    cs = core.reset(3, np.random.default_rng(0), g)
    _, _, reward = core.step(cs, g)
    assert reward.shape == (3,) and torch.isfinite(reward).all()


def test_reward_options_reach_the_table():
    assert REWARDS.make("playbest", {"made3": 4.0}).t.made3 == 4.0
    assert REWARDS.make("reliable", {"points": 2.0}).w.points == 2.0


def test_core_rejects_an_unknown_defense_or_reward_with_the_choices():
    with pytest.raises(HoopsimConfigError, match="zone_2_3"):
        HalfCourtCore(CoreConfig(device="cpu", defense="box_and_one"))
    with pytest.raises(HoopsimConfigError, match="playbest"):
        HalfCourtCore(CoreConfig(device="cpu", reward="style"))
