"""Everything the outcome models are fitted from, and the whole version-2 fit.

:class:`OutcomeTables` gathers the tables: play-by-play shots and per-game counts
(engine.outcomes.evaluation), free throws per shooter, and the tracking tables of passes
(engine.outcomes.passing), shot flights and ball holding (engine.outcomes.timing).
:func:`fit_all` fits the shot models and league rates (engine.outcomes.models), the pass
interception model, the timing and turnover rates, per-player free-throw percentages and
shrunk team offsets, all on games before the cutoff.

Free throws: shooter ``i`` with ``n`` attempts and ``m`` makes gets the beta-binomial
posterior mean ``(m + kappa r) / (n + kappa)`` around the league rate ``r`` (kappa by
marginal likelihood, as for field goals).

Team offsets: the same empirical-Bayes machinery as the shooters' (engine.outcomes.models),
with the team in place of the shooter: a logit offset per offensive team on top of the
league model. Use either the player offsets or the team offsets, not both: a team's
offset is mostly the sum of its shooters'. They serve rosters of unknown players.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.logs.pbp import EventType, PlayByPlay
from engine.outcomes.models import (
    OutcomeConfig,
    OutcomeModels,
    default_models,
    fit_outcome_models,
    player_adjustments,
)
from engine.outcomes.passing import fit_interception, pass_table
from engine.outcomes.release import fit_release
from engine.outcomes.stats import fit_kappa, shrink
from engine.outcomes.timing import (
    fit_pass_speed,
    fit_shot_end,
    fit_shot_flight,
    fit_turnover_hazard,
    holding_table,
    nonshooting_foul_hazard,
    shot_flight_table,
)
from engine.possessions.dataset import PossessionSet

log = logging.getLogger(__name__)


@dataclass
class OutcomeTables:
    """Inputs of :func:`fit_all`; each table has a ``game_id`` column.

    shots: one row per field-goal attempt (engine.outcomes.evaluation.pbp_shots + tracking);
    counts: per-game rate counts (engine.outcomes.evaluation.pbp_counts);
    free_throws: game_id, shooter_id, made (:func:`pbp_free_throws`);
    passes, flights, holding: tracking tables (:func:`tracking_tables`), None when untracked;
    rate_hz: tracking frame rate (Hz); labelling: interception labelling counts.
    """

    shots: pd.DataFrame
    counts: pd.DataFrame
    free_throws: pd.DataFrame | None = None
    passes: pd.DataFrame | None = None
    flights: pd.DataFrame | None = None
    holding: pd.DataFrame | None = None
    rate_hz: float = float("nan")
    labelling: dict = field(default_factory=dict)


def pbp_free_throws(pbp: PlayByPlay) -> pd.DataFrame:
    """Free throws of one game: game_id, shooter_id, made (bool)."""
    ft = pbp.events[pbp.events["msg_type"] == EventType.FREE_THROW]
    return pd.DataFrame({"game_id": pbp.game_id,
                         "shooter_id": ft["player1_id"].fillna(0).to_numpy(np.int64),
                         "made": ft["ft_made"].to_numpy(bool)})


def tracking_tables(ds: PossessionSet, turnovers: pd.DataFrame) -> dict:
    """Pass, shot-flight and holding tables of a native-rate possession set.
    turnovers: engine.outcomes.passing.pbp_turnovers rows of its games."""
    passes, why = pass_table(ds, turnovers)
    return {"passes": passes, "flights": shot_flight_table(ds),
            "holding": holding_table(ds, turnovers), "rate_hz": float(ds.rate_hz),
            "labelling": why}


def ft_adjustments(ft: pd.DataFrame, league_ft: float) -> dict[int, dict]:
    """{shooter_id: {ft_n, ft_made, ft_pct}} with empirical-Bayes shrinkage to ``league_ft``."""
    g = ft[ft["shooter_id"] > 0].groupby("shooter_id")["made"].agg(["size", "sum"])
    if g.empty:
        return {}
    r = np.full(len(g), league_ft)
    kappa = fit_kappa(g["sum"].to_numpy(), g["size"].to_numpy(), r)
    post = shrink(g["sum"].to_numpy(), g["size"].to_numpy(), r, kappa)
    log.info("free throws: kappa %.1f over %d shooters", kappa, len(g))
    return {int(s): {"ft_n": int(n), "ft_made": int(m), "ft_pct": round(float(p), 5)}
            for s, n, m, p in zip(g.index, g["size"], g["sum"], post)}


def team_adjustments(models: OutcomeModels, fit_shots: pd.DataFrame) -> dict[int, dict]:
    """Shrunk team logit offsets on the league model (module docstring)."""
    shots = fit_shots.assign(shooter_id=fit_shots["team_id"].to_numpy(np.int64))
    kappa, teams = player_adjustments(shots, models.p_make(fit_shots, player_adjust=False))
    log.info("team offsets: kappa %.1f over %d teams", kappa, len(teams))
    return {k: {**v, "kappa": round(kappa, 3)} for k, v in teams.items()}


def _before(df: pd.DataFrame, cutoff: str) -> pd.DataFrame:
    return df[df["game_id"].astype(str) < cutoff]


def fit_all(tables: OutcomeTables, cfg: OutcomeConfig) -> OutcomeModels:
    """The version-2 outcome models from ``tables``, fitted on games before ``cfg.cutoff``
    (module docstring); parts whose tables are missing are left empty."""
    models = fit_outcome_models(tables.shots, tables.counts, cfg)
    log.info("league foul rates: %s", {k: models.rates.get(k) for k in (
        "and_one_rate", "shooting_foul_miss_rate", "nonshooting_fouls_per_possession", "bonus_share")})
    fit_shots = _before(tables.shots, cfg.cutoff).reset_index(drop=True)
    models.teams = team_adjustments(models, fit_shots)
    if tables.free_throws is not None:
        fts = ft_adjustments(_before(tables.free_throws, cfg.cutoff), models.rates["ft_pct"])
        for sid, v in fts.items():
            models.players.setdefault(sid, {}).update(v)
    if tables.passes is not None:
        models.passing = fit_interception(tables.passes, cfg.cutoff, cfg.l2)
        models.passing["labelling"] = tables.labelling
        models.rates.update(fit_pass_speed(tables.passes, cfg.cutoff))
    if tables.flights is not None:
        models.rates.update(fit_shot_flight(tables.flights, cfg.cutoff, tables.rate_hz))
    if tables.holding is not None and tables.passes is not None:
        models.rates.update(fit_turnover_hazard(tables.holding, tables.passes, cfg.cutoff))
        models.rates.update(nonshooting_foul_hazard(models.rates))
    models.timing = fit_shot_end(tables.shots, cfg.cutoff)
    release = fit_release(tables.shots, cfg.cutoff)
    if release:
        models.timing["release"] = release
    return models


def fit_held_out(tables: OutcomeTables, cutoff: str, cfg: OutcomeConfig | None = None) -> OutcomeModels:
    """Outcome models fitted on the games AT OR AFTER ``cutoff`` only: the evaluator of
    a planner trained on the games before it (it never saw these outcomes)."""
    late = lambda df: None if df is None else df[df["game_id"].astype(str) >= cutoff]  # noqa: E731
    kept = OutcomeTables(late(tables.shots).reset_index(drop=True), late(tables.counts),
                         late(tables.free_throws), late(tables.passes), late(tables.flights),
                         late(tables.holding), tables.rate_hz, tables.labelling)
    if kept.shots.empty:
        raise ValueError(f"no shots in games at or after {cutoff} to fit the evaluator on")
    base = cfg or OutcomeConfig()
    everything = OutcomeConfig(cutoff="~", l2=base.l2, spec=base.spec)     # "~" > any game id
    try:
        models = fit_all(kept, everything)
    except ValueError as exc:           # too few held-out passes / timed shots (small corpora)
        log.warning("evaluator: %s; pass interception, pass speed, shot flight time and the "
                    "turnover hazard are taken from the shipped default models", exc)
        kept.passes = kept.flights = kept.holding = None
        models = fit_all(kept, everything)
        fallback = default_models()
        models.passing = {**fallback.passing, "borrowed_from": "default models"}
        for k, v in fallback.rates.items():
            models.rates.setdefault(k, v)
        models.kinds, models.timing = models.kinds or fallback.kinds, models.timing or fallback.timing
    models.cutoff = f">={cutoff}"
    return models
