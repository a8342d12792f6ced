"""hoopsim coach: plan from held-out starts under a coach's instruction and a
contrasting one (default 'post up the big'), beside the unconditioned planner; print and
write the effect table (hoopsim.coaching): targeted features' change with intervals, raw
realism gates, expected points under the independent outcome models and the cost of
obeying the coach."""

from __future__ import annotations

import json
import logging

import numpy as np

from engine.atomic import write_text_atomic
from engine.runtime import resolve_device
from hoopsim.coaching import coach_table, markdown
from hoopsim.configs import to_config
from hoopsim.data import cache_root, load_data
from hoopsim.evaluation import evaluation_outcomes
from hoopsim.data import sources, split_cutoff
from hoopsim.runs import run_dir
from hoopsim.task_configs_learning import CoachTask
from language.instruct import make_rubric, read_instruction
from planners.planner import load_planner
from planners.windows import make_windows

CONFIG = CoachTask
log = logging.getLogger(__name__)


def main(cfg) -> int:
    cfg = to_config(CoachTask, cfg)
    text = read_instruction(cfg.instruction, cfg.instruction_file)
    rubrics = {text: make_rubric(text)}
    if cfg.contrast:
        rubrics[cfg.contrast] = make_rubric(cfg.contrast)
    planner = load_planner(cfg.planner_checkpoint, resolve_device(cfg.device))
    cache = cache_root(cfg.cache_dir)
    ds = load_data(cfg.data, cache, cfg.workers)
    test = ds.split("test")
    horizon_s = planner.cfg.horizon / planner.cfg.rate_hz
    win = make_windows(test, horizon_s, planner.cfg.rate_hz)
    rng = np.random.default_rng(cfg.seed)
    pick = rng.choice(len(win), size=min(cfg.starts, len(win)), replace=False)
    states = win.windows[pick, 0]
    _, pbp = sources(cfg.data, cache)
    eval_models = evaluation_outcomes(cfg.data, split_cutoff(cfg.data, pbp), cache, cfg.workers)
    out = run_dir("coach", cfg)
    result = coach_table(planner, win.windows[rng.choice(len(win), min(2000, len(win)), replace=False)],
                         states, rubrics, eval_models, cfg.candidates, cfg.seed)
    result["rubrics"] = {k: r.as_dict() for k, r in rubrics.items()}
    result["planner_checkpoint"] = str(cfg.planner_checkpoint)
    write_text_atomic(out / "coach.json", json.dumps(result, indent=1, default=float) + "\n")
    table = markdown(result)
    write_text_atomic(out / "coach.md", table)
    print(table)
    print(f"outputs: {out}")
    return 0
