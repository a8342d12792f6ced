"""The receding-horizon offense: decisions read from planned ball paths, and a closed
loop in the simulator core."""

from __future__ import annotations

import torch

from engine.outcomes.models import default_models
from engine.outcomes.torch_eval import OutcomeTensors
from engine.runtime.training import TrainConfig
from engine.sim.step import Decision, SimConfig, initial_state, step
from planners.diffusion import train
from planners.receding import RecedingConfig, RecedingHorizonOffense, read_decision
from planners.sampler import SamplerConfig
from planners.windows import make_windows
from tests.planners.helpers import tiny_config, toy_possessions


def plan_with_ball(ball_path, h=6):
    """(1, h, 46) plan: attackers on a line at x=60, y=5,15,25,35,45; ball path given."""
    plan = torch.zeros(1, h, 46)
    for k in range(5):
        plan[0, :, 3 + 2 * k] = 60.0
        plan[0, :, 4 + 2 * k] = 5.0 + 10 * k
    plan[0, :, 13:23] = 55.0
    for t, (x, y) in enumerate(ball_path):
        plan[0, t, 0:3] = torch.tensor([x, y, 4.0])
    return plan


def test_decision_read_from_the_ball_path():
    cfg = RecedingConfig()
    hold = plan_with_ball([(60, 5)] * 6)
    to_third = plan_with_ball([(60, 5), (60, 25)] + [(60, 25)] * 4)
    shot = plan_with_ball([(60, 5), (75, 15), (88.5, 25)] + [(88.75, 25)] * 3)
    f = torch.tensor([1.0])
    one = torch.tensor([1])
    assert read_decision(hold, f, one, cfg).item() == Decision.HOLD
    assert read_decision(to_third, f, one, cfg).item() == Decision.PASS_2
    assert read_decision(shot, f, one, cfg).item() == Decision.SHOOT
    lofted = plan_with_ball([(60, 5), (72, 14), (82, 22)] + [(82, 22)] * 3)
    lofted[0, 1:, 2] = 12.0                       # above the shot height, closing on the rim
    assert read_decision(lofted, f, one, cfg).item() == Decision.SHOOT
    lofted[0, 1:, 2] = 6.0                        # same path at pass height: not a shot
    assert read_decision(lofted, f, one, cfg).item() != Decision.SHOOT
    lob = plan_with_ball([(50, 5), (56, 12), (62, 20)] + [(62, 20)] * 3)
    lob[0, 1:, 2] = 12.0                          # high and closing, but 27 ft from the rim
    assert read_decision(lob, f, one, cfg).item() != Decision.SHOOT
    # a "pass" to the handler himself is a hold
    assert read_decision(to_third, f, torch.tensor([3]), cfg).item() == Decision.HOLD


def sim_from_plan(plan, t=0):
    """Simulated positions (1, 11, 3) equal to the plan's frame t (identity role order)."""
    from planners.windows import windows_to_positions
    return windows_to_positions(plan[:, t]).clone()


def test_shot_only_by_the_planned_shooter_near_the_release_and_inside_the_support():
    """Issue 10: the executor shot from wherever the simulated handler stood (unguided
    plans shot from a median 64 ft). Now: only the planned shooter, within release_ft of
    the planned release, inside the training shots' support."""
    from planners.support import Support

    cfg = RecedingConfig()
    shot = plan_with_ball([(80, 25), (86, 25), (88.5, 25)] + [(88.75, 25)] * 3)
    shot[0, :, 3:5] = torch.tensor([80.0, 25.0])           # off_0 (the handler) releases at (80, 25)
    shot[0, :, 13:15] = torch.tensor([84.0, 25.0])          # def_0 4 ft away
    f, f_now, one = torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([1])
    sim = sim_from_plan(shot)
    support = Support(shot_distance_ft=(1.0, 28.0), defender_ft=(0.0, 15.0))
    kw = dict(sim_pos=sim, support=support, f_now=f_now)
    assert read_decision(shot, f, one, cfg, **kw).item() == Decision.SHOOT
    far = sim.clone()
    far[0, 1, :2] = torch.tensor([50.0, 25.0])              # simulated handler 30 ft from the release
    assert read_decision(shot, f, one, cfg, sim_pos=far, f_now=f_now).item() == Decision.HOLD
    # another attacker holds the ball in the simulation: not the planned shooter
    assert read_decision(shot, f, torch.tensor([2]), cfg, **kw).item() != Decision.SHOOT
    tight = Support(shot_distance_ft=(1.0, 5.0), defender_ft=(0.0, 15.0))   # 8.75 ft: outside
    assert read_decision(shot, f, one, cfg, sim_pos=sim, support=tight, f_now=f_now).item() == Decision.HOLD
    open_court = Support(shot_distance_ft=(1.0, 28.0), defender_ft=(6.0, 15.0))  # 4 ft: outside
    assert read_decision(shot, f, one, cfg, sim_pos=sim, support=open_court, f_now=f_now).item() \
        == Decision.HOLD


