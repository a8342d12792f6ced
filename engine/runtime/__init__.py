"""Run plumbing every learned model and job shares: device and seed, the code revision,
one checkpoint format (``checkpoint``), one training loop with EMA and resume
(``training``), one cache helper (``cache``)."""

from engine.runtime.cache import cache_folder, cache_key, default_cache_dir, file_stamp
from engine.runtime.checkpoint import has_checkpoint, load_meta, load_tensors, save_checkpoint
from engine.runtime.device import code_revision, resolve_device, seed_everything, torch_generator
from engine.runtime.training import Ema, TrainConfig, TrainResult, run_training, seeded_init

__all__ = ["Ema", "TrainConfig", "TrainResult", "cache_folder", "cache_key", "code_revision",
           "default_cache_dir", "file_stamp", "has_checkpoint", "load_meta", "load_tensors",
           "resolve_device", "run_training", "save_checkpoint", "seed_everything", "seeded_init",
           "torch_generator"]
