"""IterAlign-style rule loop with the shipped planner (hoopsim.rule_loop, language.rules):
discover which hand-written rules (out of bounds, impossible speeds, three seconds in the
lane, a moving-screen proxy, backcourt) the planner's plays from TRAINING starts break
more often than real possessions, then reject candidates that break a kept rule on
HELD-OUT starts and measure violation rates, the share rejected, expected points and
speed KS before / after.

Usage: nice -n 10 python benchmarks/rule_loop.py [train starts] [held-out starts] [candidates] [out folder]
(default 150 150 16 ~/.cache/hoopsim/issue13/rule_loop; rule_loop.json + rule_loop.md there)
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.possessions import load_cache  # noqa: E402
from hoopsim.data import cache_root  # noqa: E402
from hoopsim.evaluation import evaluation_outcomes  # noqa: E402
from hoopsim.rule_loop import markdown, rule_loop  # noqa: E402
from hoopsim.task_configs import DataConfig  # noqa: E402
from planners.planner import load_planner  # noqa: E402
from planners.windows import make_windows  # noqa: E402

CACHE = Path.home() / ".cache/hoopsim/possessions-c835a7d2755ddb63"
SHARED = ROOT.parent / "shared" / "data"


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    torch.set_num_threads(1)
    n_train = int(argv[0]) if argv else 150
    n_test = int(argv[1]) if len(argv) > 1 else 150
    k = int(argv[2]) if len(argv) > 2 else 16
    out = Path(argv[3]) if len(argv) > 3 else Path.home() / ".cache/hoopsim/issue13/rule_loop"
    planner = load_planner("playbest-2hz", "cpu")
    ds, _ = load_cache(str(CACHE))
    horizon_s = planner.cfg.horizon / planner.cfg.rate_hz
    win = {s: make_windows(ds.split(s), horizon_s, planner.cfg.rate_hz).windows for s in ("train", "test")}
    data = DataConfig(tracking=str(SHARED / "tracking_2hz"), pbp=str(SHARED / "pbp"), cutoff="0021500500")
    models = evaluation_outcomes(data, "0021500500", cache_root(None), 1)
    res = rule_loop(planner, win["train"], win["test"], models, n_train, n_test, k)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rule_loop.json").write_text(json.dumps(res, indent=1, default=float) + "\n")
    (out / "rule_loop.md").write_text(markdown(res))
    print(markdown(res))


if __name__ == "__main__":
    main(sys.argv[1:])
