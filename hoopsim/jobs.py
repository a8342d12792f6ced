"""The tasks' side of the executor seam (engine.runtime.executor): the ``executor`` and
``ray`` keys of a task's config as an ExecutorConfig, and where a job keeps its shards
(``<cache>/shards-<job>-<key>/``: a rerun of the same job with the same inputs and settings
finds its finished units there, whatever its ``out`` folder)."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.cache import cache_folder, cache_key
from engine.runtime.executor import ExecutorConfig, RayOptions
from engine.runtime.shards import ShardStore


def executor_config(cfg, workers: int = 1) -> ExecutorConfig:
    """A task config's ``executor`` (local | ray) and ``ray`` group; ``workers``: local
    processes. ``executor=ray`` without Ray installed fails here, before any work."""
    if cfg.executor == "ray":
        from engine.runtime.ray_executor import import_ray

        import_ray()
    ray = cfg.ray
    return ExecutorConfig(kind=cfg.executor, workers=workers,
                          ray=RayOptions(address=ray.address, num_cpus=float(ray.num_cpus),
                                         num_gpus=float(ray.num_gpus), max_retries=int(ray.max_retries)))


def job_store(job: str, root: Path, *parts) -> ShardStore:
    """The shard store of ``job`` keyed by ``parts`` (inputs and every setting that
    changes a unit's result) under the cache folder ``root``."""
    return ShardStore(cache_folder(f"shards-{job}", cache_key(*parts), root))
