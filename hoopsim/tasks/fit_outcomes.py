"""hoopsim fit-outcomes: fit the outcome models on games before the cutoff, evaluate them
on the games after it; writes outcome_models.json, evaluation.md and evaluation.json.

``digits=6`` rounds the saved floats (how engine/data/outcomes_default.json was written)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf
from tqdm import tqdm

from engine.atomic import write_text_atomic
from engine.logs.io import expand_paths
from engine.logs.pbp import read_pbp
from engine.outcomes.evaluation import (
    evaluate,
    merge_tracking,
    pbp_counts,
    pbp_shots,
    report_markdown,
    tracking_shot_features,
)
from engine.outcomes.fit import OutcomeTables, fit_all, pbp_free_throws, tracking_tables
from engine.outcomes.models import FeatureSpec, OutcomeConfig, OutcomeModels
from engine.outcomes.passing import pbp_turnovers
from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from hoopsim.cli import run_dir

log = logging.getLogger(__name__)


def build_outcome_tables(tracking, pbp, cutoff: str, cache_dir=None,
                         workers: int = 2) -> OutcomeTables:
    """Every table the fit needs: play-by-play shots (with tracking features where
    tracked), per-game counts, free throws, and the tracking tables of passes, shot
    flights and ball holding. Tracking goes through load_possessions at the native frame
    rate (the shots' release frames index it)."""
    shots, counts, fts, tovs = [], [], [], []
    for path in tqdm(expand_paths(pbp, (".csv", ".csv.gz")), desc="play-by-play", leave=False):
        game = read_pbp(path)
        shots.append(pbp_shots(game))
        counts.append(pbp_counts(game))
        fts.append(pbp_free_throws(game))
        tovs.append(pbp_turnovers(game))
    shots_df = pd.concat(shots, ignore_index=True)
    icfg = IngestConfig(rate_hz=None, split_cutoff=cutoff, workers=workers)
    ds, _ = load_possessions(tracking, pbp, icfg, cache_dir=cache_dir)
    track = tracking_shot_features(ds)
    log.info("%d field-goal attempts, %d with tracking features", len(shots_df), len(track))
    extra = tracking_tables(ds, pd.concat(tovs, ignore_index=True))
    return OutcomeTables(merge_tracking(shots_df, track), pd.DataFrame(counts),
                         pd.concat(fts, ignore_index=True), **extra)


def build_tables(tracking, pbp, cutoff: str, cache_dir=None,
                 workers: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shots, counts) only (see :func:`build_outcome_tables`)."""
    t = build_outcome_tables(tracking, pbp, cutoff, cache_dir, workers)
    return t.shots, t.counts


def fit_and_evaluate(shots, counts: pd.DataFrame | None,
                     cfg: OutcomeConfig) -> tuple[OutcomeModels, dict]:
    """Fit below the cutoff, evaluate at or above it. ``shots``: an OutcomeTables (then
    ``counts`` is ignored) or the shot table with ``counts`` beside it."""
    tables = shots if isinstance(shots, OutcomeTables) else OutcomeTables(shots, counts)
    models = fit_all(tables, cfg)
    late = lambda df: df["game_id"].astype(str) >= cfg.cutoff  # noqa: E731
    if not late(tables.shots).any():
        raise ValueError(f"no games at or after cutoff {cfg.cutoff} to evaluate on")
    passes = tables.passes[late(tables.passes)] if tables.passes is not None else None
    rep = evaluate(models, tables.shots[late(tables.shots)], tables.counts[late(tables.counts)],
                   tables.shots[~late(tables.shots)], passes)
    return models, rep


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
    out = run_dir("fit-outcomes", cfg)
    tracking = list(cfg.tracking) if OmegaConf.is_list(cfg.tracking) else str(cfg.tracking)
    pbp = list(cfg.pbp) if OmegaConf.is_list(cfg.pbp) else str(cfg.pbp)
    tables = build_outcome_tables(tracking, pbp, str(cfg.cutoff), cfg.cache_dir,
                                  int(cfg.workers))
    ocfg = OutcomeConfig(cutoff=str(cfg.cutoff), l2=float(cfg.l2),
                         spec=FeatureSpec(knots=tuple(float(k) for k in cfg.knots)))
    models, rep = fit_and_evaluate(tables, None, ocfg)
    digits = cfg.get("digits")
    models.save(Path(out) / "outcome_models.json", None if digits is None else int(digits))
    write_text_atomic(Path(out) / "evaluation.json", json.dumps(rep, indent=1, default=float))
    write_text_atomic(Path(out) / "evaluation.md", report_markdown(rep))
    print(_summary(models, rep, out))
    return 0
