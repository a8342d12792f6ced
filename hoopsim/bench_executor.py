"""``hoopsim bench sections=[executor]``: the executor seam's scaling figures.

Two jobs, each run in-process (``executor=local``) and on a fresh local Ray instance with 1
and 2 worker CPUs (``ray.init(num_cpus=k)``): ingesting the shared tracking games (one unit
per game) and a 600-possession paired evaluation (units method x scheme x block). For each
run: Ray start-up (s: ``ray.init`` plus starting the ``k`` worker processes and importing the
unit's module in each, so that the units' time measures the units, not process start), the
units' wall time (s), the merge (s), the machine's load while it
ran (1-minute load average and the busy share of every core from /proc/stat), peak driver
and worker memory, and a digest of the merged output (the same on every executor). Then the
league-scale planning table of the issue: 30 offenses x 6 schemes x 1,000 held-out starts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import resource
import time
from pathlib import Path

import numpy as np

from engine.runtime.executor import ExecutorConfig, RayOptions, run_units

log = logging.getLogger(__name__)

WORKERS = (1, 8, 64, 512)


class Measured:
    """A unit function wrapped to report its CPU seconds and its process's peak RSS."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, args, shared):
        c0 = time.process_time()
        result = self.fn(args, shared)
        return {"result": result, "cpu_s": time.process_time() - c0,
                "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _cpu_times() -> tuple[float, float]:
    fields = [float(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]          # total, idle + iowait


def _warm(module: str) -> int:
    import importlib

    importlib.import_module(module)
    time.sleep(0.2)                     # held, so that k tasks need k distinct processes
    return os.getpid()


def warm_workers(ray, k: int, module: str) -> None:
    """Start ``k`` worker processes and import ``module`` in each (they are reused by the units)."""
    pids = ray.get([ray.remote(num_cpus=1)(_warm).remote(module) for _ in range(k)])
    log.info("executor bench: %d Ray workers warm (pids %s)", len(set(pids)), sorted(set(pids)))


def run_job(job: dict, kind: str, k: int) -> dict:
    """Run ``job`` (units, shared, fn, merge) on ``kind`` with ``k`` Ray CPUs."""
    import_s = start_s = 0.0
    if kind == "ray":
        t = time.perf_counter()
        import ray

        import_s = time.perf_counter() - t
        t = time.perf_counter()
        for attempt in (1, 2):           # a loaded machine can time a node's start-up out
            try:
                ray.init(address="local", num_cpus=k, include_dashboard=False, logging_level=logging.WARNING,
                         runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}})
                break
            except Exception as exc:    # noqa: BLE001 - reported in bench.json when it fails twice
                ray.shutdown()
                if attempt == 2:
                    return {"executor": kind, "workers": k, "error": f"ray.init: {exc}"}
        warm_workers(ray, k, job["fn"].__module__)
        start_s = time.perf_counter() - t
    total0, idle0 = _cpu_times()
    load0 = os.getloadavg()[0]
    t = time.perf_counter()
    out = run_units(Measured(job["fn"]), job["units"], job["shared"],
                    ExecutorConfig(kind=kind, ray=RayOptions()), None, desc=f"{job['name']} {kind}x{k}")
    units_s = time.perf_counter() - t
    total1, idle1 = _cpu_times()
    t = time.perf_counter()
    digest = job["merge"]([o["result"] for o in out])
    merge_s = time.perf_counter() - t
    if kind == "ray":
        import ray

        ray.shutdown()
    busy = 1.0 - (idle1 - idle0) / max(total1 - total0, 1e-9)
    cpu = [o["cpu_s"] for o in out]
    return {"executor": kind, "workers": k, "ray_import_s": round(import_s, 2),
            "ray_start_s": round(start_s, 2), "units_s": round(units_s, 2), "merge_s": round(merge_s, 2),
            "overhead_s": round(import_s + start_s + merge_s, 2),
            "cpu_s_units": round(sum(cpu), 2), "cpu_s_per_unit": round(float(np.mean(cpu)), 3),
            "load_avg_1min": [round(load0, 2), round(os.getloadavg()[0], 2)],
            "cpu_busy_share": round(busy, 3), "n_cores": os.cpu_count(),
            "peak_worker_rss_mb": round(max(o["maxrss_mb"] for o in out), 1),
            "peak_driver_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "output_sha256": digest}


def ingest_job(games: int | None, tmp: Path) -> dict:
    """One unit per shared tracking game (2 Hz), merged into the possession cache."""
    from engine.logs.io import TRACKING_SUFFIXES, expand_paths
    from engine.possessions.dataset import save_cache
    from engine.possessions.ingest import IngestConfig, _assemble, game_units, ingest_unit, pair_files
    from hoopsim.data import PBP_SUFFIXES

    repo = Path(__file__).resolve().parents[1]
    data = Path(os.environ.get("HOOPSIM_SHARED_DATA", repo.parent / "shared" / "data"))
    tracking = expand_paths(str(data / "tracking_2hz"), TRACKING_SUFFIXES)[:games]
    pairs, skipped = pair_files(tracking, expand_paths(str(data / "pbp"), PBP_SUFFIXES))
    cfg = IngestConfig(workers=1, split_cutoff="0021500500")

    def merge(results):
        good = [r for r in results if "error" not in r]
        ds, summary = _assemble(good, skipped + [r["error"] for r in results if "error" in r], cfg)
        save_cache(ds, tmp / "possessions", {"config": summary["config"]})
        return hashlib.sha256((tmp / "possessions" / "arrays.npz").read_bytes()
                              + (tmp / "possessions" / "meta.parquet").read_bytes()).hexdigest()[:16]

    return {"name": "ingest", "units": game_units(pairs), "shared": cfg, "fn": ingest_unit,
            "merge": merge, "n": len(pairs)}


def evaluate_job(possessions: int, block: int, cache: Path) -> dict:
    """random_walk and scripted vs man-to-man and 2-3 zone, ``possessions`` in all; one torch
    thread per unit on every executor (a Ray task has one CPU)."""
    from envs.core import default_sim_config
    from envs.evaluation.paired import summarise
    from hoopsim.cli import load_config
    from hoopsim.configs import plain, to_config
    from hoopsim.evaluation import MethodContext
    from hoopsim.evaluation_run import evaluation_job, prepare
    from hoopsim.evaluation_units import merge_cell, merge_cells, play_unit
    from hoopsim.task_configs import EvaluateTask

    per_cell = possessions // 4
    cfg = to_config(EvaluateTask, load_config("evaluate", [
        f"possessions={per_cell}", f"batch={block}", "methods=[random_walk,scripted]",
        "defenses=[man_to_man,zone_2_3]", f"cache_dir={cache}", "workers=1", "threads=1"]))
    prep = prepare(cfg)
    ctx = MethodContext(None, None, None, default_sim_config(), plain(cfg.playbest), prep.device, cache)
    units, shared, _ = evaluation_job(cfg, prep, ctx)

    def merge(results):
        cells = {k: summarise(merge_cell(parts)[0]) for k, parts in merge_cells(units, results).items()}
        text = json.dumps({str(k): v for k, v in cells.items()}, sort_keys=True, default=float)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    return {"name": "evaluate", "units": units, "shared": shared, "fn": play_unit, "merge": merge,
            "n": per_cell * 4}


def ray_adds(run: dict, local: dict) -> float:
    """What Ray adds to a job: its import and start-up (workers started and warm) plus the
    merge's time beyond the local run's merge (the same merge of the same results)."""
    return round(run["ray_import_s"] + run["ray_start_s"] + max(0.0, run["merge_s"] - local["merge_s"]), 2)


def scaling(runs: list[dict]) -> dict:
    """Speed-up of the units on 2 Ray workers over 1, parallel efficiency, overheads
    (``overhead_s_max``: start-up plus the whole merge; ``ray_adds_s_max``: :func:`ray_adds`)."""
    by = {(r["executor"], r["workers"]): r for r in runs if "error" not in r}
    one, two = by.get(("ray", 1)), by.get(("ray", 2))
    out = {"local_units_s": by[("local", 1)]["units_s"]}
    if one and two:
        speedup = one["units_s"] / max(two["units_s"], 1e-9)
        out.update(speedup_2_over_1=round(speedup, 2), parallel_efficiency=round(speedup / 2, 2),
                   ray1_vs_local=round(out["local_units_s"] / max(one["units_s"], 1e-9), 2),
                   overhead_s_max=max(one["overhead_s"], two["overhead_s"]),
                   ray_adds_s_max=max(ray_adds(r, by[("local", 1)]) for r in (one, two)),
                   identical_outputs=len({r["output_sha256"] for r in by.values()}) == 1)
    return out


def planning_table(eval_runs: list[dict], block: int, decision_s: float = 0.5,
                   decisions: int = 6, startup_s: float = 0.0) -> list[dict]:
    """League-scale evaluation: 30 offenses x 6 schemes x 1,000 starts in blocks of ``block``.
    CPU-s per unit: measured for the scripted simulator, and PlayBest's at ``decision_s`` x
    ``decisions`` per possession (the issue's figure) on top of it."""
    local = next(r for r in eval_runs if r["executor"] == "local")
    per_poss = local["cpu_s_units"] / local["possessions"]
    units = 30 * 6 * math.ceil(1000 / block)
    rows = []
    for label, cpu_unit in (("simulator + scripted offense (measured)", per_poss * block),
                            (f"PlayBest ({decision_s} s x {decisions} decisions per possession)",
                             (per_poss + decision_s * decisions) * block)):
        row = {"job": label, "units": units, "cpu_s_per_unit": round(cpu_unit, 1),
               "cpu_hours": round(units * cpu_unit / 3600, 1)}
        for w in WORKERS:
            row[f"wall_h_{w}"] = round((math.ceil(units / w) * cpu_unit + startup_s) / 3600, 3)
        rows.append(row)
    return rows


def bench_executor(games: int | None, possessions: int, block: int, cache: Path, tmp: Path) -> dict:
    """Every figure of the module docstring -> a dict for bench.json."""
    res: dict = {}
    for name, make in (("ingest", lambda: ingest_job(games, tmp)),
                       ("evaluate", lambda: evaluate_job(possessions, block, cache))):
        job = make()
        runs = [run_job(job, "local", 1), run_job(job, "ray", 1), run_job(job, "ray", 2)]
        for r in runs:
            r["possessions" if name == "evaluate" else "games"] = job["n"]
            if "error" in r:
                log.warning("executor bench %s %s x%d: %s", name, r["executor"], r["workers"], r["error"])
            r["units"] = len(job["units"])
        res[name] = {"runs": runs, "scaling": scaling(runs)}
        log.info("executor bench %s: %s", name, res[name]["scaling"])
    start = max((r["ray_start_s"] + r["ray_import_s"] for r in res["evaluate"]["runs"] if "error" not in r),
                default=0.0)
    res["league_plan"] = planning_table(res["evaluate"]["runs"], 256, startup_s=start)
    return res
