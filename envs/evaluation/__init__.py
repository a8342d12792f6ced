"""Measuring the simulator and what plays in it: paired evaluation of offenses against
defenses (``paired``), the realism comparison with held-out real games (``realism``),
play signatures of the scripted plays (``play_signatures``) and env throughput (``bench``)."""

from envs.evaluation.bench import bench_env_steps, gym_steps_per_s, vec_steps_per_s
from envs.evaluation.paired import CellRun, paired, run_cell, summarise
from envs.evaluation.play_signatures import SIGNATURES, signature_rates
from envs.evaluation.realism import METRIC_NAMES, RealismConfig, compare, markdown_table

__all__ = ["METRIC_NAMES", "SIGNATURES", "CellRun", "RealismConfig", "bench_env_steps", "compare",
           "gym_steps_per_s", "markdown_table", "paired", "run_cell", "signature_rates",
           "summarise", "vec_steps_per_s"]
