"""hoopsim synthesize: play the synthetic corpus in the simulator and write it as
real-format logs (tracking/*.json.gz, pbp/*.csv.gz)."""

from __future__ import annotations

from envs.synthetic.corpus import write_corpus
from hoopsim.configs import to_config
from hoopsim.data import synthetic_config
from hoopsim.runs import run_dir
from hoopsim.task_configs import SynthesizeTask

CONFIG = SynthesizeTask


def main(cfg) -> int:
    cfg = to_config(SynthesizeTask, cfg)
    scfg = synthetic_config(cfg)          # bad values fail before the run folder exists
    out = run_dir("synthesize", cfg)
    ids = write_corpus(out, scfg)
    print(f"wrote {len(ids)} games to {out}/tracking and {out}/pbp")
    return 0
