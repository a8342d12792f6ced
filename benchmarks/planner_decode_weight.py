"""Choose the sampler's decode weight (planners.windows.fuse_channels) on TRAINING windows:
raw DDIM-10 samples of a trained planner read with several weights; prints the gates of
each. Usage: python benchmarks/planner_decode_weight.py [planner folder] (run from the repo root)."""
import sys

import numpy as np, torch
torch.set_num_threads(1)
from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from planners.diffusion import load_diffusion
from planners.sampler import RAW
from dataclasses import replace
from planners.gates import raw_samples, _decoded, _reading
from planners.windows import make_windows
ds,_=load_possessions('../shared/data/tracking_2hz','../shared/data/pbp',IngestConfig(workers=1, split_cutoff="0021500500"))
w=make_windows(ds,12.0,reward='reward').select_split('train')
model,norm,cfg,_=load_diffusion(sys.argv[1] if len(sys.argv) > 1 else '/root/.cache/hoopsim/playbest-2hz-train','cpu')
rng=np.random.default_rng(1); gen=torch.Generator().manual_seed(1)
real=w.windows[np.sort(rng.choice(len(w),256,replace=False))]
truth=w.windows[np.sort(rng.choice(len(w),60,replace=False))]
U=replace(RAW,decode_weight=0.0)
with torch.no_grad():
    fake=raw_samples(model,norm,cfg.diffusion,real,2,1,gen,U,400,'cpu')[:,0]
    fc=raw_samples(model,norm,cfg.diffusion,truth,4,20,gen,U,400,'cpu')
for wt in [0,0.5,1,2,3,4,8]:
    r=_reading(_decoded(fake,2,wt),real,_decoded(fc,4,wt),truth,w.rate_hz,1,4,8)
    print(wt, {k:round(v,3) for k,v in r.items() if 'scene' not in k}, flush=True)
