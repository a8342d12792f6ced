"""Every built offline agent trains a few steps, saves in the project's checkpoint format,
loads back to the same scores and plays in the simulator; the metrics and OPE estimators
give values derived by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from offline_rl.agents.base import Budget
from offline_rl.agents.load import load_agent
from offline_rl.mdp import SHOOT, build_mdp, windows
from offline_rl.metrics import action_copy
from offline_rl.ope import estimators
from offline_rl.pipeline import (
    METHODS,
    NOT_BUILT,
    OfflinePreset,
    check_method,
    train_agent,
)
from tests.offline_rl.helpers import tiny_set

FAST = ("majority", "base_rate", "logistic", "lstm", "transformer", "dqn", "discrete_bcq",
        "pomdp_dqn_lstm", "pomdp_dqn_transformer", "pg", "pomdp_pg_lstm")


@pytest.fixture(scope="module")
def mdp():
    return build_mdp(tiny_set(), cutoff="0000000002")


@pytest.mark.parametrize("method", FAST)
def test_train_save_load_same_scores(method, mdp, tmp_path):
    torch.set_num_threads(1)
    preset = OfflinePreset(budget=Budget(steps=3, batch=8, hidden=8, window=4, stack=2),
                           d3={"dqn": {"gamma": 1.0}})
    preset.pomdp.burn_in, preset.pomdp.seq_len, preset.pomdp.batch_sequences = 2, 2, 4
    agent, _, _ = train_agent(method, mdp, preset, 0, tmp_path / "agents" / method)
    x, m = windows(mdp, 8)
    again = load_agent(tmp_path / "agents" / method)
    np.testing.assert_allclose(again.scores(x, m), agent.scores(x, m), atol=1e-5)
    assert agent.scores(x, m).shape == (len(mdp), 7)
    assert not Path("d3rlpy_logs").exists()             # never in the caller's directory
    if method in ("dqn", "discrete_bcq"):
        assert (tmp_path / "training" / method / "d3rlpy_logs" / method).is_dir()


def test_unbuilt_and_unknown_methods_are_refused():
    for name in NOT_BUILT + ("nope",):
        with pytest.raises(ValueError):
            check_method(name)
    assert len(set(METHODS)) == 20


def test_pomdp_hidden_state_resets_at_possession_boundaries(mdp, tmp_path):
    """A window's score depends only on its own possession: the history of p0 does not
    leak into p1's first decision point."""
    preset = OfflinePreset(budget=Budget(steps=2, batch=8, hidden=8))
    preset.pomdp.burn_in, preset.pomdp.seq_len, preset.pomdp.batch_sequences = 2, 2, 4
    agent, _, _ = train_agent("pomdp_dqn_lstm", mdp, preset, 0, tmp_path / "agents" / "p")
    x, m = windows(mdp, agent.window)
    alone = mdp.subset(mdp.episode == 1)
    xa, ma = windows(alone, agent.window)
    np.testing.assert_allclose(agent.scores(x, m)[mdp.episode == 1], agent.scores(xa, ma), atol=1e-6)


def test_always_three_f1_matches_its_closed_form():
    """Predicting 'three now' everywhere (shoot on a three spot everywhere) gives
    F1 = 2p / (1 + p) with p the positive share."""
    rng = np.random.default_rng(0)
    n = 2000
    three = rng.random(n) < 0.0115
    y = np.where(three, SHOOT, 0)
    row = action_copy("always", y, np.full(n, SHOOT), three, np.ones(n, bool), np.ones(n),
                      np.repeat(np.arange(20), 100).astype(str), n_boot=5)
    p = three.mean()
    assert row["three_point_f1"] == pytest.approx(2 * p / (1 + p))
    assert row["three_point_f1_shots"] == pytest.approx(1.0)


def test_ope_on_policy_is_the_mean_return(mdp):
    """pi == mu: every ratio is 1, so IS = WIS = PDWIS = the mean possession return and the
    ESS is the number of possessions; DR with Q = 0 is the mean return too."""
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(7), len(mdp))
    e = estimators(mdp, p, p, np.zeros((len(mdp), 7)))
    g = np.array([3.0, 0.0, 2.0]).mean()
    for k in ("is", "wis", "pdwis", "dr"):
        assert e[k] == pytest.approx(g)
    assert e["ess"] == pytest.approx(3.0)


