"""hoopsim synthesize: write the synthetic corpus (tracking/*.json.gz, pbp/*.csv.gz)."""

from __future__ import annotations

from envs.synthetic import SyntheticConfig
from envs.synthetic_corpus import write_corpus
from hoopsim.cli import run_dir


def synthetic_config(cfg) -> SyntheticConfig:
    return SyntheticConfig(n_games=int(cfg.n_games), n_periods=int(cfg.n_periods),
                           seconds_per_period=float(cfg.get("seconds_per_period", 720.0)),
                           rate_hz=float(cfg.get("rate_hz") or 25.0), seed=int(cfg.seed))


def main(cfg) -> int:
    out = run_dir("synthesize", cfg)
    ids = write_corpus(out, synthetic_config(cfg))
    print(f"wrote {len(ids)} games to {out}/tracking and {out}/pbp")
    return 0
