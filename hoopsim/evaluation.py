"""Wiring of ``hoopsim evaluate``: data, the evaluator's outcome models, the methods.

Method ids: ``random_walk``, ``scripted`` (the scripted play mix), ``bc`` (the
behaviour-cloned league-average offense), and the planner's ids, parsed and registered
in planners.methods (``playbest_unguided``, ``playbest_a<x>``: guided with scale x).
Offline-RL ids (offline_rl.pipeline.METHODS: pomdp_dqn_lstm, dqn, discrete_bcq, bcq, cql,
iql, td3_bc, ...) play the agents an ``hoopsim offline-eval`` run saved: ``agents=<its out
folder>``; a missing agent, or an id of the not-yet-built policy-gradient agents (pg,
pomdp_pg_lstm), is refused with one line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import HoopsimConfigError
from engine.outcomes.models import OutcomeModels
from engine.runtime.cache import cache_folder, cache_key, file_stamp
from engine.sim.step import SimConfig
from hoopsim.data import source_files, sources

log = logging.getLogger(__name__)


def offline_ids() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(built offline agent ids, ids not built yet)."""
    from offline_rl.pipeline import METHODS, NOT_BUILT

    return METHODS, NOT_BUILT


EVALUATOR_FIT = 3     # bump when fit_all fits something new (2: the release model; 3: its pairs within a frame of running)


def evaluation_outcomes(data, cutoff: str, cache: Path, workers: int = 2) -> OutcomeModels:
    """The evaluator's outcome models, fitted on games the planner never trained on.

    Real logs: fitted on the held-out games (>= cutoff) of the configured data, cached
    (the planner and the BC offense train on the games before the cutoff). Synthetic
    corpus: the shipped models fitted on real NBA games (a few synthetic games hold too
    few shots to fit; the planner never saw the real games). ``data``: the ``data`` group
    (hoopsim.task_configs.DataConfig); ``cache``: the cache folder."""
    from engine.outcomes.fit import fit_held_out
    from engine.outcomes.models import default_models
    from engine.outcomes.tables import build_outcome_tables

    if data.tracking is None:
        return default_models()
    tracking, pbp = sources(data, cache)
    key = cache_key([file_stamp(f) for f in source_files(tracking, pbp)], cutoff, EVALUATOR_FIT)
    path = cache_folder("eval-outcomes", key, cache) / "outcome_models.json"
    if path.exists():
        return OutcomeModels.load(path)
    tables = build_outcome_tables(tracking, pbp, cutoff, cache, workers)
    models = fit_held_out(tables, cutoff)
    path.parent.mkdir(parents=True, exist_ok=True)
    models.save(path)
    return models


def real_shots_after(data, cache: Path, cutoff: str):
    """Play-by-play field-goal attempts of the held-out games (the binned evaluator)."""
    import pandas as pd

    from engine.logs.io import expand_paths
    from engine.logs.pbp import read_pbp
    from engine.outcomes.evaluation import pbp_shots

    _, pbp = sources(data, cache)
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
    agents_dir: Path | None = None


def playbest_scale(name: str) -> float | None:
    """The guidance scale of a PlayBest method id (0.0 unguided), None for other ids
    (parsed by planners.methods, the one parser of planner method ids)."""
    from planners.methods import guidance_scale

    return guidance_scale(name)


def check_method(name: str, agents: str | Path | None = None) -> None:
    """The error :func:`make_method` would raise for method id ``name``, without building
    anything (the tasks check every id before the run folder exists). ``agents``: an
    ``hoopsim offline-eval`` out folder holding the offline agents."""
    from envs.offense import OFFENSES
    from hoopsim.errors import UsageError
    from planners.methods import ID_FORMS, is_planner_method, parse_method_id

    if name in OFFENSES or name == "bc":
        return
    if is_planner_method(name):
        parse_method_id(name)
        return
    built, not_built = offline_ids()
    if name in not_built:
        raise UsageError(f"method {name!r}: the offline policy-gradient agents are not built yet; "
                         f"built: {', '.join(built)}")
    if name in built:
        folder = offline_agent_folder(name, agents)
        from offline_rl.agents.base import is_saved

        if not is_saved(folder):
            raise UsageError(f"method {name!r}: no trained agent at {folder} "
                             f"(run hoopsim offline-eval out=<dir>, then agents=<dir>)")
        return
    raise HoopsimConfigError("method", name, f"unknown method; choose one of {', '.join(OFFENSES.names())}, "
                             f"bc, {', '.join(ID_FORMS)}")


