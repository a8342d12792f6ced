"""hoopsim synthesize: play the synthetic corpus in the simulator and write it as
real-format logs (tracking/*.json.gz, pbp/*.csv.gz)."""

from __future__ import annotations

from envs.synthetic import SyntheticConfig
from envs.synthetic.corpus import write_corpus
from hoopsim.runs import run_dir


def synthetic_config(cfg) -> SyntheticConfig:
    """The task config (``games`` / ``n_games``, n_periods, seconds_per_period, seed,
    offenses, defenses) as a SyntheticConfig."""
    default = SyntheticConfig()
    return SyntheticConfig(n_games=int(cfg.get("n_games") or cfg.games), n_periods=int(cfg.n_periods),
                           seconds_per_period=float(cfg.seconds_per_period), seed=int(cfg.seed),
                           offenses=tuple(cfg.get("offenses") or default.offenses),
                           defenses=tuple(cfg.get("defenses") or default.defenses))


def main(cfg) -> int:
    out = run_dir("synthesize", cfg)
    ids = write_corpus(out, synthetic_config(cfg))
    print(f"wrote {len(ids)} games to {out}/tracking and {out}/pbp")
    return 0
