"""hoopsim bench rl=true runs each examples/ script as a subprocess and keeps its log;
here one script at a tiny budget (the full budgets are not for CI)."""

from __future__ import annotations

from hoopsim.tasks.bench import bench_rl_section, table


def test_rl_section_runs_a_script_and_reports_it(tmp_path):
    res = bench_rl_section(tmp_path, ("cleanrl_ppo_vector",),
                           ("--timesteps", "2048", "--num-envs", "64", "--num-steps", "8",
                            "--starts", "scenarios", "--eval", "0", "--device", "cpu"))
    run = tmp_path / "rl" / "cleanrl_ppo_vector"
    assert (run / "curve.csv").exists() and "env steps/s" in (run / "log.txt").read_text()
    assert res["cleanrl_ppo_vector"] == {"error": "no learning table written"}   # --eval 0
    assert "rl cleanrl_ppo_vector" in table({"machine": {"cpu": "c", "cores": 2, "torch": "t",
                                                         "device": "cpu"}, "rl": res})
