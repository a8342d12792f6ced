"""The objective the planner may see: expected points of a plan read the way the
executor plays it, from training-game outcome models, and the support test."""

from __future__ import annotations

import torch

from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeTensors
from planners.normalizer import Normalizer, feet_stats
from planners.objective import PlanObjective, SoftExpectedPoints, read_plan
from planners.receding import RecedingConfig
from planners.support import Support
from tests.planners.test_receding import plan_with_ball

OUT = OutcomeTensors.from_models(default_models())
NORM = Normalizer("feet", *feet_stats(46))


def shot_from(x: float, h: int = 6):
    """Handler (off_0) at (x, 25) shoots (ball at the rim from frame 2); a defender 4 ft away."""
    plan = plan_with_ball([(x, 25)] * 2 + [(88.75, 25)] * (h - 2), h)
    plan[0, :, 3:5] = torch.tensor([x, 25.0])
    plan[0, :, 13:15] = torch.tensor([x + 4.0, 25.0])
    return plan


def test_close_shots_are_worth_more_and_plans_without_a_shot_are_worth_the_hold_value():
    obj = PlanObjective(OUT, NORM, 2.0, hold_value=0.9)
    plans = torch.cat([shot_from(84.0), shot_from(70.0), plan_with_ball([(60, 5)] * 6)])
    read = read_plan(plans, 0, RecedingConfig(), OUT)
    assert read.shot_frame.tolist()[:2] == [0, 0]           # the rim is within shot_look and read.shot_frame[2] == -1
    value, ok = obj(plans, plans, 0)
    assert value[0] > value[1] and abs(float(value[2]) - 0.9) < 1e-6 and ok.all()


def test_support_rejects_shots_and_speeds_outside_the_training_data():
    support = Support(shot_distance_ft=(1.0, 10.0), defender_ft=(0.0, 15.0), speed_ftps=(0.0, 18.0))
    obj = PlanObjective(OUT, NORM, 2.0, support=support)
    plans = torch.cat([shot_from(84.0), shot_from(70.0)])
    fast = plans.clone()
    fast[:, 2:, 5] += torch.arange(4.0) * 40                  # off_1 sprints 80 ft/s
    _, ok = obj(plans, plans, 0)
    assert ok.tolist() == [True, False]                        # 18.75 ft shot is outside
    _, ok = obj(plans, fast, 0)
    assert not ok.any() and obj.rejected_share == 0.75


def test_soft_expected_points_is_differentiable_and_prefers_the_rim():
    guide = SoftExpectedPoints(OUT, NORM)
    x = NORM.normalize(torch.cat([shot_from(84.0), plan_with_ball([(60, 5)] * 6)]))
    v, g = guide.gradients(x, torch.zeros(2, dtype=torch.long))
    assert torch.isfinite(g).all() and g.abs().sum() > 0 and v.shape == (2,)
