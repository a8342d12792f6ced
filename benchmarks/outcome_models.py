"""Fit the outcome models on the real logs before the cutoff and evaluate them after it.

Prints the held-out Brier scores (full / distance-only / constant, all shots and tracked
shots), sign checks, support coverage, league rates and the timings; writes the models and
the report to --out.

    python benchmarks/outcome_models.py [--data ../shared/data] [--cutoff 0021500500]
        [--cache /tmp/hoopsim-outcomes-cache] [--out /tmp/hoopsim-outcomes]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from engine.atomic import write_text_atomic
from engine.outcomes.evaluation import report_markdown
from engine.outcomes.models import OutcomeConfig
from engine.outcomes.tables import build_tables, fit_and_evaluate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--cutoff", default="0021500500")
    ap.add_argument("--cache", default="/tmp/hoopsim-outcomes-cache")
    ap.add_argument("--out", default="/tmp/hoopsim-outcomes")
    args = ap.parse_args()
    data, out = Path(args.data), Path(args.out)
    t0 = time.perf_counter()
    shots, counts = build_tables(str(data / "tracking_2hz"), str(data / "pbp"), args.cutoff,
                                 cache_dir=args.cache)
    t1 = time.perf_counter()
    models, rep = fit_and_evaluate(shots, counts, OutcomeConfig(cutoff=args.cutoff))
    t2 = time.perf_counter()
    models.save(out / "outcome_models.json")
    write_text_atomic(out / "evaluation.md", report_markdown(rep))
    summary = {"tables_s": round(t1 - t0, 1), "fit_eval_s": round(t2 - t1, 1),
               "n_shots": len(shots), "n_tracked": int(shots["defender_ft"].notna().sum()),
               "brier": rep["brier"], "sign_checks": rep["sign_checks"],
               "outside_support": rep["outside_support"], "rates": rep["rates"],
               "kappa": rep["kappa"], "knots": list(models.spec.knots)}
    write_text_atomic(out / "benchmark.json", json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
