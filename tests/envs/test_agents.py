"""Trained-agent adapters (envs.agents) play the simulator like any offense: each face's
action batch decodes as that face decodes it, and a Decision-v0 agent decides only at
decision points."""

from __future__ import annotations

import numpy as np
import torch

from envs.actions import GRID
from envs.agents import (
    DecisionAgent,
    HalfCourtAgent,
    SharedOffenseAgent,
    random_box,
    random_discrete,
    random_multidiscrete,
)
from envs.core import default_outcomes, default_sim_config
from envs.decision import SHOOT, DecisionEnv
from envs.defense import DEFENSES
from envs.evaluation.paired import run_cell
from envs.starts import scenario_starts


def cell(policy, n: int = 24):
    starts = scenario_starts()
    cfg, out = default_sim_config(), default_outcomes(torch.device("cpu"))
    idx = np.arange(n) % len(starts)
    return run_cell(starts.to_sim(idx, "cpu", out, cfg), policy, DEFENSES.make("man_to_man"),
                    out, cfg, seed=0, max_steps=60)


def test_random_agents_of_every_face_play_possessions():
    for policy in (HalfCourtAgent(random_box(17), "box"),
                   HalfCourtAgent(random_multidiscrete([GRID.n] * 5 + [7]), "multidiscrete"),
                   SharedOffenseAgent(random_box(9), "box"), DecisionAgent(random_discrete(7))):
        run = cell(policy)
        assert len(run.points) == 24 and (run.outcome != 0).mean() > 0.9   # possessions end


def test_always_shoot_decision_agent_shoots_at_its_first_decision_like_the_env():
    run = cell(DecisionAgent(lambda obs, g: torch.full((obs.shape[0],), SHOOT)))
    assert len(run.shots) >= 24 and run.n_passes.max() == 0
    env = DecisionEnv()
    env.reset(seed=0)
    assert "shot" in env.step(SHOOT)[4]["events"]


def test_shared_agent_takes_the_handlers_decision():
    seen = []

    def act(obs, g):   # (b * 5, 98): attacker k of row i is row 5 i + k, own one-hot at 88 + k
        seen.append(obs)
        a = torch.zeros(obs.shape[0], 9)
        a[:, 2 + 6] = 1.0   # every attacker votes shoot
        return a
    run = cell(SharedOffenseAgent(act, "box"), n=8)
    assert seen[0].shape == (40, 98) and torch.equal(seen[0][3, 88:93], torch.eye(5)[3])
    assert len(run.shots) >= 8
