"""Environment throughput: env steps per second of the single gym env (fast path and
torch path) and of the torch vector env at several batch sizes; decisions per second of
Decision-v0 (fast and torch path, random actions) and of the batched torch decision env,
each next to the HalfCourt-v0 figure of the same run (the ratio survives a loaded machine).

Thread policy. The vector env's step is a few hundred small tensor ops: at B = 4096 most
of them touch 4096 elements, below torch's intra-op grain (32768 elements), so a second
thread only helps the few (B, 10) / (B, 33) ops and costs an OpenMP fork-join on each of
them. Measured on the 2-core CI machine (idle-ish, B = 4096, eager): 1 thread was as fast
as 2 or faster, and under load from other jobs 2 threads lose clearly. So the benchmark
runs the vector env with **one torch thread** by default (``threads=1``), which is also
what a user running several envs or a learner beside the env should pick;
``threads=None`` keeps torch's default. The thread count used is part of the result.
"""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

import numpy as np
import torch

from envs.halfcourt import HalfCourtEnv
from envs.vector import HalfCourtVectorEnv

DEFAULT_THREADS = 1


def _gym_actions(n: int, seed: int = 0) -> list[dict]:
    """Mostly holds with drifting players, occasional passes and shots (a typical
    possession lasts ~20 steps)."""
    rng = np.random.default_rng(seed)
    p = [0.9, 0.012, 0.012, 0.012, 0.012, 0.012, 0.04]
    return [{"move": rng.uniform(-1, 1, (5, 2)).astype(np.float32),
             "decision": int(rng.choice(7, p=p))} for _ in range(n)]


@contextmanager
def torch_threads(n: int | None):
    """Run the block with ``n`` torch intra-op threads (None: leave as is)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def load_average() -> tuple[float, float, float] | None:
    """(1, 5, 15)-minute load averages, None where the OS has none."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def gym_steps_per_s(fast: bool = True, steps: int = 5000, repeats: int = 5) -> float:
    """Median steps/s (resets included) of HalfCourt-v0 with man-to-man defense."""
    env = HalfCourtEnv(fast=fast)
    acts = _gym_actions(1000)
    env.reset(seed=0)

    def run(n: int) -> float:
        t0 = time.perf_counter()
        for i in range(n):
            _, _, term, trunc, _ = env.step(acts[i % len(acts)])
            if term or trunc:
                env.reset()
        return n / (time.perf_counter() - t0)

    run(min(steps, 500))                      # warm-up
    return statistics.median(run(steps) for _ in range(repeats))


def vec_steps_per_s(num_envs: int, steps: int = 50, repeats: int = 5, device: str = "cpu",
                    compile: bool = False) -> float:
    """Median env-steps/s (num_envs x steps / s, auto-reset included) of the vector env."""
    env = HalfCourtVectorEnv(num_envs=num_envs, device=device, compile=compile)
    env.reset(seed=0)
    g = torch.Generator().manual_seed(0)
    move = (torch.rand(num_envs, 5, 2, generator=g) * 2 - 1).to(env.device)
    dec = torch.where(torch.rand(num_envs, generator=g) < 0.04, 6, 0).to(env.device)
    action = {"move": move, "decision": dec}

    def run(n: int) -> float:
        if env.device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(n):
            env.step(action)
        if env.device.type == "cuda":
            torch.cuda.synchronize()
        return num_envs * n / (time.perf_counter() - t0)

    run(20 if compile else 5)                  # warm-up (compilation included)
    return statistics.median(run(steps) for _ in range(repeats))


def decision_steps_per_s(fast: bool = True, steps: int = 2000, repeats: int = 5) -> float:
    """Median decisions/s (resets included) of Decision-v0, uniform random actions."""
    from envs.decision import DecisionEnv

    env = DecisionEnv(fast=fast)
    acts = np.random.default_rng(0).integers(0, 7, 1000).tolist()
    env.reset(seed=0)

    def run(n: int) -> float:
        t0 = time.perf_counter()
        for i in range(n):
            _, _, term, trunc, _ = env.step(acts[i % len(acts)])
            if term or trunc:
                env.reset()
        return n / (time.perf_counter() - t0)

    run(min(steps, 200))
    return statistics.median(run(steps) for _ in range(repeats))


def decision_vec_steps_per_s(num_envs: int, steps: int = 10, repeats: int = 5,
                             device: str = "cpu") -> float:
    """Median decisions/s (num_envs x steps / s, auto-reset included) of the batched torch
    decision env (envs.decision_vector), uniform random actions."""
    from envs.decision_vector import DecisionVectorEnv

    env = DecisionVectorEnv(num_envs=num_envs, device=device)
    env.reset(seed=0)
    g = torch.Generator().manual_seed(0)
    acts = [torch.randint(0, 7, (num_envs,), generator=g).to(env.device) for _ in range(8)]

    def run(n: int) -> float:
        if env.device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for i in range(n):
            env.step(acts[i % len(acts)])
        if env.device.type == "cuda":
            torch.cuda.synchronize()
        return num_envs * n / (time.perf_counter() - t0)

    run(3)
    return statistics.median(run(steps) for _ in range(repeats))


