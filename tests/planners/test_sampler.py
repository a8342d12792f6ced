from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.runtime.training import TrainConfig
from planners.diffusion import load_diffusion, train
from planners.guides import (
    ConstraintGuide,
    RewardGuide,
    SumGuide,
    ball_near_hoop,
)
from planners.planner import Planner, shift_plan
from planners.sampler import RAW, SamplerConfig, WarmStart, sample
from planners.windows import fuse_channels, make_windows, windows_to_positions, with_velocity
from tests.planners.helpers import tiny_config, toy_possessions

H = 8


@pytest.fixture(scope="module")
def planner(tmp_path_factory):
    w = make_windows(toy_possessions(n=16), horizon_s=4.0, stride=1).select_split("train")
    out = tmp_path_factory.mktemp("planner")
    train(tiny_config(), w, steps=40, batch=16, device="cpu", out_dir=out, progress=False,
          train_cfg=TrainConfig(lr=5e-3, ema_start=5))
    model, norm, cfg, _ = load_diffusion(out, "cpu")
    return Planner(model, norm, cfg, None, "cpu")


def state():
    s = np.zeros((46,), np.float32)
    s[:3] = [60.0, 20.0, 4.0]
    s[3:23] = np.tile([55.0, 25.0], 10)
    return torch.from_numpy(s)


def run(planner, seed=0, guide=None, cfg=None, n=6, cond=None, warm=None):
    return sample(planner.model, planner.normalizer, planner.cfg.diffusion, n, H,
                  cond if cond is not None else {0: state()}, torch.Generator().manual_seed(seed),
                  guide=guide, cfg=cfg or SamplerConfig(), warm_start=warm,
                  rate_hz=planner.cfg.rate_hz)


@pytest.mark.parametrize("method", ["ddpm", "ddim"])
def test_same_seed_same_plans(planner, method):
    cfg = SamplerConfig(method=method, n_steps=5)
    a, b, c = run(planner, 3, cfg=cfg), run(planner, 3, cfg=cfg), run(planner, 4, cfg=cfg)
    assert torch.equal(a.plans, b.plans) and a.plans.shape == (6, H, 46)
    assert not torch.equal(a.plans, c.plans)


def test_inpainted_frames_equal_conditions(planner):
    far = state().clone()
    far[3:23] += 1.0
    res = run(planner, cond={0: state(), 5: far}, cfg=SamplerConfig(n_steps=5))
    assert torch.allclose(res.plans[:, 0], state().expand(6, -1), atol=1e-5)
    assert torch.allclose(res.plans[:, 5], far.expand(6, -1), atol=1e-5)


def test_first_generated_frame_respects_speed_cap(planner):
    cap = 2.0                                   # ft/s, far below what the model produces
    cfg = SamplerConfig(n_steps=5, player_speed_cap_ftps=cap, ball_speed_cap_ftps=3.0)
    res = run(planner, cfg=cfg)
    pos = windows_to_positions(res.plans)
    step = (pos[:, 1:, :, :2] - pos[:, :-1, :, :2]).norm(dim=-1) * planner.cfg.rate_hz
    assert step[:, 0, 1:].max() <= cap + 1e-4          # first frame after the condition
    assert step[:, :, 1:].max() <= cap + 1e-4 and step[:, :, 0].max() <= 3.0 + 1e-4
    free = run(planner, cfg=SamplerConfig(n_steps=5, player_speed_cap_ftps=None))
    pos = windows_to_positions(free.plans)
    assert ((pos[:, 1, 1:, :2] - pos[:, 0, 1:, :2]).norm(dim=-1) * 2.0).max() > cap


def test_reward_guidance_beats_unguided_with_same_seed(planner):
    guide = RewardGuide(ball_near_hoop, planner.normalizer)
    base = SamplerConfig(method="ddpm", scale=0.0, player_speed_cap_ftps=None)
    guided = SamplerConfig(method="ddpm", scale=3.0, player_speed_cap_ftps=None)
    reward = lambda plans: ball_near_hoop(windows_to_positions(plans))
    r0 = reward(run(planner, 7, guide, base, n=8).plans)
    r1 = reward(run(planner, 7, guide, guided, n=8).plans)
    assert r1.mean() > r0.mean() + 1.0               # at least 1 ft closer on average (about 16 ft here)
    res = run(planner, 7, guide, guided, n=8)
    assert torch.all(res.values[:-1] >= res.values[1:])   # ranked best first


