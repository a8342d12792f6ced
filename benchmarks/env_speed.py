"""Print env steps/s: single gym env (fast path, and the torch path as the baseline) and
the torch vector env at B = 1 / 256 / 4096 (eager; --compile adds torch.compile runs),
with the torch thread count and the load average (the numbers mean little without it).

    python benchmarks/env_speed.py [--repeats 5] [--device cpu] [--threads N | --default-threads]
                                   [--compile] [--sizes 1 256 4096]

Targets (2-core CPU machine): >= 10,000 steps/s single env (fast path, man-to-man),
>= 500,000 env-steps/s vector env at B = 4096 (eager). Thread policy: envs/evaluation/bench.py.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from envs.evaluation.bench import DEFAULT_THREADS, bench_env_steps  # noqa: E402


def _load(avg) -> str:
    return "n/a" if avg is None else " / ".join(f"{x:.2f}" for x in avg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                    help=f"torch intra-op threads (default {DEFAULT_THREADS}, see envs/evaluation/bench.py)")
    ap.add_argument("--default-threads", action="store_true", help="keep torch's default")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd vector env")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 256, 4096])
    args = ap.parse_args()
    threads = None if args.default_threads else args.threads
    res = bench_env_steps(repeats=args.repeats, sizes=tuple(args.sizes), device=args.device,
                          compile=args.compile, threads=threads)
    print(f"{'env':<34}{'steps/s':>14}")
    print(f"{'HalfCourt-v0 fast path':<34}{res['gym_steps_s']:>14,.0f}")
    print(f"{'HalfCourt-v0 torch path (baseline)':<34}{res['gym_torch_steps_s']:>14,.0f}")
    for b, v in res["vec"].items():
        print(f"{'vector B=' + b + ' eager (' + args.device + ')':<34}{v:>14,.0f}")
    for b, v in res.get("vec_compiled", {}).items():
        print(f"{'vector B=' + b + ' compiled (' + args.device + ')':<34}{v:>14,.0f}")
    print(f"(torch threads: {res['threads']}, cpu count: {os.cpu_count()}, torch {torch.__version__}; "
          f"load average 1/5/15 min before: {_load(res['load_avg_before'])}, "
          f"after: {_load(res['load_avg_after'])})")


if __name__ == "__main__":
    main()