def step_profile(num_envs: int = 4096, steps: int = 20, top: int = 12,
                 device: str = "cpu") -> dict:
    """Where the vector env's step spends its time: torch.profiler over ``steps`` steps
    after a warm-up -> {"batch", "steps", "total_ms_per_step" (the profiled ops' self time;
    the profiler adds its own overhead, so compare shares, not totals, with the steps/s
    figures), "ops": [{"op", "ms_per_step", "calls_per_step", "share"}, ...] the ``top``
    ops by self CPU time}."""
    from torch.profiler import ProfilerActivity, profile

    env = HalfCourtVectorEnv(num_envs=num_envs, device=device)
    env.reset(seed=0)
    g = torch.Generator().manual_seed(0)
    action = {"move": (torch.rand(num_envs, 5, 2, generator=g) * 2 - 1).to(env.device),
              "decision": torch.where(torch.rand(num_envs, generator=g) < 0.04, 6, 0).to(env.device)}
    for _ in range(5):
        env.step(action)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            env.step(action)
    rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in rows) or 1.0
    ops = [{"op": e.key, "ms_per_step": round(e.self_cpu_time_total / steps / 1e3, 4),
            "calls_per_step": round(e.count / steps, 2),
            "share": round(e.self_cpu_time_total / total, 4)} for e in rows[:top]]
    return {"batch": num_envs, "steps": steps, "ops": ops,
            "total_ms_per_step": round(total / steps / 1e3, 3),
            "ops_per_step": round(sum(e.count for e in rows) / steps, 1)}


def _load1() -> float | None:
    load = load_average()
    return None if load is None else round(load[0], 2)


def bench_env_steps(repeats: int = 5, sizes: tuple[int, ...] = (1, 256, 4096),
                    device: str = "cpu", torch_path: bool = True, compile: bool = False,
                    threads: int | None = DEFAULT_THREADS, large: tuple[int, ...] = (16384,),
                    profile: bool = True, decision_sizes: tuple[int, ...] = (4096,)) -> dict:
    """{"gym_steps_s": fast path, "gym_torch_steps_s": torch path (the baseline the fast
    path replaces), "vec": {"1": .., "256": .., "4096": ..} eager, "vec_large":
    {"16384": ..} the same for the ``large`` sizes, "vec_compiled": the same through
    torch.compile (compile=True only), "step_profile": :func:`step_profile` at B = 4096
    (profile=True), "load_avg_1min": {figure: 1-minute load average when it was taken}
    (the machine's load beside each figure), "threads": torch threads used, "load_avg":
    (1, 5, 15) min before / after, "decision_steps_s" / "decision_torch_steps_s":
    Decision-v0 decisions/s (fast / torch path), "decision_vec": {"4096": ..} the batched
    decision env, "ratios": {"decision_over_gym": decision_steps_s / gym_steps_s,
    "decision_vec_over_vec.<B>": decision_vec[B] / vec[B]}} — medians of ``repeats`` after
    a warm-up."""
    out: dict = {"load_avg_before": load_average()}
    loads: dict = {}
    with torch_threads(threads) as used:
        out["threads"] = used
        out["gym_steps_s"] = gym_steps_per_s(True, repeats=repeats)
        loads["gym_steps_s"] = _load1()
        if torch_path:
            out["gym_torch_steps_s"] = gym_steps_per_s(False, steps=500, repeats=repeats)
            loads["gym_torch_steps_s"] = _load1()
        out["vec"] = {}
        for b in sizes:
            out["vec"][str(b)] = vec_steps_per_s(b, steps=200 if b == 1 else 30,
                                                 repeats=repeats, device=device)
            loads[f"vec.{b}"] = _load1()
        out["vec_large"] = {}
        for b in large:
            out["vec_large"][str(b)] = vec_steps_per_s(b, steps=10, repeats=repeats,
                                                       device=device)
            loads[f"vec_large.{b}"] = _load1()
        out["decision_steps_s"] = decision_steps_per_s(True, repeats=repeats)
        loads["decision_steps_s"] = _load1()
        if torch_path:
            out["decision_torch_steps_s"] = decision_steps_per_s(False, steps=100, repeats=repeats)
            loads["decision_torch_steps_s"] = _load1()
        out["decision_vec"] = {}
        for b in decision_sizes:
            out["decision_vec"][str(b)] = decision_vec_steps_per_s(b, repeats=repeats, device=device)
            loads[f"decision_vec.{b}"] = _load1()
            if str(b) not in out["vec"]:
                out["vec"][str(b)] = vec_steps_per_s(b, steps=30, repeats=repeats, device=device)
        out["ratios"] = {"decision_over_gym": out["decision_steps_s"] / out["gym_steps_s"],
                         **{f"decision_vec_over_vec.{b}": out["decision_vec"][str(b)] / out["vec"][str(b)]
                            for b in decision_sizes}}
        if profile:
            out["step_profile"] = step_profile(4096, device=device)
        if compile:
            out["vec_compiled"] = {str(b): vec_steps_per_s(b, steps=200 if b == 1 else 30,
                                                           repeats=repeats, device=device,
                                                           compile=True) for b in sizes}
    out["load_avg_1min"] = loads
    out["load_avg_after"] = load_average()
    return out
