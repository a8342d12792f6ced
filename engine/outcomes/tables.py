"""The tables an outcome fit reads, built from the logs: play-by-play shots (with
tracking features where tracked), per-game counts, free throws, turnovers, and the
tracking tables of passes, shot flights and ball holding; then fit below a cutoff and
evaluate at or above it (``hoopsim fit-outcomes``, the evaluator of ``hoopsim evaluate``)."""

from __future__ import annotations

import logging

import pandas as pd
from tqdm import tqdm

from engine.errors import HoopsimDataError
from engine.logs.io import expand_paths
from engine.logs.pbp import read_pbp
from engine.outcomes.evaluation import (
    evaluate,
    merge_tracking,
    pbp_counts,
    pbp_shots,
    tracking_shot_features,
)
from engine.outcomes.fit import OutcomeTables, fit_all, pbp_free_throws, tracking_tables
from engine.outcomes.models import OutcomeConfig, OutcomeModels
from engine.outcomes.passing import pbp_turnovers
from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig

log = logging.getLogger(__name__)


def build_outcome_tables(tracking, pbp, cutoff: str, cache_dir=None,
                         workers: int = 2) -> OutcomeTables:
    """Every table the fit needs. ``tracking`` / ``pbp``: a file, folder, glob or a list
    of them. Tracking goes through load_possessions at the native frame rate (the shots'
    release frames index it)."""
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
    tables = build_outcome_tables(tracking, pbp, cutoff, cache_dir, workers)
    return tables.shots, tables.counts


def fit_and_evaluate(shots, counts: pd.DataFrame | None,
                     cfg: OutcomeConfig) -> tuple[OutcomeModels, dict]:
    """Fit below the cutoff, evaluate at or above it. ``shots``: an OutcomeTables (then
    ``counts`` is ignored) or the shot table with ``counts`` beside it. No game at or
    after the cutoff is a HoopsimDataError."""
    tables = shots if isinstance(shots, OutcomeTables) else OutcomeTables(shots, counts)
    late = lambda df: df["game_id"].astype(str) >= cfg.cutoff  # noqa: E731
    if not late(tables.shots).any():
        raise HoopsimDataError("play-by-play", f"cutoff={cfg.cutoff}",
                               "no games at or after the cutoff to evaluate on")
    if late(tables.shots).all():
        raise HoopsimDataError("play-by-play", f"cutoff={cfg.cutoff}",
                               "no games before the cutoff to fit on")
    models = fit_all(tables, cfg)
    passes = tables.passes[late(tables.passes)] if tables.passes is not None else None
    rep = evaluate(models, tables.shots[late(tables.shots)], tables.counts[late(tables.counts)],
                   tables.shots[~late(tables.shots)], passes)
    return models, rep