def test_early_rejection_keeps_requested_share(planner):
    guide = SumGuide([RewardGuide(ball_near_hoop, planner.normalizer),
                      RewardGuide(ball_near_hoop, planner.normalizer)], [1.0, 0.01])
    cfg = SamplerConfig(method="ddim", n_steps=6, guide_start=0.5, early_reject=(0.5, 0.25))
    res = run(planner, 0, guide, cfg, n=16)
    assert res.plans.shape == (4, H, 46) and res.n_started == 16 and res.values.shape == (4,)
    with pytest.raises(ValueError, match="guide"):
        run(planner, 0, None, cfg)


def test_warm_start_and_planner_plan(planner):
    gen = torch.Generator().manual_seed(0)
    first = planner.plan(windows_to_positions(state()).numpy(), gen, n_candidates=4,
                         sampler=SamplerConfig(method="ddim", n_steps=4))
    assert first.best.shape == (H, 46) and first.candidates.shape == (4, H, 46)
    prev = shift_plan(first.best, 1)
    assert torch.equal(prev[-1], first.best[-1]) and torch.equal(prev[0], first.best[1])
    warm = run(planner, 1, cfg=SamplerConfig(method="ddim", n_steps=4), warm=WarmStart(prev, 0.5))
    assert warm.plans.shape == (6, H, 46)


def test_constraint_guide_penalises_speed_and_court():
    from planners.normalizer import Normalizer
    norm = Normalizer("limits", np.zeros(23, np.float32), np.ones(23, np.float32))
    g = ConstraintGuide(norm, rate_hz=2.0, max_speed_ftps=10.0)
    x = torch.full((2, 3, 23), 10.0)
    x[1, 2, 3] = 30.0                                 # off_0 jumps 20 ft in 0.5 s
    x[1, 1, 4] = 60.0                                 # off_0 outside the 50 ft width
    v, grad = g.gradients(x, torch.zeros(2, dtype=torch.long))
    assert v[0] == 0 and v[1] < 0 and grad.shape == x.shape and grad[1].abs().sum() > 0


def test_grouped_conditions_rank_and_reject_within_each_group(planner):
    """One group of candidates per possession: each keeps its own current state, and
    early rejection / ranking never mixes groups."""
    other = state().clone()
    other[:2] = torch.tensor([80.0, 30.0])
    other[3:23] += 3.0
    cond = {0: torch.stack([state(), other])}
    guide = RewardGuide(ball_near_hoop, planner.normalizer)
    cfg = SamplerConfig(method="ddim", n_steps=6, early_reject=(0.5, 0.5))
    res = run(planner, 1, guide=guide, cfg=cfg, n=8, cond=cond)
    assert res.plans.shape == (4, H, 46)
    assert torch.allclose(res.plans[:2, 0], state().expand(2, -1), atol=1e-5)
    assert torch.allclose(res.plans[2:, 0], other.expand(2, -1), atol=1e-5)
    assert res.values[0] >= res.values[1] and res.values[2] >= res.values[3]


def test_raw_mode_applies_no_projection_and_no_guide(planner):
    """The gates measure the model's own samples: raw output equals a run with every
    projection off, ignores a guide, and keeps speeds a tight cap would have clipped."""
    guide = RewardGuide(ball_near_hoop, planner.normalizer)
    off = SamplerConfig(method="ddim", n_steps=10, player_speed_cap_ftps=None, clamp_to_court=False,
                        ball_hold_ft=None)
    raw = run(planner, 2, None, RAW)
    projected = run(planner, 2, None, off).plans
    assert torch.equal(raw.plans[..., :23], projected[..., :23])
    undecoded = run(planner, 2, None, replace(RAW, decode_weight=0.0)).plans
    assert not torch.equal(undecoded[..., 23:], projected[..., 23:])  # the model's own velocities
    assert torch.equal(raw.plans, run(planner, 2, guide, RAW).plans)
    capped_raw = run(planner, 2, None, SamplerConfig(method="ddim", n_steps=10, raw=True,
                                                     player_speed_cap_ftps=0.5))
    assert torch.equal(capped_raw.plans, raw.plans)
    pos = windows_to_positions(raw.plans)
    assert ((pos[:, 1:, 1:, :2] - pos[:, :-1, 1:, :2]).norm(dim=-1) * 2.0).max() > 0.5


