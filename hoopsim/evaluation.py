"""Wiring of ``hoopsim evaluate``: data, the evaluator's outcome models, the methods.

Method ids: ``random_walk``, ``scripted`` (the scripted play mix), ``bc`` (the
behaviour-cloned league-average offense), and the planner's ids, parsed and registered
in planners.methods (``playbest_unguided``, ``playbest_a<x>``: guided with scale x).
Offline-RL ids (bcq, cql, iql) are refused until that layer exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import HoopsimConfigError
from engine.outcomes.models import OutcomeModels
from engine.sim.step import SimConfig
from engine.runtime.cache import cache_folder, cache_key, file_stamp
from hoopsim.data import cache_root, source_files, sources

log = logging.getLogger(__name__)

OFFLINE = ("bcq", "cql", "iql")


def evaluation_outcomes(cfg, cutoff: str) -> OutcomeModels:
    """The evaluator's outcome models, fitted on games the planner never trained on.

    Real logs: fitted on the held-out games (>= cutoff) of the configured data, cached
    (the planner and the BC offense train on the games before the cutoff). Synthetic
    corpus: the shipped models fitted on real NBA games (a few synthetic games hold too
    few shots to fit; the planner never saw the real games)."""
    from engine.outcomes.fit import fit_held_out
    from engine.outcomes.models import default_models
    from engine.outcomes.tables import build_outcome_tables

    if cfg.data.tracking is None:
        return default_models()
    tracking, pbp = sources(cfg)
    key = cache_key([file_stamp(f) for f in source_files(tracking, pbp)], cutoff)
    path = cache_folder("eval-outcomes", key, cache_root(cfg)) / "outcome_models.json"
    if path.exists():
        return OutcomeModels.load(path)
    tables = build_outcome_tables(tracking, pbp, cutoff, cache_root(cfg), int(cfg.get("workers", 2)))
    models = fit_held_out(tables, cutoff)
    path.parent.mkdir(parents=True, exist_ok=True)
    models.save(path)
    return models


def real_shots_after(cfg, cutoff: str):
    """Play-by-play field-goal attempts of the held-out games (the binned evaluator)."""
    import pandas as pd

    from engine.logs.io import expand_paths
    from engine.logs.pbp import read_pbp
    from engine.outcomes.evaluation import pbp_shots

    _, pbp = sources(cfg)
    files = [f for f in expand_paths(pbp, (".csv", ".csv.gz"))
             if Path(f).name.split(".")[0] >= cutoff]
    return pd.concat([pbp_shots(read_pbp(f)) for f in files], ignore_index=True)


@dataclass
class MethodContext:
    """What the method factory needs: the training split, the trained planner folder,
    the simulator config and the receding-horizon settings."""

    train_ds: object
    test_ds: object
    planner_dir: Path | None
    sim_cfg: SimConfig
    playbest: dict
    device: object
    cache_dir: Path


def playbest_scale(name: str) -> float | None:
    """The guidance scale of a PlayBest method id (0.0 unguided), None for other ids
    (parsed by planners.methods, the one parser of planner method ids)."""
    from planners.methods import guidance_scale

    return guidance_scale(name)


def make_method(name: str, ctx: MethodContext, horizon: int | None = None):
    """A SimPolicy for method id ``name``."""
    from envs.offense import OFFENSES
    from hoopsim.errors import UsageError
    from planners.methods import ID_FORMS, is_planner_method

    if name in OFFENSES:
        return OFFENSES.make(name)
    if name == "bc":
        from offline_rl.bc import BCOffense, fit_or_load

        return BCOffense(fit_or_load(ctx.train_ds, test_ds=ctx.test_ds, cache_dir=ctx.cache_dir))
    if is_planner_method(name):
        from hoopsim.planning import make_planner_method

        return make_planner_method(name, ctx.planner_dir, ctx.device, ctx.sim_cfg.dt_s,
                                   ctx.playbest, horizon)
    if name in OFFLINE:
        raise UsageError(f"method {name!r}: the offline-RL baselines are not built yet")
    raise HoopsimConfigError("method", name, f"unknown method; choose one of {', '.join(OFFENSES.names())}, "
                             f"bc, {', '.join(ID_FORMS)}")


def schemes(cfg) -> dict:
    """name -> scheme: the ``defense`` config group when selected (its parameters from
    conf/defense), else every name in ``defenses`` with default parameters."""
    from omegaconf import OmegaConf

    from envs.defense import DEFENSES

    if cfg.get("defense"):
        options = OmegaConf.to_container(cfg.defense)
        name = str(options.pop("name", None))
        return {name: DEFENSES.make(name, options)}
    return {str(d): DEFENSES.make(str(d)) for d in cfg.defenses}


def start_ids(starts, idx: np.ndarray) -> list[str]:
    """'game_id/period/poss_index' of the chosen starting states."""
    return [f"{starts.game_id[i]}/{int(starts.period[i])}/{int(starts.poss_index[i])}" for i in idx]
