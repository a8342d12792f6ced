"""The tasks' side of the executor seam (engine.runtime.executor): the ``executor`` and
``ray`` keys of a task's config as an ExecutorConfig, and where a job keeps its shards
(``<cache>/shards-<job>-<key>/``: a rerun of the same job with the same inputs and settings
finds its finished units there, whatever its ``out`` folder)."""

from __future__ import annotations

import logging
from pathlib import Path

from engine.runtime.cache import cache_folder, cache_key
from engine.runtime.executor import ExecutorConfig, RayOptions
from engine.runtime.shards import ShardStore

log = logging.getLogger(__name__)


def executor_config(cfg, workers: int = 1) -> ExecutorConfig:
    """A task config's ``executor`` (local | ray) and ``ray`` group; ``workers``: local
    processes. ``executor=ray`` without Ray installed fails here, before any work."""
    if cfg.executor == "ray":
        from engine.runtime.ray_executor import import_ray

        import_ray()
        threads = unit_threads(getattr(cfg, "threads", None))
        if threads > float(cfg.ray.num_cpus):
            log.warning("units run with %d torch threads on ray.num_cpus=%s per task: oversubscribed "
                        "cores run slower; set threads=%d (the same on every executor)",
                        threads, cfg.ray.num_cpus, max(1, int(cfg.ray.num_cpus)))
    ray = cfg.ray
    return ExecutorConfig(kind=cfg.executor, workers=workers,
                          ray=RayOptions(address=ray.address, num_cpus=float(ray.num_cpus),
                                         num_gpus=float(ray.num_gpus), max_retries=int(ray.max_retries)))


def unit_threads(threads: int | None) -> int:
    """The torch threads every unit of a job runs with: ``threads``, or this process's
    count. Sent to the workers, so a unit's float sums (matmuls split across threads) are
    the same on every executor, whatever thread count a worker would start with."""
    import torch

    return int(threads) if threads else torch.get_num_threads()


def job_store(job: str, root: Path, *parts) -> ShardStore:
    """The shard store of ``job`` keyed by ``parts`` (inputs and every setting that
    changes a unit's result) under the cache folder ``root``."""
    return ShardStore(cache_folder(f"shards-{job}", cache_key(*parts), root))


def weights_digest(*objs) -> str:
    """Content digest of the torch tensors inside ``objs`` (modules' state dicts, tensors,
    dataclass fields, dicts, lists): the identity of fitted models in a job's shard key."""
    import dataclasses
    import hashlib

    import numpy as np
    import torch

    h = hashlib.blake2b(digest_size=16)

    def walk(x):
        if isinstance(x, torch.nn.Module):
            walk(x.state_dict())
        elif isinstance(x, torch.Tensor):
            h.update(str((x.dtype, tuple(x.shape))).encode())
            h.update(x.detach().cpu().contiguous().numpy().tobytes())
        elif isinstance(x, dict):
            for k in sorted(x, key=str):
                h.update(str(k).encode())
                walk(x[k])
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            walk({f.name: getattr(x, f.name) for f in dataclasses.fields(x)})
        elif isinstance(x, np.ndarray):
            h.update(str((x.dtype, x.shape)).encode() + np.ascontiguousarray(x).tobytes())
        elif x is None or isinstance(x, (bool, int, float, str, np.generic)):
            h.update(repr(x).encode())
        else:                        # an object we cannot read: its public attributes
            walk({k: v for k, v in sorted(vars(x).items()) if not k.startswith("_")}
                 if hasattr(x, "__dict__") else type(x).__name__)

    for obj in objs:
        walk(obj)
    return h.hexdigest()
