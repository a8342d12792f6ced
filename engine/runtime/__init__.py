"""Run plumbing every learned model and job shares: device and seed, the code revision,
one checkpoint format (``checkpoint``), one training loop with EMA and resume
(``training``), one cache helper (``cache``), the executor seam (``executor``: keyed
units on ``local`` or ``ray``) and its shard store (``shards``)."""

from engine.lazy import lazy_exports

_EXPORTS = {
    "cache_folder": "cache", "cache_key": "cache", "default_cache_dir": "cache",
    "file_stamp": "cache",
    "has_checkpoint": "checkpoint", "load_meta": "checkpoint", "load_tensors": "checkpoint",
    "save_checkpoint": "checkpoint",
    "code_revision": "device", "resolve_device": "device", "seed_everything": "device",
    "torch_generator": "device", "unit_seed": "device",
    "ExecutorConfig": "units", "RayOptions": "units", "Unit": "units",
    "UnitFailedError": "executor", "run_units": "executor",
    "ShardStore": "shards",
    "Ema": "training", "TrainConfig": "training", "TrainResult": "training",
    "run_training": "training", "seeded_init": "training",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
