"""hoopsim soak: the simulator's soak test (envs.evaluation.soak) as a task. Writes
``<out>/soak.json`` (the cells with every check's count, per-scheme PPP, wall time) and
``<out>/soak.txt`` (the table); exits 2 with one line naming the first failed check.
``executor=ray`` runs the chunks on Ray (the same counts as the local run); finished chunks
are kept as shards in the cache folder until soak.json is written.

With ``tracking`` and ``pbp``, the league offense (the BC offense with its calibrated shot
table) and the BC defense, fitted on the games before ``cutoff`` with the same settings as
``hoopsim realism`` (so the two share their cached fits, hoopsim.league), join every cell
as offense ``bc`` and scheme ``bc`` (``envs.evaluation.soak.run_soak``'s
``extra_offenses`` / ``extra_schemes``). With ``planner_checkpoint``, PlayBest
(``playbest_method``) joins every scheme as an offense: ``playbest_possessions`` in all, in
chunks of ``playbest_batch``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError
from engine.runtime import resolve_device
from engine.runtime.cache import default_cache_dir
from hoopsim.configs import plain, to_config
from hoopsim.jobs import executor_config, job_store, weights_digest
from hoopsim.runs import run_dir
from hoopsim.task_configs import SoakTask

log = logging.getLogger(__name__)
CONFIG = SoakTask
RUN_ONLY = ("out", "name", "debug", "threads", "executor", "ray", "cache_dir")   # not what a chunk computes


def soak_config(cfg: SoakTask):
    """SoakTask -> envs.evaluation.soak.SoakConfig; unknown scheme / offense names fail."""
    from envs.defense import DEFENSES
    from envs.evaluation.soak import SoakConfig
    from envs.offense import OFFENSES

    for key, reg, names in (("schemes", DEFENSES, cfg.schemes), ("offenses", OFFENSES, cfg.offenses)):
        bad = [n for n in names if n not in reg or n == "bc"]
        if bad:
            raise HoopsimConfigError(key, bad, "unknown or unwired names; choose from "
                                     f"{[n for n in reg.names() if n != 'bc']}")
    if len(cfg.ppp_range) != 2 or cfg.ppp_range[0] > cfg.ppp_range[1]:
        raise HoopsimConfigError("ppp_range", list(cfg.ppp_range), "must be [low, high]")
    return SoakConfig(possessions=cfg.possessions, batch=cfg.batch, max_steps=cfg.max_steps,
                      schemes=tuple(cfg.schemes), offenses=tuple(cfg.offenses),
                      court_margin_ft=cfg.court_margin_ft, ppp_range=tuple(cfg.ppp_range),
                      seed=cfg.seed)


def league_cells(cfg: SoakTask, device) -> dict:
    """{"offense": {"bc": league offense}, "scheme": {"bc": BC defense}} when the task has
    real logs; {} otherwise."""
    if cfg.tracking is None or cfg.pbp is None:
        return {}
    from engine.errors import HoopsimDataError
    from engine.possessions.api import load_possessions
    from engine.possessions.ingest import IngestConfig
    from envs.defense.bc import BCConfig
    from hoopsim.data import path_spec
    from hoopsim.league import LEAGUE_OFFENSE, league_models

    ds, _ = load_possessions(path_spec(cfg.tracking), path_spec(cfg.pbp),
                             IngestConfig(rate_hz=None, split_cutoff=cfg.cutoff),
                             cache_dir=cfg.cache_dir, progress=True)
    train = ds.subset(ds.meta["game_id"].astype(str).to_numpy() < cfg.cutoff)
    if not len(train):
        raise HoopsimDataError(str(cfg.pbp), f"cutoff={cfg.cutoff}", "no games before the cutoff to fit on")
    offense, defense, _ = league_models(train, None, LEAGUE_OFFENSE, BCConfig(), cfg.seed,
                                        cfg.cache_dir, device)
    return {"offense": {"bc": offense}, "scheme": {"bc": defense}}


def planner_path(cfg: SoakTask):
    """The resolved ``planner_checkpoint`` folder (None without one); a bad method id or
    checkpoint name fails here, before the run folder exists."""
    if not cfg.planner_checkpoint:
        return None
    from hoopsim.evaluation import check_method, playbest_scale
    from planners.checkpoints import resolve as resolve_planner

    if playbest_scale(cfg.playbest_method) is None:
        raise HoopsimConfigError("playbest_method", cfg.playbest_method, "not a PlayBest method id")
    check_method(cfg.playbest_method)
    return resolve_planner(cfg.planner_checkpoint)


def planner_cell(cfg: SoakTask, folder, device) -> dict:
    """{method id: PlayBest SimPolicy} of the planner in ``folder``; {} without one."""
    if folder is None:
        return {}
    from envs.core import default_sim_config
    from hoopsim.planning import make_planner_method

    return {cfg.playbest_method: make_planner_method(cfg.playbest_method, folder, device,
                                                     default_sim_config().dt_s, plain(cfg.playbest))}


def planner_stamp(folder) -> str | None:
    """The planner checkpoint's identity in the shard key (None without one)."""
    if folder is None:
        return None
    from hoopsim.evaluation_units import checkpoint_stamp

    return checkpoint_stamp(folder)


def main(cfg) -> int:
    from envs.core import default_outcomes, default_sim_config
    from envs.evaluation.bench import load_average, torch_threads
    from envs.evaluation.soak import run_soak, table
    from envs.halfcourt import HalfCourtConfig, load_starts
    from envs.starts import scenario_starts

    cfg = to_config(SoakTask, cfg)           # bad values fail before the run folder exists
    soak = soak_config(cfg)
    executor = executor_config(cfg)           # executor=ray without Ray fails here
    planner_dir = planner_path(cfg)
    device = resolve_device(cfg.device)
    starts = load_starts(cfg.starts, HalfCourtConfig()) if cfg.starts else scenario_starts()
    out = run_dir("soak", cfg)
    load_before = load_average()
    with torch_threads(cfg.threads) as used:
        extra = league_cells(cfg, device)
        planner = planner_cell(cfg, planner_dir, device)
        if planner:
            extra.setdefault("offense", {}).update(planner)
            soak = dataclasses.replace(soak, sizes={
                cfg.playbest_method: (cfg.playbest_possessions, cfg.playbest_batch)})
        store = job_store("soak", default_cache_dir(), {k: v for k, v in plain(cfg).items()
                                                       if k not in RUN_ONLY}, str(device),
                          weights_digest(extra), planner_stamp(planner_dir))
        res = run_soak(soak, starts, default_outcomes(device), default_sim_config(), device,
                       extra_offenses=extra.get("offense"), extra_schemes=extra.get("scheme"),
                       executor=executor, store=store)
        store.clear()
    res.update(threads=used, device=str(device), load_avg_before=load_before,
               load_avg_after=load_average())
    write_text_atomic(out / "soak.json", json.dumps(res, indent=2) + "\n")
    text = table(res)
    write_text_atomic(out / "soak.txt", text + "\n")
    print(text)
    print(f"\nsoak.json: {out / 'soak.json'}")
    if not res["ok"]:
        print(f"soak failed: {res['failures'][0]}", file=sys.stderr)
        return 2
    return 0
