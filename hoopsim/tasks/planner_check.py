"""hoopsim planner-check: the gates of a trained planner on held-out games (issue 10).

    hoopsim planner-check planner_checkpoint=<folder> tracking=... pbp=... cutoff=<game id> out=<dir>

Loads the planner from its folder alone (weights, config, normaliser; the training
data's support and training-game outcome models from its planning.json, else the
shipped outcome models' support), cuts windows from the games at or after the cutoff
only (no training game is needed), measures planners.gates on raw DDIM-10 samples --
speed / acceleration KS and p99 ratio, off-court share beside the real windows',
forecast minADE20 / minFDE20 against constant velocity on a seeded subset, and the
executor's open-loop shot rate and median shot distance beside the real windows' read
the same way -- and writes ``<out>/gates.json``. Bad input is one line and exit 2.
``executor=ray`` draws the samples on Ray (a unit per gate x block of windows,
hoopsim.gate_units) with the same gates as the local run; finished blocks are kept as
shards in the cache folder until the gates are read.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import torch

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError, HoopsimDataError
from engine.possessions.api import load_possessions
from engine.logs.io import TRACKING_SUFFIXES, expand_paths
from engine.possessions.ingest import IngestConfig, game_id_of
from engine.runtime import resolve_device
from engine.runtime.executor import run_units
from hoopsim.configs import plain, to_config
from hoopsim.data import PBP_SUFFIXES, cache_root, path_spec
from hoopsim.gate_units import GATES, GateShared, gate_units, merge_samples, sample_unit, window_ids
from hoopsim.jobs import executor_config, job_store, unit_threads, weights_digest
from hoopsim.planning import planner_support
from hoopsim.runs import git_rev, run_dir
from hoopsim.task_configs import PlannerCheckTask
from planners.checkpoints import resolve as resolve_planner

log = logging.getLogger(__name__)
CONFIG = PlannerCheckTask
RUN_ONLY = ("out", "name", "debug", "executor", "ray", "workers", "cache_dir")   # not what a unit computes
N_SPEED_OBSERVED, N_OBSERVED, N_FUTURE = 2, 4, 8     # planners.gates.measure_gates' defaults

GATE_KEYS = ("speed_ks", "speed_p99_ratio", "accel_ks", "offcourt_share", "real_offcourt_share",
             "minade20_m", "minfde20_m", "cv_minade_m", "cv_minfde_m", "shot_rate", "real_shot_rate",
             "shot_distance_median_ft", "real_shot_distance_median_ft", "n_windows")


def _checkpoint(value: str) -> Path:
    folder = resolve_planner(value)
    if not ((folder / "diffusion" / "checkpoint.json").is_file() or (folder / "checkpoint.json").is_file()):
        raise HoopsimConfigError("planner_checkpoint", value, "no planner checkpoint there (a hoopsim "
                                 "train out folder holding diffusion/checkpoint.json)")
    return folder


def held_out_files(spec, suffixes, cutoff: str) -> list[str]:
    """The files a path spec names whose game id (from the file name) is at or after
    ``cutoff`` (files without a recognisable id are kept): the check ingests no training
    game. HoopsimDataError when none is left."""
    files = expand_paths(spec, suffixes)
    keep = [f for f in files if (game_id_of(f) or cutoff) >= cutoff]
    if not keep:
        raise HoopsimDataError(str(spec), f"cutoff={cutoff}", f"none of its {len(files)} files is a "
                               "game at or after the cutoff")
    return keep


def held_out_windows(cfg: PlannerCheckTask, planner):
    """(windows (planners.windows.WindowSet), possession metadata) of the games at or after
    the cutoff, at the planner's rate and horizon."""
    from planners.windows import make_windows

    icfg = IngestConfig(split_cutoff=cfg.cutoff, workers=cfg.workers)
    tracking = held_out_files(path_spec(cfg.tracking), TRACKING_SUFFIXES, cfg.cutoff)
    pbp = held_out_files(path_spec(cfg.pbp), PBP_SUFFIXES, cfg.cutoff)
    ds, _ = load_possessions(tracking, pbp, icfg, cache_dir=cfg.cache_dir, split="test", progress=True)
    if not len(ds):
        raise HoopsimDataError(str(cfg.pbp), f"cutoff={cfg.cutoff}", "no possessions of games at or "
                               "after the cutoff")
    horizon_s = planner.cfg.horizon / planner.cfg.rate_hz
    if planner.cfg.rate_hz > ds.rate_hz + 1e-6:
        raise HoopsimDataError(str(cfg.tracking), "rate", f"the data's {ds.rate_hz:.3f} Hz is below the "
                               f"planner's {planner.cfg.rate_hz:.3f} Hz")
    reward = planner.cfg.reward if planner.cfg.reward in ds.meta.columns else "points"
    w = make_windows(ds, horizon_s, rate_hz=planner.cfg.rate_hz, reward=reward)
    if w.horizon != planner.cfg.horizon or not len(w):
        raise HoopsimDataError(str(cfg.tracking), f"cutoff={cfg.cutoff}",
                               f"{len(w)} held-out windows of {w.horizon} frames (planner: "
                               f"{planner.cfg.horizon}); need at least one")
    return w, ds.meta