def test_agents_play_in_the_simulator_with_bc_movement(mdp, tmp_path):
    """A Q agent and a classifier decide in the simulator (BC offense moves); the same seed
    gives the same possessions; the always-shoot greedy agent shoots in every possession."""
    from engine.sim.state import SimConfig
    from envs.core import default_outcomes
    from envs.defense import DEFENSES
    from envs.simulate import simulate
    from envs.starts import scenario_starts
    from offline_rl.agents.base import PriorAgent
    from offline_rl.bc import FittedOffense, OffenseBCConfig, OffenseNet
    from offline_rl.play import AgentOffense

    torch.manual_seed(0)
    cfg = OffenseBCConfig(hidden=16)
    fit = FittedOffense(OffenseNet(cfg.hidden).eval(), cfg)
    starts = scenario_starts()
    out = default_outcomes(torch.device("cpu"))
    shooter = PriorAgent("majority", np.eye(7)[SHOOT])           # majority of an all-shoot log
    preset = OfflinePreset(budget=Budget(steps=2, batch=8, hidden=8, window=4, stack=2))
    lstm, _, _ = train_agent("lstm", mdp, preset, 0, tmp_path / "agents" / "lstm")
    for agent in (shooter, lstm):
        runs = [simulate(starts.to_sim(np.arange(4) % len(starts), "cpu", out, SimConfig()),
                         AgentOffense(fit, agent), DEFENSES.make("man_to_man"), out, SimConfig(),
                         torch.Generator().manual_seed(5), max_steps=40) for _ in range(2)]
        assert torch.equal(runs[0]["points"], runs[1]["points"])
    assert (runs[0]["n_shots"] >= 0).all()
    first = simulate(starts.to_sim(np.arange(4) % len(starts), "cpu", out, SimConfig()),
                     AgentOffense(fit, shooter), DEFENSES.make("man_to_man"), out, SimConfig(),
                     torch.Generator().manual_seed(5), max_steps=40)
    assert (first["n_shots"] >= 1).all()


@pytest.mark.parametrize("method", ["bcq", "cql", "iql", "td3_bc"])
def test_continuous_movers_train_save_load_and_move(method, mdp, tmp_path):
    """d3rlpy's continuous algorithms on the attackers' velocities: explicit CONTINUOUS
    action space of size 10, the same moves after a reload, and in the simulator they move
    the attackers while BC decides."""
    from engine.sim.state import SimConfig
    from envs.core import default_outcomes
    from envs.defense import DEFENSES
    from envs.simulate import simulate
    from envs.starts import scenario_starts
    from offline_rl.agents.d3_continuous import to_continuous_dataset
    from offline_rl.bc import FittedOffense, OffenseBCConfig, OffenseNet
    from offline_rl.play import AgentMover, offline_policy

    d3rlpy = pytest.importorskip("d3rlpy")
    assert mdp.move.shape == (len(mdp), 10) and np.abs(mdp.move).max() <= 1.0
    info = to_continuous_dataset(mdp, 2).dataset_info
    assert info.action_space == d3rlpy.ActionSpace.CONTINUOUS and info.action_size == 10
    preset = OfflinePreset(budget=Budget(steps=2, batch=4, hidden=8, stack=2),
                           d3={"bcq": {"n_action_samples": 2}})
    agent, _, _ = train_agent(method, mdp, preset, 0, tmp_path / "agents" / method)
    x, m = windows(mdp, 4)
    loaded = load_agent(tmp_path / "agents" / method)
    torch.manual_seed(3)                       # BCQ samples its candidate actions
    again = loaded.act(x, m)
    torch.manual_seed(3)
    np.testing.assert_allclose(again, agent.act(x, m), atol=1e-5)
    torch.manual_seed(0)
    fit = FittedOffense(OffenseNet(16).eval(), OffenseBCConfig(hidden=16))
    policy = offline_policy(fit, agent)
    assert isinstance(policy, AgentMover)
    starts = scenario_starts()
    out = default_outcomes(torch.device("cpu"))
    runs = [simulate(starts.to_sim(np.arange(2), "cpu", out, SimConfig()), policy, DEFENSES.make("man_to_man"),
                     out, SimConfig(), torch.Generator().manual_seed(1), max_steps=10) for _ in range(2)]
    assert torch.isfinite(runs[0]["positions"]).all()
    assert torch.equal(runs[0]["positions"], runs[1]["positions"])     # same seed, same rollout


def test_returns_to_go_with_the_reward_on_the_last_decision(mdp):
    from offline_rl.agents.pg import returns_to_go

    assert returns_to_go(mdp).tolist() == [3, 3, 3, 3, 3, 0, 0, 0, 0, 2, 2]


@pytest.mark.slow
def test_pomdp_dqn_learns_the_terminal_values(mdp):
    """Double-Q targets with burn-in on the hand-made set: at a possession's last decision
    point the target is just its reward, so Q(s, logged action) converges to 3 (made
    three), 0 (turnover) and 2 (the truncated possession's two)."""
    from offline_rl.agents import pomdp_dqn_lstm
    from offline_rl.agents.pomdp_dqn import PomdpDQNConfig

    torch.set_num_threads(1)
    agent = pomdp_dqn_lstm.fit(mdp, Budget(steps=300, batch=8, hidden=16, lr=3e-3),
                               PomdpDQNConfig(burn_in=2, seq_len=4, target_every=20, batch_sequences=8), 0, None)
    x, m = windows(mdp, agent.window)
    q = agent.scores(x, m)
    last = [4, 8, 10]
    np.testing.assert_allclose(q[last, mdp.action[last]], [3.0, 0.0, 2.0], atol=0.35)
