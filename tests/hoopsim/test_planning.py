"""hoopsim's planner wiring only looks method ids up (planners.methods)."""

from __future__ import annotations

import pytest

from engine.errors import HoopsimConfigError
from engine.sim.step import SimConfig
from hoopsim.evaluation import MethodContext, make_method
from hoopsim.planning import make_planner_method


def context(planner_dir=None) -> MethodContext:
    return MethodContext(None, None, planner_dir, SimConfig(),
                         {"sampler": "fast", "candidates": 2, "replan_every": 2}, "cpu", None)


def test_unknown_method_is_a_config_error_naming_the_choices():
    with pytest.raises(HoopsimConfigError, match=r"scripted.*bc.*playbest_unguided, playbest_a<scale>"):
        make_method("playbset_a1", context())


def test_planner_method_checks_id_options_and_checkpoint_before_loading():
    with pytest.raises(HoopsimConfigError, match="playbest_a<scale>"):
        make_planner_method("playbest_ax", None, "cpu", 0.52)
    with pytest.raises(HoopsimConfigError, match="sampler"):
        make_planner_method("playbest_a1", None, "cpu", 0.52, {"sampler": "slow"})
    with pytest.raises(HoopsimConfigError, match="planner_checkpoint"):
        make_method("playbest_a1", context())
