"""Issue 11: the BC offense's robustness pieces: the data as demonstrator (perturbed
states labelled with the way back) and the league's shot-selection table."""

from __future__ import annotations

import numpy as np
import torch

from engine.court import shot_zone
from engine.sim.step import DEF, OFF, Decision, SimConfig
from envs.core import default_outcomes
from envs.starts import scenario_starts
from offline_rl.bc import (
    BCOffense,
    FittedOffense,
    OffenseBCConfig,
    OffenseNet,
    load,
    save,
)
from offline_rl.bc.augment import perturb
from offline_rl.bc.features import CLS_HOLD, CLS_SHOT, Frames
from offline_rl.bc.shot_select import TABLE_SHAPE, ZONES, fit_table, p_shoot, zone_index


def _frames(b: int = 64, seed: int = 0) -> Frames:
    g = np.random.default_rng(seed)
    pos = np.zeros((b, 11, 3), np.float32)
    pos[..., 0] = g.uniform(60, 90, (b, 11))
    pos[..., 1] = g.uniform(5, 45, (b, 11))
    holder = torch.from_numpy(g.integers(1, 6, b))
    pos[np.arange(b), 0, :2] = pos[np.arange(b), holder.numpy(), :2]
    return Frames(pos=torch.from_numpy(pos), vel=torch.zeros(b, 11, 2), holder=holder,
                  shot_clock=torch.full((b,), 12.0), action=torch.zeros(b, dtype=torch.long),
                  next_disp=torch.from_numpy(g.normal(0, 2, (b, 5, 2)).astype(np.float32)),
                  valid_move=torch.ones(b, dtype=torch.bool))


def test_perturbed_states_are_labelled_back_to_the_logged_next_position():
    f = _frames()
    p = perturb(f, sigma_ft=3.0, frac=1.0, return_frames=1.0, rng=np.random.default_rng(1))
    assert not torch.allclose(p.pos[:, OFF, :2], f.pos[:, OFF, :2])
    assert not torch.allclose(p.pos[:, DEF, :2], f.pos[:, DEF, :2])
    # perturbed position + new target = logged position + logged target (the next frame)
    torch.testing.assert_close(p.pos[:, OFF, :2] + p.next_disp, f.pos[:, OFF, :2] + f.next_disp)
    rows = torch.arange(len(f.holder))
    torch.testing.assert_close(p.pos[:, 0, :2], p.pos[rows, f.holder, :2])   # ball with holder
    assert torch.equal(p.action, f.action)
    assert torch.equal(f.pos, _frames().pos)                                  # input unchanged


def test_perturb_share_and_off_switch():
    f = _frames(400)
    same = perturb(f, sigma_ft=0.0, frac=1.0, return_frames=1.0, rng=np.random.default_rng(0))
    assert same is f
    p = perturb(f, sigma_ft=2.0, frac=0.25, return_frames=2.0, rng=np.random.default_rng(0))
    moved = (p.pos[:, OFF, :2] != f.pos[:, OFF, :2]).any(-1).any(-1).float().mean().item()
    assert 0.15 < moved < 0.35
    half = (p.pos[:, OFF, :2] - f.pos[:, OFF, :2]) / 2.0                        # 2 frames back
    torch.testing.assert_close(p.next_disp, f.next_disp - half)


def test_zone_index_is_engine_court_shot_zone():
    g = np.random.default_rng(0)
    xy = np.stack([g.uniform(47, 94, 5000), g.uniform(0, 50, 5000)], -1).astype(np.float32)
    names = shot_zone(xy.astype(np.float64))
    idx = zone_index(torch.from_numpy(xy)).numpy()
    assert (np.array(ZONES, dtype=object)[idx] == names).mean() > 0.999   # float32 edges only
    assert set(np.unique(idx)) == set(range(len(ZONES)))


def test_shot_table_learns_where_shots_are_taken_and_shrinks_empty_cells():
    f = _frames(3000, seed=2)
    rows = torch.arange(3000)
    xy = f.pos[rows, f.holder, :2]
    z = zone_index(xy)
    three = z == ZONES.index("above_break_three")
    cls = torch.where(three, CLS_SHOT, CLS_HOLD)
    t = fit_table(f.pos, f.holder, f.shot_clock, cls, prior=1.0)
    assert t.shape == TABLE_SHAPE
    p = p_shoot(t, f.pos, f.holder, f.shot_clock)
    assert three.any() and p[three].min() > 0.5 and p[~three].max() < 0.05
    # every frame has 12 s on the clock: the empty < 4 s cells take their coarser rate
    assert torch.allclose(t[..., 0], t[:, :, :1, 0].expand(-1, -1, TABLE_SHAPE[2]))
    assert t[ZONES.index("above_break_three"), -1, :, 0].min() > 0.9


def test_shot_table_separates_distances_within_a_zone():
    f = _frames(3000, seed=3)
    rows = torch.arange(3000)
    xy = f.pos[rows, f.holder, :2]
    rim = (xy - torch.tensor([88.75, 25.0])).norm(dim=-1)
    three = zone_index(xy) == ZONES.index("above_break_three")
    cls = torch.where(three & (rim < 25.0), CLS_SHOT, CLS_HOLD)       # no shots from deep
    p = p_shoot(fit_table(f.pos, f.holder, f.shot_clock, cls, prior=1.0), f.pos, f.holder,
                f.shot_clock)
    assert p[three & (rim < 25.0)].min() > 0.5 and p[three & (rim >= 28.0)].max() < 0.1
    flat = fit_table(f.pos, f.holder, f.shot_clock, cls, prior=1.0, by_distance=False)
    p = p_shoot(flat, f.pos, f.holder, f.shot_clock, by_distance=False)
    assert 0.1 < p[three & (rim >= 28.0)].min() < 0.9          # zone only: deep holders too


