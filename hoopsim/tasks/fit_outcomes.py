"""hoopsim fit-outcomes: fit the outcome models on games before the cutoff, evaluate them
on the games after it; writes outcome_models.json, evaluation.md and evaluation.json.

``digits=6`` rounds the saved floats (how engine/data/outcomes_default.json was written)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError, HoopsimDataError
from engine.outcomes.evaluation import report_markdown
from engine.outcomes.models import FeatureSpec, OutcomeConfig, OutcomeModels
from engine.outcomes.tables import build_outcome_tables, fit_and_evaluate
from hoopsim.configs import to_config
from hoopsim.data import path_spec
from hoopsim.runs import run_dir
from hoopsim.task_configs import FitOutcomesTask

log = logging.getLogger(__name__)
CONFIG = FitOutcomesTask


def _summary(models: OutcomeModels, rep: dict, out: Path) -> str:
    b = rep["brier"]
    line = (f"fit {len(models.games_fit)} games, held out {rep['n_games_heldout']}: Brier full "
            f"{b['full']['all']:.4f}, distance {b['distance']['all']:.4f}, constant "
            f"{b['constant']['all']:.4f}")
    if "passing" in rep:
        p = rep["passing"]
        line += (f"; interceptions {p['brier_model']:.5f} vs constant "
                 f"{p['brier_constant']:.5f}")
    return f"{line}; wrote {out}"


def main(cfg) -> int:
    cfg = to_config(FitOutcomesTask, cfg)
    ocfg = OutcomeConfig(cutoff=cfg.cutoff, l2=cfg.l2, spec=FeatureSpec(knots=cfg.knots))
    tables = build_outcome_tables(path_spec(cfg.tracking), path_spec(cfg.pbp), ocfg.cutoff,
                                  cfg.cache_dir, cfg.workers)
    try:
        models, rep = fit_and_evaluate(tables, None, ocfg)
    except HoopsimDataError:
        raise
    except ValueError as exc:             # too few shots / passes before the cutoff to fit
        raise HoopsimConfigError("cutoff", cfg.cutoff, f"{exc}: too little data to fit; "
                                 "give more games before the cutoff") from exc
    out = run_dir("fit-outcomes", cfg)    # after the fit: a failed fit leaves no folder
    models.save(out / "outcome_models.json", cfg.digits)
    write_text_atomic(out / "evaluation.json", json.dumps(rep, indent=1, default=float))
    write_text_atomic(out / "evaluation.md", report_markdown(rep))
    print(_summary(models, rep, out))
    return 0
