"""hoopsim export: a possession cache -> possessions.parquet and frames.parquet."""

from __future__ import annotations

from engine.errors import HoopsimDataError
from engine.possessions.dataset import load_cache
from engine.possessions.export import export_parquet
from hoopsim.runs import run_dir


def main(cfg) -> int:
    if cfg.format != "parquet":
        raise HoopsimDataError("format", str(cfg.format), "only format=parquet is supported")
    ds, _ = load_cache(str(cfg.cache))
    out = run_dir("export", cfg)
    paths = export_parquet(ds, out)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
