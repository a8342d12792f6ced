"""envs.evaluation.bench: the issue-11 keys (vec_large, step_profile, load beside each figure)
come next to the kept ones (vec["4096"] a number)."""
import torch

from envs.evaluation.bench import bench_env_steps, step_profile


def test_step_profile_lists_ops_with_shares():
    prof = step_profile(num_envs=64, steps=2, top=5)
    assert prof["batch"] == 64 and len(prof["ops"]) == 5
    assert all(o["op"].startswith("aten::") or o["op"] for o in prof["ops"])
    shares = [o["share"] for o in prof["ops"]]
    assert shares == sorted(shares, reverse=True) and 0.0 < sum(shares) <= 1.0 + 1e-6
    assert prof["ops_per_step"] > 0


def test_bench_env_steps_keeps_old_keys_and_adds_new(monkeypatch):
    import envs.evaluation.bench as bench

    monkeypatch.setattr(bench, "gym_steps_per_s", lambda fast=True, steps=0, repeats=0: 1.0)
    monkeypatch.setattr(bench, "vec_steps_per_s", lambda b, **kw: float(b))
    monkeypatch.setattr(bench, "step_profile", lambda *a, **kw: {"batch": 4096, "ops": []})
    monkeypatch.setattr(bench, "decision_steps_per_s", lambda fast=True, steps=0, repeats=0: 0.5)
    monkeypatch.setattr(bench, "decision_vec_steps_per_s", lambda b, **kw: b / 4)
    before = torch.get_num_threads()
    res = bench_env_steps(repeats=1, sizes=(1, 4096), large=(16384,))
    assert torch.get_num_threads() == before
    assert isinstance(res["vec"]["4096"], float) and res["vec_large"] == {"16384": 16384.0}
    assert set(res["load_avg_1min"]) >= {"gym_steps_s", "vec.4096", "vec_large.16384"}
    assert res["step_profile"]["batch"] == 4096 and "gym_steps_s" in res
    assert res["decision_vec"] == {"4096": 1024.0} and res["ratios"]["decision_over_gym"] == 0.5
    assert res["ratios"]["decision_vec_over_vec.4096"] == 0.25


def test_decision_benchmarks_measure_something():
    from envs.evaluation.bench import decision_steps_per_s, decision_vec_steps_per_s

    assert decision_steps_per_s(True, steps=30, repeats=1) > 0
    assert decision_vec_steps_per_s(16, steps=2, repeats=1) > 0