def test_pass_only_when_the_receiver_is_near_the_planned_catch():
    cfg = RecedingConfig()
    to_third = plan_with_ball([(60, 5), (60, 25)] + [(60, 25)] * 4)
    f, f_now, one = torch.tensor([1.0]), torch.tensor([0.0]), torch.tensor([1])
    sim = sim_from_plan(to_third)
    assert read_decision(to_third, f, one, cfg, sim_pos=sim, f_now=f_now).item() == Decision.PASS_2
    sim[0, 3, :2] = torch.tensor([40.0, 25.0])              # receiver 20 ft from the catch point
    assert read_decision(to_third, f, one, cfg, sim_pos=sim, f_now=f_now).item() == Decision.HOLD


def test_plans_are_made_and_followed_in_role_order():
    """The handler is role 0 of the windows the model learnt from: the executor orders
    the state that way and maps the plan back to slots."""
    from planners.receding import slot_positions

    planner = small_planner()
    spy = PlanSpy(planner)
    policy = RecedingHorizonOffense(planner, None, SimConfig().dt_s,
                                    RecedingConfig(n_candidates=2, replan_every=1,
                                                   sampler=SamplerConfig(method="ddim", n_steps=3)))
    state = start_state(2)
    state.handler[:] = 4                                     # slot 4 holds the ball
    state.pos[:, 0, :2] = state.pos[:, 4, :2] + 0.5
    gen = torch.Generator().manual_seed(0)
    memory = policy.init(state, gen)
    _, _, memory = policy.act(state, memory, gen)
    assert (memory["perm"][:, 1] == 4).all()                 # role 0 is the handler's slot
    hist = spy.calls[0]["history"]
    assert torch.allclose(hist[:, -1, 1], state.pos[:, 4].float())
    back = slot_positions(hist[:, -1], memory["perm"])
    assert torch.allclose(back, state.pos.float())


def test_closed_loop_in_the_simulator(tmp_path):
    w = make_windows(toy_possessions(n=16), horizon_s=4.0, stride=1).select_split("train")
    train(tiny_config(rate_hz=1 / 0.52), w, steps=10, batch=8, device="cpu", out_dir=tmp_path,
          progress=False, train_cfg=TrainConfig(lr=5e-3, ema_start=2))
    from planners.planner import load_planner

    planner = load_planner(tmp_path, "cpu")
    cfg = SimConfig()
    out = OutcomeTensors.from_models(default_models())
    b = 3
    pos = torch.zeros(b, 11, 3)
    pos[:, 1:6, 0], pos[:, 1:6, 1] = 65.0, torch.tensor([5.0, 15, 25, 35, 45])
    pos[:, 6:11, :2] = pos[:, 1:6, :2] + 3.0
    state = initial_state(pos, torch.ones(b, dtype=torch.long), torch.full((b,), 24.0),
                          torch.full((b,), 600.0))
    policy = RecedingHorizonOffense(planner, planner.default_guide(), cfg.dt_s,
                                    RecedingConfig(n_candidates=4, replan_every=2, sampler=None))
    gen, noise_gen = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    memory = policy.init(state, gen)
    for _ in range(6):
        off_vel, decision, memory = policy.act(state, memory, gen)
        assert off_vel.shape == (b, 5, 2) and decision.shape == (b,)
        state, _ = step(state, off_vel, torch.zeros(b, 5, 2), decision,
                        torch.rand(b, 8, generator=noise_gen), out, cfg)
    assert policy.n_plans >= 1
    assert torch.isfinite(state.pos).all()
    live = ~state.done
    assert ((memory["step"][live] >= 1) & (memory["step"][live] <= 2)).all()


