"""hoopsim soak: the simulator's soak test (envs.evaluation.soak) as a task. Writes
``<out>/soak.json`` (the cells with every check's count, per-scheme PPP, wall time) and
``<out>/soak.txt`` (the table); exits 2 with one line naming the first failed check.
``executor=ray`` runs the chunks on Ray (the same counts as the local run); finished chunks
are kept as shards in the cache folder until soak.json is written.

The behaviour-cloned offense and defense (``bc``) need training data and are not wired
here yet: the scripted schemes and offenses run (offline_rl is imported by hoopsim/ only;
``envs.evaluation.soak.run_soak`` takes them through ``extra_offenses`` / ``extra_schemes``).
"""

from __future__ import annotations

import json
import logging
import sys

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError
from engine.runtime import resolve_device
from engine.runtime.cache import default_cache_dir
from hoopsim.configs import plain, to_config
from hoopsim.jobs import executor_config, job_store
from hoopsim.runs import run_dir
from hoopsim.task_configs import SoakTask

log = logging.getLogger(__name__)
CONFIG = SoakTask
RUN_ONLY = ("out", "name", "debug", "threads", "executor", "ray")   # not what a chunk computes


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


def main(cfg) -> int:
    from envs.core import default_outcomes, default_sim_config
    from envs.evaluation.bench import load_average, torch_threads
    from envs.evaluation.soak import run_soak, table
    from envs.halfcourt import HalfCourtConfig, load_starts
    from envs.starts import scenario_starts

    cfg = to_config(SoakTask, cfg)           # bad values fail before the run folder exists
    soak = soak_config(cfg)
    executor = executor_config(cfg)           # executor=ray without Ray fails here
    device = resolve_device(cfg.device)
    starts = load_starts(cfg.starts, HalfCourtConfig()) if cfg.starts else scenario_starts()
    out = run_dir("soak", cfg)
    load_before = load_average()
    with torch_threads(cfg.threads) as used:
        store = job_store("soak", default_cache_dir(), {k: v for k, v in plain(cfg).items()
                                                       if k not in RUN_ONLY}, str(device))
        res = run_soak(soak, starts, default_outcomes(device), default_sim_config(), device,
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