def offline_agent_folder(name: str, agents: str | Path | None) -> Path:
    """``<agents>/agents/<name>`` (``agents``: an offline-eval out folder)."""
    if agents is None:
        from hoopsim.errors import UsageError

        raise UsageError(f"method {name!r} is an offline agent: give agents=<hoopsim offline-eval out folder>")
    return Path(agents).expanduser() / "agents" / name


def make_method(name: str, ctx: MethodContext, horizon: int | None = None):
    """A SimPolicy for method id ``name``."""
    from envs.offense import OFFENSES

    check_method(name, ctx.agents_dir)
    if name in offline_ids()[0]:
        from offline_rl.agents.load import load_agent
        from offline_rl.bc import fit_or_load
        from offline_rl.play import offline_policy

        fit = fit_or_load(ctx.train_ds, test_ds=ctx.test_ds, cache_dir=ctx.cache_dir)
        return offline_policy(fit, load_agent(offline_agent_folder(name, ctx.agents_dir)))
    if name in OFFENSES:
        return OFFENSES.make(name)
    if name == "bc":
        from offline_rl.bc import BCOffense, fit_or_load

        return BCOffense(fit_or_load(ctx.train_ds, test_ds=ctx.test_ds, cache_dir=ctx.cache_dir))
    from hoopsim.planning import make_planner_method

    return make_planner_method(name, ctx.planner_dir, ctx.device, ctx.sim_cfg.dt_s,
                               ctx.playbest, horizon)


def make_method_from(name: str, shared, device, horizon: int | None = None):
    """A SimPolicy for method id ``name`` from an evaluation job's shared object
    (hoopsim.evaluation_units.EvalShared: the fitted BC offense, the loaded planner)."""
    if name == "bc":
        from offline_rl.bc import BCOffense

        return BCOffense(shared.bc_fit)
    if name in shared.agents:
        from offline_rl.play import offline_policy

        return offline_policy(shared.bc_fit, shared.agents[name], shared.temperature)
    from hoopsim.planning import make_planner_method

    return make_planner_method(name, None, device, shared.sim_cfg.dt_s, shared.playbest, horizon,
                               planner=shared.planner)


def shared_models(methods, ctx: MethodContext) -> dict:
    """What the methods ``methods`` load once for a whole job: ``bc_fit`` (the fitted BC
    offense, fitted here and cached when new; the offline agents play through it too),
    ``agents`` (offline agent id -> the loaded agent of ``ctx.agents_dir``) and ``planner``
    (the loaded PlayBest planner)."""
    offline = [m for m in methods if m in offline_ids()[0]]
    out = {"bc_fit": None, "planner": None, "agents": {}}
    if offline:
        from offline_rl.agents.load import load_agent

        out["agents"] = {m: load_agent(offline_agent_folder(m, ctx.agents_dir)) for m in sorted(offline)}
    if "bc" in methods or offline:
        from offline_rl.bc import fit_or_load

        out["bc_fit"] = fit_or_load(ctx.train_ds, test_ds=ctx.test_ds, cache_dir=ctx.cache_dir)
    if any(playbest_scale(m) is not None for m in methods):
        from planners.planner import load_planner

        if ctx.planner_dir is None:
            raise HoopsimConfigError("planner_checkpoint", None, "PlayBest methods need a trained "
                                     "planner (planner_checkpoint=<hoopsim train out>)")
        out["planner"] = load_planner(Path(ctx.planner_dir), ctx.device)
    return out


def schemes(defense: dict | None, defenses=()) -> dict:
    """name -> scheme: the ``defense`` config group when selected (its parameters from
    conf/defense, ``name`` included), else every name in ``defenses`` with default
    parameters. Unknown names and options are a HoopsimConfigError."""
    from envs.defense import DEFENSES

    if defense:
        options = dict(defense)
        name = str(options.pop("name", None))
        return {name: DEFENSES.make(name, options)}
    return {str(d): DEFENSES.make(str(d)) for d in defenses}


def start_ids(starts, idx: np.ndarray) -> list[str]:
    """'game_id/period/poss_index' of the chosen starting states."""
    return [f"{starts.game_id[i]}/{int(starts.period[i])}/{int(starts.poss_index[i])}" for i in idx]