def start_state(b: int = 3, x: float = 65.0):
    """b possessions: attackers on a line at ``x``, defenders 3 ft behind, handler off_0."""
    pos = torch.zeros(b, 11, 3)
    pos[:, 1:6, 0], pos[:, 1:6, 1] = x, torch.tensor([5.0, 15, 25, 35, 45])
    pos[:, 6:11, :2] = pos[:, 1:6, :2] + 3.0
    pos[:, 0] = pos[:, 1] + torch.tensor([0.5, 0.0, 4.0])
    return initial_state(pos, torch.ones(b, dtype=torch.long), torch.full((b,), 24.0),
                         torch.full((b,), 600.0))


def small_planner():
    """An untrained tiny planner with a value model (planning only needs shapes)."""
    from planners.planner import untrained_planner
    from planners.schedule import DiffusionConfig
    from planners.value import ValueConfig

    value = ValueConfig(widths=(16, 32), diffusion=DiffusionConfig(n_train_steps=20))
    return untrained_planner(tiny_config(rate_hz=1 / 0.52), "cpu", value=value)


class PlanSpy:
    """Wraps Planner.plan and records its keyword arguments and batch sizes."""

    def __init__(self, planner):
        self.planner, self.calls = planner, []
        self.inner = planner.plan
        planner.plan = self

    def __call__(self, current_state, generator, *args, **kw):
        self.calls.append({"g": current_state.shape[0], **kw})
        return self.inner(current_state, generator, *args, **kw)


def test_executor_plans_through_planner_plan_one_group_per_possession():
    planner = small_planner()
    spy = PlanSpy(planner)
    policy = RecedingHorizonOffense(planner, planner.default_guide(), SimConfig().dt_s,
                                    RecedingConfig(n_candidates=3, replan_every=2,
                                                   sampler=SamplerConfig(method="ddim", n_steps=3)))
    state = start_state(3)
    gen = torch.Generator().manual_seed(0)
    memory = policy.init(state, gen)
    _, _, memory = policy.act(state, memory, gen)
    assert [c["g"] for c in spy.calls] == [3] and spy.calls[0]["score"]
    assert torch.allclose(memory["plan"][:, 0, :3], state.pos[:, 0].float(), atol=1e-5)
    assert torch.isfinite(memory["score"]).all() and len(policy.scores) == 3


def test_planner_plan_batched_states_keep_their_own_groups():
    planner = small_planner()
    states = start_state(2).pos.clone()
    states[1, 1:6, 0] = 40.0
    cfg = SamplerConfig(method="ddim", n_steps=3)
    res = planner.plan(states, torch.Generator().manual_seed(0), 4, sampler=cfg, score=True)
    assert res.best.shape == (2, 8, 46) and res.candidates.shape == (2, 4, 8, 46)
    assert res.values.shape == (2, 4) and res.value_score.shape == (2,)
    assert torch.allclose(res.candidates[1, :, 0, 3], torch.full((4,), 40.0), atol=1e-4)
    one = planner.plan(states[0], torch.Generator().manual_seed(0), 4, sampler=cfg)
    assert one.best.shape == (8, 46) and one.values.shape == (4,) and one.value_score is None


def test_warm_start_only_from_rows_that_have_a_plan():
    """A possession reset into the batch (fresh memory row) has no plan to warm-start
    from: planning it from a zero plan would start it off the court."""
    planner = small_planner()
    spy = PlanSpy(planner)
    rcfg = RecedingConfig(n_candidates=2, replan_every=1, warm_start=0.5,
                          sampler=SamplerConfig(method="ddim", n_steps=4))
    policy = RecedingHorizonOffense(planner, None, SimConfig().dt_s, rcfg)
    state = start_state(2)
    gen = torch.Generator().manual_seed(0)
    memory = policy.init(state, gen)
    _, _, memory = policy.act(state, memory, gen)
    _, _, memory = policy.act(state, memory, gen)
    assert spy.calls[0]["warm_start"] is None and spy.calls[1]["warm_start"] is not None
    fresh = policy.init(state, gen)                   # row 1 restarts (vector-env reset)
    memory = {k: torch.where(torch.tensor([False, True]).view(-1, *[1] * (v.ndim - 1)), fresh[k], v)
              for k, v in memory.items()}
    _, _, memory = policy.act(state, memory, gen)
    assert spy.calls[2]["warm_start"] is None