def test_classifier_free_guidance_weight(planner):
    """Weight 0 is the unconditioned sampler whatever the bucket; weight 1 conditions."""
    cfg0 = SamplerConfig(method="ddim", n_steps=4, cfg_weight=0.0, player_speed_cap_ftps=None)
    cfg1 = SamplerConfig(method="ddim", n_steps=4, cfg_weight=1.0, player_speed_cap_ftps=None)
    gen = lambda: torch.Generator().manual_seed(5)  # noqa: E731
    args = (planner.model, planner.normalizer, planner.cfg.diffusion, 4, H, {0: state()})
    plain = sample(*args, gen(), cfg=cfg0, rate_hz=2.0)
    assert torch.equal(sample(*args, gen(), cfg=cfg0, rate_hz=2.0, bucket=3).plans, plain.plans)
    three = sample(*args, gen(), cfg=cfg1, rate_hz=2.0, bucket=3)
    zero = sample(*args, gen(), cfg=cfg1, rate_hz=2.0, bucket=0)
    assert not torch.equal(three.plans, plain.plans) and not torch.equal(three.plans, zero.plans)


class SpyGuide:
    """Records the inputs the sampler differentiates; value = mean ball x (feet)."""

    def __init__(self, normalizer):
        self.normalizer, self.seen = normalizer, []

    def value(self, x, k):
        return self.normalizer.unnormalize(x)[..., 0].mean(dim=-1)

    def gradients(self, x, k):
        self.seen.append((x.detach().clone(), k.clone()))
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            y = self.value(x, k)
            (g,) = torch.autograd.grad(y.sum(), x)
        return y.detach(), g


def test_guidance_and_constraints_act_on_the_x0_estimate(planner):
    """Issue 10: the constraint guide pushed the noisy x_k (~300 ft steps). Now guides
    see x0 estimates at k = 0 (feet-sized, not noise-sized), each guide step moves x0 by
    ``scale`` feet, and the hard constraints project x0."""
    spy = SpyGuide(planner.normalizer)
    cfg = SamplerConfig(method="ddim", n_steps=6, scale=2.0, n_guide_steps=1, t_stopgrad=0,
                        guide_start=0.0, player_speed_cap_ftps=None, clamp_to_court=False,
                        ball_hold_ft=None)
    res = run(planner, 0, spy, cfg)
    assert len(spy.seen) == 6 and all(int(k.max()) == 0 for _, k in spy.seen)
    first_x = planner.normalizer.unnormalize(spy.seen[0][0])[..., 3:23]
    assert first_x.abs().max() < 400                        # an x0 estimate, not pure noise
    assert abs(res.guide_move_ft - 2.0) < 1e-3
    base = run(planner, 0, None, cfg)
    assert windows_to_positions(res.plans)[:, 1:, 0, 0].mean() > windows_to_positions(base.plans)[:, 1:, 0, 0].mean()


def test_projection_keeps_the_ball_with_an_attacker_unless_in_flight():
    from planners.sampler import hold_ball

    pos = torch.zeros(1, 3, 11, 3)
    pos[0, :, 1:6, 0] = torch.tensor([50.0, 60, 70, 80, 85])
    pos[0, :, 1:6, 1] = 25.0
    pos[0, :, 0] = torch.tensor([50.0, 40.0, 4.0])          # 15 ft off off_0 at pass height
    pos[0, 2, 0, 2] = 12.0                                   # frame 2 in flight (high)
    out = hold_ball(pos, {0}, 2.0, SamplerConfig())
    assert torch.equal(out[0, 0], pos[0, 0]) and torch.equal(out[0, 2, 0], pos[0, 2, 0])
    assert torch.allclose((out[0, 1, 0, :2] - pos[0, 1, 1, :2]).norm(), torch.tensor(3.0))


def test_ranker_orders_candidates_and_puts_rejected_last(planner):
    def ranker(plans, raw, first):
        v = windows_to_positions(plans)[:, -1, 0, 0]
        return v, torch.arange(plans.shape[0]) % 2 == 0      # odd rows outside the support
    res = sample(planner.model, planner.normalizer, planner.cfg.diffusion, 6, H, {0: state()},
                 torch.Generator().manual_seed(0), cfg=SamplerConfig(method="ddim", n_steps=4),
                 rate_hz=2.0, ranker=ranker)
    assert res.n_rejected == 3
    top = res.values[:3]
    assert torch.all(top[:-1] >= top[1:])


