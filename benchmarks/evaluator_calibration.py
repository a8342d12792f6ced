"""Evaluator calibration (issue 10): the held-out evaluator's expected points on real held-out
possessions (envs.evaluation.paired.ground_truth: field goals at their make probability,
free throws as scored) beside their realised points, on the 500 starts that
`hoopsim evaluate data=real possessions=500` draws with seeds 0 and 1, and on every
held-out start. Usage: python benchmarks/evaluator_calibration.py (from the repo root)."""

import json

import numpy as np
import torch

torch.set_num_threads(1)
from pathlib import Path
from hoopsim.task_configs import DataConfig
from hoopsim.data import load_data, cache_root
from hoopsim.evaluation import evaluation_outcomes, start_ids
from envs.starts import StartStates
from envs.evaluation.paired import ground_truth
data=DataConfig(tracking='../shared/data/tracking_2hz', pbp='../shared/data/pbp', cutoff='0021500500')
cache=cache_root(None)
ds=load_data(data, cache, 1)
starts=StartStates.from_dataset(ds, split='test')
models=evaluation_outcomes(data,'0021500500',cache,1)
for seed,n in [(0,500),(1,500),(0,len(starts))]:
    idx=np.random.default_rng(seed).choice(len(starts), size=min(n,len(starts)), replace=False)
    g=ground_truth(ds.split('test'), start_ids(starts, idx), models)
    print(seed, n, json.dumps(g))