def _draws_after(policy, state, calls: int, seed: int = 0) -> torch.Tensor:
    """The generator's state after ``calls`` act calls from ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    memory = policy.init(state, gen)
    for _ in range(calls):
        _, _, memory = policy.act(state, memory, gen)
    return gen.get_state()


def test_executor_draws_the_same_count_whatever_the_state_and_replanning():
    """engine.policy.SimPolicy: a policy draws the same number of values on every call,
    whatever the state, so env faces keep their same-seed guarantee (issue 9)."""
    planner = small_planner()
    sampler = SamplerConfig(method="ddim", n_steps=3)
    every = RecedingHorizonOffense(planner, None, SimConfig().dt_s,
                                   RecedingConfig(n_candidates=2, replan_every=1, sampler=sampler))
    rarely = RecedingHorizonOffense(planner, None, SimConfig().dt_s,
                                    RecedingConfig(n_candidates=5, replan_every=3, sampler=sampler))
    state = start_state(3)
    half_done = start_state(3, x=50.0)
    half_done.done[1:] = True                      # fewer rows to plan
    reference = _draws_after(every, state, 4)
    assert torch.equal(_draws_after(rarely, state, 4), reference)
    assert torch.equal(_draws_after(every, half_done, 4), reference)
    assert not torch.equal(_draws_after(every, state, 3), reference)


def _rollout(planner, seed: int, steps: int = 5) -> torch.Tensor:
    cfg, out = SimConfig(), OutcomeTensors.from_models(default_models())
    policy = RecedingHorizonOffense(planner, planner.default_guide(), cfg.dt_s,
                                    RecedingConfig(n_candidates=2, replan_every=2,
                                                   sampler=SamplerConfig(method="ddim", n_steps=3)))
    state, gen = start_state(2), torch.Generator().manual_seed(seed)
    memory = policy.init(state, gen)
    for _ in range(steps):
        off_vel, decision, memory = policy.act(state, memory, gen)
        state, _ = step(state, off_vel, torch.zeros(2, 5, 2), decision,
                        torch.rand(2, 8, generator=gen), out, cfg)
    return state.pos


def test_same_seed_same_rollout():
    planner = small_planner()
    assert torch.equal(_rollout(planner, 3), _rollout(planner, 3))
    assert not torch.equal(_rollout(planner, 3), _rollout(planner, 4))


def test_executor_conditions_on_its_recent_history():
    """Each plan inpaints the last ``history`` simulator states (one planning frame per
    step here), and the executor reads the plan from the current state's frame on."""
    planner = small_planner()
    spy = PlanSpy(planner)
    rcfg = RecedingConfig(n_candidates=2, replan_every=1, history=3,
                          sampler=SamplerConfig(method="ddim", n_steps=3))
    policy = RecedingHorizonOffense(planner, None, SimConfig().dt_s, rcfg)
    gen = torch.Generator().manual_seed(0)
    states = [start_state(2, x) for x in (50.0, 52.0, 54.0, 56.0)]
    memory = policy.init(states[0], gen)
    for s in states:
        _, _, memory = policy.act(s, memory, gen)
    assert [c["history"].shape[1] for c in spy.calls] == [1, 2, 3, 3]
    assert (memory["now"] == 2).all()
    for t, s in enumerate(states[1:]):                           # frames 0..2 = last 3 states
        assert torch.allclose(memory["plan"][:, t, 3], s.pos[:, 1, 0], atol=1e-4)
    assert torch.allclose(memory["plan"][:, 2, 23 + 3], torch.full((2,), 2.0), atol=1e-4)  # velocity
    slow = RecedingHorizonOffense(planner, None, 2 * SimConfig().dt_s, rcfg)
    assert slow.n_hist == 1                                      # steps are not planning frames
