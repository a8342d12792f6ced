"""hoopsim evaluate: every (method, defense) cell from the same held-out real starts with
the same simulator random numbers; outcomes from models fitted on the held-out games
(hoopsim.evaluation_run).

Writes ``<out>/results.json`` (schema in README), ``<out>/results.md`` and, with
``report=true``, ``<out>/report.html``.
"""

from __future__ import annotations

from hoopsim.configs import to_config
from hoopsim.evaluation_run import prepare, run_evaluation
from hoopsim.results import markdown
from hoopsim.runs import run_dir
from hoopsim.task_configs import EvaluateTask

CONFIG = EvaluateTask


def main(cfg) -> int:
    cfg = to_config(EvaluateTask, cfg)
    prep = prepare(cfg)                  # user errors surface before the run folder exists
    out = run_dir("evaluate", cfg)
    results, _ = run_evaluation(cfg, out, prep)
    print(markdown(results))
    print(f"\nresults: {out / 'results.json'}" + (f", report: {out / 'report.html'}" if cfg.report else ""))
    return 0
