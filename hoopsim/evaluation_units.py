"""The paired evaluation as units of the executor seam (engine.runtime.executor).

A unit is one method x scheme x block of ``batch`` consecutive starts of the drawn list
(a Table 5 unit also carries its horizon). Its simulator and policy generators are seeded by
``unit_seed(seed, scheme, the block's start ids)``: the same for every method (the cells
stay paired: common random numbers), and independent of the worker, the number of workers
and the order units finish in. What every unit needs (the chosen start rows, the evaluator's
outcome models, the fitted BC offense, the loaded planner) travels once as the job's shared
object. A cell is its blocks merged in order: the same arrays, shots and scores whichever
executor ran them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.runtime import resolve_device, seed_everything, unit_seed
from engine.runtime.executor import Unit
from envs.evaluation.paired import CellRun, run_cell

SHOT_COLUMNS = ("row", "distance_ft", "is_three", "made", "fouled", "p_make", "defender_ft", "x", "y")


@dataclass
class EvalShared:
    """The shared object of an evaluation job (sent to each node once)."""

    starts: dict            # table name -> StartStates of the drawn rows, in drawn order
    ids: dict               # table name -> start ids ('game/period/poss') of those rows
    models_eval: object     # engine.outcomes.models.OutcomeModels (the evaluator)
    sim_cfg: object
    seed: int
    max_steps: int
    playbest: dict
    defense: dict | None    # the ``defense`` group (name + parameters) or None
    device: str
    bc_fit: object = None   # offline_rl.bc FittedOffense when ``bc`` is evaluated
    planner: object = None  # planners.Planner when a PlayBest method is evaluated
    agents: dict = field(default_factory=dict)   # offline agent id -> loaded agent (hoopsim offline-eval's agents=)
    temperature: float = 1.0   # softmax temperature of the offline agents' sampled play
    threads: int | None = None  # torch threads of a unit (hoopsim.jobs.unit_threads; None: as is)


def cell_units(spec, n_rows: int, batch: int, table: str, n_keep: int) -> list[Unit]:
    """Units of the cells ``spec`` [(method, defense, horizon)] over ``n_rows`` starts of
    start table ``table``; block 0 keeps ``n_keep`` trajectories (for the report)."""
    units = []
    for method, defense, horizon in spec:
        for b, lo in enumerate(range(0, n_rows, batch)):
            hi = min(lo + batch, n_rows)
            key = f"{table}/{method}/{defense}/h{horizon or 0}/b{b:05d}"
            units.append(Unit(key, (table, method, defense, horizon, lo, hi, n_keep if b == 0 else 0)))
    return units


def block_seed(seed: int, defense: str, ids: list[str]) -> int:
    """The seed of a block's simulator stream (its policy stream is this + 1)."""
    return unit_seed(seed, "evaluate", defense, list(ids))


def _policy(method: str, horizon, shared: EvalShared, device):
    from envs.offense import OFFENSES
    from hoopsim.evaluation import make_method_from

    if method in OFFENSES:
        return OFFENSES.make(method)
    return make_method_from(method, shared, device, horizon)


def _scheme(defense: str, shared: EvalShared):
    from envs.defense import DEFENSES

    if shared.defense and str(shared.defense.get("name")) == defense:
        options = {k: v for k, v in shared.defense.items() if k != "name"}
        return DEFENSES.make(defense, options)
    return DEFENSES.make(defense)


def play_unit(args, shared: EvalShared) -> dict:
    """Play one block of one cell (module docstring) -> its arrays, shots and scores."""
    from engine.outcomes.torch_eval import OutcomeTensors
    from envs.evaluation.bench import torch_threads

    table, method, defense, horizon, lo, hi, n_keep = args
    t0, c0 = time.perf_counter(), time.process_time()
    device = resolve_device(shared.device)
    seed = block_seed(shared.seed, defense, shared.ids[table][lo:hi])
    seed_everything(seed)                    # code we do not own draws from the globals
    outcomes_t = OutcomeTensors.from_models(shared.models_eval, device)
    start = shared.starts[table].to_sim(np.arange(lo, hi), device, outcomes_t, shared.sim_cfg)
    policy = _policy(method, horizon, shared, device)
    with torch_threads(shared.threads):      # float sums depend on the thread count
        run = run_cell(start, policy, _scheme(defense, shared), outcomes_t, shared.sim_cfg, seed,
                       hi - lo, shared.max_steps, keep_positions=n_keep)
    shots = {c: run.shots[c].to_numpy() for c in SHOT_COLUMNS}
    return {"points": run.points, "outcome": run.outcome, "length_s": run.length_s,
            "n_passes": run.n_passes, "shots": shots, "positions": list(run.positions),
            "scores": np.asarray(getattr(policy, "scores", []), float),
            "rows": hi - lo, "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


class Scores:
    """Stands for a cell's policy in the tables: its value-model scores, merged."""

    def __init__(self, scores: np.ndarray):
        self.scores = scores.tolist()


def merge_cell(parts: list[dict]) -> tuple[CellRun, Scores]:
    """A cell's blocks, in block order -> (CellRun as one run over all its rows, scores)."""
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ("points", "outcome", "length_s", "n_passes")}
    offsets = np.cumsum([0] + [p["rows"] for p in parts[:-1]])
    shots = pd.concat([pd.DataFrame(p["shots"]).assign(row=lambda d, o=o: d["row"] + o)
                       for p, o in zip(parts, offsets)], ignore_index=True)
    run = CellRun(cat["points"].astype(float), cat["outcome"], cat["length_s"], cat["n_passes"],
                  shots, [pos for p in parts for pos in p["positions"]])
    return run, Scores(np.concatenate([p["scores"] for p in parts]))


def merge_cells(units: list[Unit], results: list[dict]) -> dict:
    """{(table, method, defense, horizon): [block results in order]} of a job's units."""
    cells: dict = {}
    for unit, result in zip(units, results):
        table, method, defense, horizon = unit.args[:4]
        cells.setdefault((table, method, defense, horizon), []).append(result)
    return cells


def unit_timing(results: list[dict]) -> dict:
    """CPU and wall seconds per unit (timing, kept out of results.json)."""
    cpu = np.array([r["cpu_s"] for r in results], float)
    rows = np.array([r["rows"] for r in results], float)
    return {"units": len(results), "cpu_s_total": float(cpu.sum()),
            "cpu_s_per_unit": float(cpu.mean()) if len(cpu) else 0.0,
            "cpu_s_per_possession": float(cpu.sum() / max(rows.sum(), 1))}


def checkpoint_stamp(folder: Path | None) -> str | None:
    """Identity of a planner folder for the job's shard key."""
    from engine.runtime.cache import file_stamp

    if folder is None:
        return None
    meta = Path(folder) / "diffusion" / "checkpoint.json"
    meta = meta if meta.is_file() else Path(folder) / "checkpoint.json"
    return file_stamp(meta) if meta.is_file() else str(folder)
