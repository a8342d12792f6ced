"""The one executor seam: a job is a list of keyed units whose results merge
deterministically; ``local`` runs them here (the default: this process, or a pool of
``workers`` processes; Ray is never imported), ``ray`` on a Ray instance or cluster
(engine.runtime.ray_executor, the optional extra ``hoopsim[ray]``).

A unit function is a module-level ``fn(args, shared) -> result``: ``args`` is the unit's own
plain value, ``shared`` what every unit needs (models, start tables, configs), sent to each
Ray node once as an object ref. A unit draws its random numbers only from streams seeded by
:func:`engine.runtime.device.unit_seed` (the run seed and the keys of what it simulates),
never from a worker, a shard count or arrival order, so every executor gives the same
results. Results come back in the units' order whatever order they finished in, each passed
through the shard codec (engine.runtime.shards), and are kept in a :class:`ShardStore` as
they finish: a rerun recomputes only the units without a shard. A unit that still fails
after its retries is named in one :class:`UnitFailedError` (exit code 2 in the CLI) after
every other unit has run and been kept.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from tqdm.auto import tqdm

from engine.errors import HoopsimDataError
from engine.runtime.shards import ShardStore, roundtrip
from engine.runtime.units import EXECUTORS, ExecutorConfig, Outcome, RayOptions, Unit, error_line

__all__ = ["EXECUTORS", "ExecutorConfig", "RayOptions", "Unit", "UnitFailedError", "run_units"]

log = logging.getLogger(__name__)

class UnitFailedError(HoopsimDataError):
    """A unit failed after its retries (the finished units are kept in the store)."""

    def __init__(self, unit: Unit, error: str, n_failed: int, n_done: int, n_total: int, store):
        kept = f"; {n_done} of {n_total} units finished" + (f" and kept in {store.folder}" if store else "")
        more = f" ({n_failed - 1} more units failed)" if n_failed > 1 else ""
        super().__init__(unit.source or "unit", f"unit {unit.key}", f"failed: {error}{more}{kept}")
        self.unit = unit


def run_units(fn: Callable, units: Sequence[Unit], shared=None, cfg: ExecutorConfig | None = None,
              store: ShardStore | None = None, desc: str = "units", progress: bool = True) -> list:
    """Results of ``fn(unit.args, shared)`` for every unit, in the units' order (module
    docstring). Units with a shard in ``store`` are read, not run; the rest run on
    ``cfg``'s executor and are stored as they finish."""
    cfg = cfg or ExecutorConfig()
    keys = [u.key for u in units]
    if len(set(keys)) != len(keys):
        raise ValueError("unit keys must be unique within a job")
    results: dict[str, object] = {}
    for unit in units:
        if store is not None and store.has(unit.key):
            try:
                results[unit.key] = store.load(unit.key)
            except ValueError as exc:
                log.warning("%s: recomputing", exc)
    pending = [u for u in units if u.key not in results]
    t0 = time.perf_counter()
    bar = tqdm(total=len(units), initial=len(results), desc=desc, unit="unit", disable=not progress)
    failed: list[tuple[Unit, str]] = []
    by_key = {u.key: u for u in pending}
    try:
        for out in _backend(cfg)(fn, pending, shared, cfg):
            if out.error is not None:
                failed.append((by_key[out.key], out.error))
                log.error("unit %s failed: %s", out.key, out.error)
            else:
                if store is not None:
                    store.save(out.key, out.result)
                results[out.key] = roundtrip(out.result)
            bar.update(1)
    finally:
        bar.close()
    if pending:
        log.info("%s: %d units run (%d read from shards) in %.1f s on executor=%s", desc,
                 len(pending), len(units) - len(pending), time.perf_counter() - t0, cfg.kind)
    if failed:
        unit, error = failed[0]
        raise UnitFailedError(unit, error, len(failed), len(results), len(units), store)
    return [results[k] for k in keys]


def _backend(cfg: ExecutorConfig):
    if cfg.kind == "ray":
        from engine.runtime.ray_executor import run_on_ray

        return run_on_ray
    return run_local if cfg.workers <= 1 else run_pool


def _call(fn, unit: Unit, shared) -> Outcome:
    try:
        return Outcome(unit.key, fn(unit.args, shared))
    except Exception as exc:            # noqa: BLE001 - reported as the unit's failure
        log.debug("unit %s:\n%s", unit.key, traceback.format_exc())
        return Outcome(unit.key, error=error_line(exc))


def run_local(fn, units: Sequence[Unit], shared, cfg: ExecutorConfig):
    """In this process, one unit after another (no retries: the same code would fail again)."""
    for unit in units:
        yield _call(fn, unit, shared)


_SHARED = None


def _init_pool(shared) -> None:
    global _SHARED
    _SHARED = shared


def _pool_call(fn, unit: Unit) -> Outcome:
    return _call(fn, unit, _SHARED)


def run_pool(fn, units: Sequence[Unit], shared, cfg: ExecutorConfig):
    """A pool of ``cfg.workers`` processes, ``shared`` sent to each once."""
    if not units:
        return
    with ProcessPoolExecutor(max_workers=cfg.workers, initializer=_init_pool,
                             initargs=(shared,)) as pool:
        futures = {pool.submit(_pool_call, fn, u): u for u in units}
        try:
            todo = set(futures)
            while todo:
                done, todo = wait(todo, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        yield fut.result()
                    except Exception as exc:    # noqa: BLE001 - a worker died
                        yield Outcome(futures[fut].key, error=error_line(exc))
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
