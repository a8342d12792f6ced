"""Print env steps/s: single gym env (fast path, torch path) and the torch vector env.

    python benchmarks/env_speed.py [--repeats 5] [--device cpu] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from envs.bench import bench_env_steps  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    res = bench_env_steps(repeats=args.repeats, device=args.device)
    print(f"{'env':<28}{'steps/s':>14}")
    print(f"{'HalfCourt-v0 fast path':<28}{res['gym_steps_s']:>14,.0f}")
    print(f"{'HalfCourt-v0 torch path':<28}{res['gym_torch_steps_s']:>14,.0f}")
    for b, v in res["vec"].items():
        print(f"{'vector B=' + b + ' (' + args.device + ')':<28}{v:>14,.0f}")
    print(f"(torch threads: {torch.get_num_threads()}, cpu count: {os.cpu_count()})")


if __name__ == "__main__":
    main()
