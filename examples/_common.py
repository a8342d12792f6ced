"""Helpers the example scripts share (argument parsing, training starts, the learning
table). Kept apart so each example reads top to bottom as its library's usual script."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def parser(description: str, timesteps: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--timesteps", type=int, default=timesteps, help="environment steps to train")
    p.add_argument("--starts", default="real", choices=["real", "synthetic", "scenarios"],
                   help="training starts: games before the cutoff of ../shared/data (real), "
                        "of the embedded synthetic corpus, or the named scenarios")
    p.add_argument("--eval", type=int, default=500, dest="n_eval",
                   help="held-out possessions of the learning table (0 skips it)")
    p.add_argument("--eval-data", default="real", choices=["real", "synthetic"])
    p.add_argument("--max-minutes", type=float, default=14.0,
                   help="stop training after this many minutes even if --timesteps is not reached")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--out", default="runs/example", help="folder for the model, curve and table")
    return p


def starts(kind: str):
    """StartStates to train on (None: the env's named scenarios)."""
    if kind == "scenarios":
        return None
    from hoopsim.rl import training_starts
    return training_starts(kind)


class Curve:
    """The training curve: one CSV row per report (steps, seconds, mean training return /
    points of the episodes that ended since the last report)."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.path, self.t0 = out / "curve.csv", time.perf_counter()
        self.path.write_text("steps,seconds,episodes,mean_return,mean_points\n")

    def add(self, steps: int, episodes: int, mean_return: float, mean_points: float) -> None:
        with self.path.open("a") as f:
            f.write(f"{steps},{time.perf_counter() - self.t0:.1f},{episodes},"
                    f"{mean_return:.4f},{mean_points:.4f}\n")
        print(f"steps {steps:>9,d}  {time.perf_counter() - self.t0:7.1f} s  episodes {episodes:>6d}"
              f"  return {mean_return:+.3f}  points/poss {mean_points:.3f}", flush=True)


def evaluate(args, trained, random, route: str, extra: dict) -> dict | None:
    """The learning table (hoopsim.rl.learning_table) of the trained agent, the route's
    random policy, scripted and BC offenses; written to ``out``."""
    if args.n_eval <= 0:
        return None
    from hoopsim.rl import learning_table, table_markdown, write_table
    table = learning_table({"random": random, "trained": trained}, possessions=args.n_eval,
                           seed=args.seed + 1000, data=args.eval_data)
    table["meta"]["route"] = route
    write_table(Path(args.out), table, {"training": extra})
    print(table_markdown(table))
    print(json.dumps(extra))
    return table