def sample_gates(cfg: PlannerCheckTask, planner, windows, meta, device, executor) -> dict:
    """The raw samples of the speed and forecast windows through the executor seam
    (hoopsim.gate_units), read into the gate dict by planners.gates.gates_from_samples."""
    from planners.gates import gate_picks, gates_from_samples
    from planners.receding import RecedingConfig
    from planners.sampler import RAW

    rows = dict(zip(GATES, gate_picks(len(windows), cfg.n_speed, cfg.n_forecast, cfg.seed)))
    chosen = {g: windows.windows[r] for g, r in rows.items()}
    ids = {g: window_ids(meta, windows, r) for g, r in rows.items()}
    n_obs, n_samples = {"speed": N_SPEED_OBSERVED, "forecast": N_OBSERVED}, {"speed": 1, "forecast": cfg.n_samples}
    shared = GateShared(planner.model, planner.normalizer, planner.cfg.diffusion, chosen, ids, n_obs,
                        n_samples, RAW, int(cfg.batch), int(cfg.seed), str(device), unit_threads(cfg.threads))
    units = gate_units({g: len(r) for g, r in rows.items()}, n_samples, cfg.batch)
    settings = {k: v for k, v in plain(cfg).items() if k not in RUN_ONLY}
    store = job_store("planner-check", cache_root(cfg.cache_dir), settings, ids, str(device),
                      weights_digest(planner.model, planner.normalizer), shared.threads)
    samples = merge_samples(units, run_units(sample_unit, units, shared, executor, store,
                                             desc="planner-check samples"))
    gates = gates_from_samples(samples["speed"][:, 0], chosen["speed"], samples["forecast"],
                               chosen["forecast"], windows.rate_hz, cfg.n_samples, N_OBSERVED,
                               N_FUTURE, N_SPEED_OBSERVED, RAW, RecedingConfig(), planner_support(planner)[0])
    store.clear()                   # the gates are read: the sample shards are done
    return gates


def check(cfg: PlannerCheckTask, executor=None) -> dict:
    """The gate dict of the planner (module docstring) plus run facts."""
    from planners.planner import load_planner

    folder = _checkpoint(cfg.planner_checkpoint)
    device = resolve_device(cfg.device)
    planner = load_planner(folder, device)
    windows, meta = held_out_windows(cfg, planner)
    support, source = planner_support(planner)
    t0 = time.perf_counter()
    gates = sample_gates(cfg, planner, windows, meta, device, executor or executor_config(cfg))
    return {**{k: gates.get(k) for k in GATE_KEYS}, **gates, "wall_s": round(time.perf_counter() - t0, 1),
            "planner_checkpoint": str(folder.resolve()), "cutoff": cfg.cutoff,
            "support": support.to_dict(), "support_source": source, "code_revision": git_rev()}


def main(cfg) -> int:
    cfg = to_config(PlannerCheckTask, cfg)
    _checkpoint(cfg.planner_checkpoint)           # bad input fails before the run folder
    executor = executor_config(cfg)               # so does executor=ray without Ray
    torch.manual_seed(cfg.seed)
    gates = check(cfg, executor)
    out = run_dir("planner-check", cfg)
    write_text_atomic(out / "gates.json", json.dumps(gates, indent=1) + "\n")
    fmt = lambda v: "null" if v is None else f"{v:.3g}"  # noqa: E731
    print(f"{gates['n_windows']} held-out windows: speed KS {fmt(gates['speed_ks'])}, accel KS "
          f"{fmt(gates['accel_ks'])}, minADE20 {fmt(gates['minade20_m'])} m (CV "
          f"{fmt(gates['cv_minade_m'])}), shot rate {fmt(gates['shot_rate'])} (real "
          f"{fmt(gates['real_shot_rate'])}); wrote {out / 'gates.json'}")
    return 0
