"""Smoke tests of examples/ at a tiny budget (seconds): each script trains through its
library for a few thousand steps on the named scenarios and writes its curve and model.
The full budgets (and the learning table) run in ``hoopsim bench rl=true``, not here."""

from __future__ import annotations

import importlib

import pytest


def run(module: str, tmp_path, *extra: str) -> dict:
    mod = importlib.import_module(f"examples.{module}")
    out = tmp_path / module
    res = mod.main(["--starts", "scenarios", "--eval", "0", "--out", str(out), *extra])
    assert (out / "curve.csv").read_text().count("\n") >= 2    # header + at least one report
    return res


def test_cleanrl_ppo_vector(tmp_path):
    res = run("cleanrl_ppo_vector", tmp_path, "--timesteps", "4096", "--num-envs", "128",
              "--num-steps", "8", "--device", "cpu")
    assert res["env_steps"] >= 4096 and (tmp_path / "cleanrl_ppo_vector" / "agent.pt").exists()


@pytest.mark.parametrize("module,steps", [("sb3_ppo_halfcourt", "2048"), ("sb3_dqn_decision", "1500"),
                                          ("supersuit_ppo_pettingzoo", "2560")])
def test_sb3_routes(module, steps, tmp_path):
    pytest.importorskip("stable_baselines3", reason="the rl extra (stable-baselines3) is absent")
    if module.startswith("supersuit"):
        pytest.importorskip("supersuit", reason="the rl extra (SuperSuit) is absent")
    res = run(module, tmp_path, "--timesteps", steps)
    assert (tmp_path / module / "model.zip").exists() and res["wall_s"] > 0