def _start(n: int = 6):
    starts = scenario_starts()
    idx = np.arange(n) % len(starts)
    return starts.to_sim(idx, "cpu", default_outcomes(torch.device("cpu")), SimConfig())


def _policy(table: torch.Tensor | None) -> BCOffense:
    torch.manual_seed(0)
    cfg = OffenseBCConfig(hidden=16, shot_model=table is not None)
    return BCOffense(FittedOffense(OffenseNet(cfg.hidden).eval(), cfg, {}, table))


def test_shot_model_decides_shoot_or_not():
    state = _start()
    for value, want in ((1.0, True), (0.0, False)):
        pol = _policy(torch.full(TABLE_SHAPE, value))
        _, dec, _ = pol.act(state, {}, torch.Generator().manual_seed(0))
        assert bool((dec == int(Decision.SHOOT)).all()) == want
        if not want:
            assert not (dec == int(Decision.SHOOT)).any()


def test_shot_table_travels_with_the_checkpoint(tmp_path):
    table = torch.rand(TABLE_SHAPE, generator=torch.Generator().manual_seed(0))
    pol = _policy(table)
    save(FittedOffense(pol.net, pol.cfg, {}, table), tmp_path / "m")
    back = load(tmp_path / "m")
    assert back.cfg.shot_model and torch.equal(back.shot_table, table)
    state = _start()
    a = pol.act(state, {}, torch.Generator().manual_seed(0))
    b = BCOffense(back).act(state, {}, torch.Generator().manual_seed(0))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_jittered_rows_teach_the_mean_not_the_spread():
    from offline_rl.bc.data import TrainingData
    from offline_rl.bc.features import N_CTX, N_MATE, N_MOVE
    from offline_rl.bc.offense import _batch_losses

    torch.manual_seed(0)
    net = OffenseNet(8)
    m, k = 32, 16
    data = TrainingData(torch.randn(m, 5, N_MOVE), 10 * torch.randn(m, 5, 2), torch.zeros(m, 5, 2),
                        torch.randn(k, N_CTX), torch.randn(k, 5, N_MATE),
                        torch.zeros(k, 5, dtype=torch.bool), torch.zeros(k, dtype=torch.long),
                        torch.ones(m, dtype=torch.bool))
    _batch_losses(net, data, torch.Generator().manual_seed(0), 64).backward()
    bias = net.move_net[-1].bias.grad
    assert bias[:2].abs().sum() > 0 and torch.equal(bias[2:], torch.zeros(2))
    net.zero_grad()
    data.move_jittered = torch.zeros(m, dtype=torch.bool)
    _batch_losses(net, data, torch.Generator().manual_seed(0), 64).backward()
    assert net.move_net[-1].bias.grad[2:].abs().sum() > 0


def _walking_log(n: int = 3, t: int = 12, dt: float = 0.52):
    """A fake PossessionSet (arrays only): attackers walk +2 ft in x per frame, defenders
    stand, attacker 1 holds the ball, every frame tracked and labelled HOLD."""
    from types import SimpleNamespace

    from engine.possessions.labels import Action

    pos = np.zeros((n, t, 11, 3), np.float32)
    pos[..., 1] = np.linspace(5, 45, 11)[None, None]
    pos[..., 0] = 60.0
    pos[:, :, 1:6, 0] += 2.0 * np.arange(t)[None, :, None]
    pos[:, :, 0, :2] = pos[:, :, 1, :2]
    arrays = {"positions": pos, "valid": np.ones((n, t, 11), bool),
              "frame_valid": np.ones((n, t), bool),
              "time_s": np.broadcast_to(dt * np.arange(t), (n, t)).astype(np.float32),
              "handler": np.ones((n, t), np.int8), "action": np.full((n, t), int(Action.HOLD)),
              "pass_target": np.full((n, t), -1), "shot_clock": np.full((n, t), 20.0, np.float32),
              "game_clock": np.full((n, t), 600.0, np.float32)}
    return SimpleNamespace(arrays=arrays)


class _SlowNet:
    """Predicts +1 ft in x per frame, no spread."""

    def move(self, feats):
        mean = torch.zeros(feats.shape[:-1] + (2,))
        mean[..., 0] = 1.0
        return mean, torch.full_like(mean, -30.0)


def test_dad_windows_stay_inside_the_usable_frames():
    from offline_rl.bc.dad import windows

    move = np.array([[1, 1, 1, 0, 1, 1, 1, 1]], bool)
    assert windows(move, 3).tolist() == [[1, 0, 0, 0, 1, 1, 0, 0]]


def test_dad_labels_lead_back_to_the_logged_trajectory():
    from offline_rl.bc.dad import rollout_samples

    ds = _walking_log()
    feats, target = rollout_samples(_SlowNet(), ds, 0.52, 35.0, horizon=4, n_windows=100,
                                    rng=np.random.default_rng(0), gen=torch.Generator(),
                                    return_frames=1.0)
    assert feats.shape[1:] == (5, feats.shape[-1]) and len(feats) == len(target) > 0
    # after k model steps an attacker is k ft behind the log: the way back to the logged
    # next position is 2 + k ft; k = 1, 2, 3 appear (steps 1 .. horizon - 1)
    assert set(np.round(target[..., 0].unique().numpy(), 4)) == {3.0, 4.0, 5.0}
    assert torch.allclose(target[..., 1], torch.zeros(()))
    _, half = rollout_samples(_SlowNet(), ds, 0.52, 35.0, 4, 100, np.random.default_rng(0),
                              torch.Generator(), return_frames=2.0)
    assert set(np.round(half[..., 0].unique().numpy(), 4)) == {2.5, 3.0, 3.5}