def test_fused_decode_is_the_least_squares_solution():
    """fuse_channels: consistent windows pass unchanged; with frame 0 fixed and h = 2 the
    fused frame 1 is the closed form (x1 + w (p0 + v1)) / (1 + w); fixed frames stay."""
    torch.manual_seed(0)
    pos = torch.randn(3, 5, 23).cumsum(1)
    consistent = with_velocity(pos, torch.zeros(3, 23))
    assert torch.allclose(fuse_channels(consistent, [0], 2.0), consistent, atol=1e-5)
    w = with_velocity(torch.randn(2, 2, 23), torch.zeros(2, 23))
    w[:, 1, 23:] = torch.randn(2, 23)                                  # disagreeing velocity
    out = fuse_channels(w, [0], 3.0)
    expect = (w[:, 1, :23] + 3.0 * (w[:, 0, :23] + w[:, 1, 23:])) / 4.0
    assert torch.allclose(out[:, 1, :23], expect, atol=1e-5)
    assert torch.equal(out[:, 0], w[:, 0])
    assert torch.allclose(out[:, 1, 23:], out[:, 1, :23] - out[:, 0, :23], atol=1e-5)
    assert torch.equal(fuse_channels(w, [0], 0.0), w)


class BallXValue(torch.nn.Module):
    """A value model by hand: the mean normalised x of the ball (channel 0) over the
    plan, so its gradient points every frame's ball toward the attacked hoop."""

    def forward(self, x, k):
        return x[..., 0].mean(dim=1)


def test_value_guidance_raises_the_value_models_score(planner):
    """The path ``playbest_a<x>`` runs: Planner.plan with the default guide (the value
    model) and guidance scale x. Same seed: the guided candidates score higher on the
    value model than the unguided ones, and more with a larger scale."""
    guided = Planner(planner.model, planner.normalizer, planner.cfg, BallXValue(), "cpu")
    assert isinstance(guided.default_guide().model, BallXValue)
    scores = []
    for scale in (0.0, 1.0, 3.0):
        res = guided.plan(windows_to_positions(state()).numpy(), torch.Generator().manual_seed(5),
                          n_candidates=8, sampler=SamplerConfig(method="ddim", n_steps=6, scale=scale))
        scores.append(float(guided.value_score(res.candidates).mean()))
    assert scores[0] < scores[1] < scores[2], scores


def test_warm_start_follows_the_previous_plan(planner):
    """Noised to a late step, a warm start ends nearer the plan it started from than one
    noised to an early step, and that one nearer than a cold start (same seed: a warm
    start that ignored the plan would give three equal distances)."""
    cfg = SamplerConfig(method="ddim", n_steps=10, player_speed_cap_ftps=None, ball_speed_cap_ftps=None)
    prev = run(planner, 11, cfg=cfg, n=1).plans[0]
    prev = prev.clone()
    prev[1:, 0:23] += 2.0                                 # moved 2 ft: not a plan of seed 12
    dist = {}
    for name, warm in (("late", WarmStart(prev, 0.9)), ("early", WarmStart(prev, 0.3)), ("cold", None)):
        res = run(planner, 12, cfg=cfg, n=6, warm=warm)
        dist[name] = float((res.plans[:, 1:, :23] - prev[1:, :23]).abs().mean())
    assert dist["late"] < dist["early"] < dist["cold"], dist


def test_early_rejection_keeps_the_best_of_each_group():
    """_reject keeps the ceil(keep x group size) best candidates of each group by the
    guide's value, best first (values chosen by hand)."""
    from planners.sampler import _reject

    y = torch.tensor([0.1, 0.5, 0.3, 0.2, 0.9, 0.1, 0.4, 0.8])
    idx = torch.arange(8)
    assert _reject(idx, None, None, 0.25, y, groups=2).tolist() == [1, 4]
    assert _reject(idx, None, None, 0.5, y, groups=2).tolist() == [1, 2, 4, 7]
    assert _reject(idx, None, None, 0.3, y, groups=1).tolist() == [4, 7, 1]
