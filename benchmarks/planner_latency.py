"""Planning latency of the shipped planner (issue 10): one decision from a 3-frame history,
DDIM-10 with the hard constraints, 16 / 64 candidates, one thread, median of 5 after a
warm-up; and 64 candidates ranked by the training-game objective (playbest_rank).
Usage: python benchmarks/planner_latency.py"""
import time, torch, numpy as np
torch.set_num_threads(1)
from planners.planner import load_planner
from planners.sampler import FAST, RAW
from dataclasses import replace
p = load_planner("playbest-2hz", "cpu")
hist = torch.zeros(3, 11, 3); hist[..., 0] = 70.0; hist[..., 1] = 25.0
hist[:, 1:6, 0] += torch.arange(5.0); hist[:, 6:, 0] += torch.arange(5.0) + 0.5
ddim10 = replace(RAW, raw=False, player_speed_cap_ftps=30.0, clamp_to_court=True, ball_hold_ft=3.0)
for n in (16, 64):
    g = torch.Generator().manual_seed(0)
    p.plan(None, g, n_candidates=n, history=hist, guide=None, sampler=ddim10)   # warm-up
    ts = []
    for _ in range(5):
        t0 = time.perf_counter(); p.plan(None, g, n_candidates=n, history=hist, guide=None, sampler=ddim10); ts.append(time.perf_counter() - t0)
    print(n, "candidates DDIM-10 unguided, one thread: median %.3f s" % np.median(ts))
from hoopsim.coaching import training_outcomes
from planners.objective import PlanObjective
from planners.receding import RecedingConfig
obj = PlanObjective(training_outcomes(p), p.normalizer, float(p.cfg.rate_hz), p.support, executor=RecedingConfig())
g = torch.Generator().manual_seed(0)
p.plan(None, g, n_candidates=64, history=hist, guide=None, sampler=ddim10, ranker=obj)
ts = []
for _ in range(5):
    t0 = time.perf_counter(); p.plan(None, g, n_candidates=64, history=hist, guide=None, sampler=ddim10, ranker=obj); ts.append(time.perf_counter() - t0)
print("64 candidates DDIM-10 ranked by the objective (playbest_rank), one thread: median %.3f s" % np.median(ts))
