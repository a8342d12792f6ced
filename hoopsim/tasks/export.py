"""hoopsim export: a possession cache -> possessions.parquet and frames.parquet."""

from __future__ import annotations

from engine.possessions.dataset import load_cache
from engine.possessions.export import export_parquet
from hoopsim.configs import to_config
from hoopsim.runs import run_dir
from hoopsim.task_configs import ExportTask

CONFIG = ExportTask


def main(cfg) -> int:
    cfg = to_config(ExportTask, cfg)     # format: parquet only
    ds, _ = load_cache(cfg.cache)
    out = run_dir("export", cfg)
    paths = export_parquet(ds, out)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
