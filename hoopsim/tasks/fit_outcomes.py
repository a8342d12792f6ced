"""hoopsim fit-outcomes: fit the outcome models on games before the cutoff, evaluate them
on the games after it; writes outcome_models.json, evaluation.md and evaluation.json."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf
from tqdm import tqdm

from engine.api import load_possessions
from engine.atomic import write_text_atomic
from engine.ingest import IngestConfig
from engine.io import expand_paths
from engine.outcomes import FeatureSpec, OutcomeConfig, OutcomeModels, fit_outcome_models
from engine.outcomes_eval import (evaluate, merge_tracking, pbp_counts, pbp_shots,
                                  report_markdown, tracking_shot_features)
from engine.pbp import read_pbp
from hoopsim.cli import run_dir

log = logging.getLogger(__name__)


def build_tables(tracking, pbp, cutoff: str, cache_dir=None,
                 workers: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shots, counts): every play-by-play field-goal attempt with tracking features where
    tracked (NaN elsewhere), and per-game rate counts. Tracking goes through
    load_possessions at the native frame rate (the shots' release frames index it)."""
    shots, counts = [], []
    for path in tqdm(expand_paths(pbp, (".csv", ".csv.gz")), desc="play-by-play", leave=False):
        game = read_pbp(path)
        shots.append(pbp_shots(game))
        counts.append(pbp_counts(game))
    shots_df = pd.concat(shots, ignore_index=True)
    icfg = IngestConfig(rate_hz=None, split_cutoff=cutoff, workers=workers)
    ds, _ = load_possessions(tracking, pbp, icfg, cache_dir=cache_dir)
    track = tracking_shot_features(ds)
    log.info("%d field-goal attempts, %d with tracking features", len(shots_df), len(track))
    return merge_tracking(shots_df, track), pd.DataFrame(counts)


def fit_and_evaluate(shots: pd.DataFrame, counts: pd.DataFrame,
                     cfg: OutcomeConfig) -> tuple[OutcomeModels, dict]:
    """Fit below the cutoff, evaluate at or above it."""
    models = fit_outcome_models(shots, counts, cfg)
    late = shots["game_id"].astype(str) >= cfg.cutoff
    held_counts = counts[counts["game_id"].astype(str) >= cfg.cutoff]
    if not late.any():
        raise ValueError(f"no games at or after cutoff {cfg.cutoff} to evaluate on")
    return models, evaluate(models, shots[late], held_counts, shots[~late])


def main(cfg) -> int:
    out = run_dir("fit-outcomes", cfg)
    tracking = list(cfg.tracking) if OmegaConf.is_list(cfg.tracking) else str(cfg.tracking)
    pbp = list(cfg.pbp) if OmegaConf.is_list(cfg.pbp) else str(cfg.pbp)
    shots, counts = build_tables(tracking, pbp, str(cfg.cutoff), cfg.cache_dir, int(cfg.workers))
    ocfg = OutcomeConfig(cutoff=str(cfg.cutoff), l2=float(cfg.l2),
                         spec=FeatureSpec(knots=tuple(float(k) for k in cfg.knots)))
    models, rep = fit_and_evaluate(shots, counts, ocfg)
    models.save(Path(out) / "outcome_models.json")
    write_text_atomic(Path(out) / "evaluation.json", json.dumps(rep, indent=1, default=float))
    write_text_atomic(Path(out) / "evaluation.md", report_markdown(rep))
    b = rep["brier"]
    print(f"fit {len(models.games_fit)} games, held out {rep['n_games_heldout']}: Brier full "
          f"{b['full']['all']:.4f}, distance {b['distance']['all']:.4f}, constant "
          f"{b['constant']['all']:.4f}; wrote {out}")
    return 0
