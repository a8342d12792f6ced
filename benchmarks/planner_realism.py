"""Realism of what PlayBest generates, on held-out real possessions (games >= cutoff).

1. Forecasting: condition unguided samples on 4 observed frames (2 s at 1.92 Hz) of a
   held-out window and compare the next 8 frames (4.2 s) of the 10 players (not the
   ball) with what happened, in metres: minADE20 / minFDE20 per player (each player's
   best of the 20 samples) and for the whole scene (the best sample for all ten at once).
2. Player speeds of planned frames vs real frames at the same rate (KS statistic) and the
   share of planned player positions off the court vs real.

Usage: python benchmarks/planner_realism.py --planner runs/planner --cache <possession cache>
       [--windows 200] [--samples 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from scipy.stats import ks_2samp

from engine.possessions.dataset import load_cache
from planners.planner import load_planner
from planners.sampler import FAST, SamplerConfig, sample
from planners.windows import make_windows, windows_to_positions

FT_TO_M = 0.3048
OBS, FUT = 4, 8


def speeds(pos: np.ndarray, rate_hz: float) -> np.ndarray:
    """(n, h, 11, 3) -> player step speeds ft/s, flattened."""
    step = np.linalg.norm(np.diff(pos[:, :, 1:, :2], axis=1), axis=-1)
    return (step * rate_hz).reshape(-1)


def off_court(pos: np.ndarray) -> float:
    xy = pos[:, :, 1:, :2]
    return float(((xy[..., 0] < 0) | (xy[..., 0] > 94) | (xy[..., 1] < 0) | (xy[..., 1] > 50)).mean())


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--planner", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--windows", type=int, default=200)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    planner = load_planner(args.planner, "cpu")
    ds, _ = load_cache(args.cache)
    w = make_windows(ds.split("test"), planner.cfg.horizon / planner.cfg.rate_hz)
    full = np.flatnonzero(w.mask[:, : OBS + FUT].all(axis=1))
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(full, size=min(args.windows, full.size), replace=False)
    real = torch.as_tensor(w.windows[pick], dtype=torch.float32)                  # (g, h, c)
    cond = {t: real[:, t] for t in range(OBS)}
    cfg = SamplerConfig(**{**FAST.__dict__, "scale": 0.0})
    gen = torch.Generator().manual_seed(args.seed)
    res = sample(planner.model, planner.normalizer, planner.cfg.diffusion, len(pick) * args.samples,
                 planner.cfg.horizon, cond, gen, guide=None, cfg=cfg, rate_hz=planner.cfg.rate_hz)
    plans = windows_to_positions(res.plans).view(len(pick), args.samples, planner.cfg.horizon, 11, 3)
    truth = windows_to_positions(real)[:, None]                                     # (g, 1, h, 11, 3)
    fut = slice(OBS, OBS + FUT)
    err = (plans[:, :, fut, 1:, :2] - truth[:, :, fut, 1:, :2]).norm(dim=-1) * FT_TO_M  # (g, s, 8, 10)
    ade, fde = err.mean(dim=2), err[:, :, -1]                                       # (g, s, 10)
    out = {"windows": len(pick), "samples": args.samples, "rate_hz": planner.cfg.rate_hz,
           "minADE20_player_m": float(ade.min(dim=1).values.mean()),
           "minFDE20_player_m": float(fde.min(dim=1).values.mean()),
           "minADE20_scene_m": float(ade.mean(dim=2).min(dim=1).values.mean()),
           "minFDE20_scene_m": float(fde.mean(dim=2).min(dim=1).values.mean())}
    span = slice(OBS - 1, OBS + FUT)            # the forecast frames and the last observed one
    gen_pos = plans[:, :, span].reshape(-1, FUT + 1, 11, 3).numpy()
    real_pos = windows_to_positions(torch.as_tensor(w.windows[full[:2000], span])).numpy()
    ks = ks_2samp(speeds(gen_pos, planner.cfg.rate_hz), speeds(real_pos, planner.cfg.rate_hz))
    out.update({"speed_ks": float(ks.statistic),
                "speed_median_planned_ftps": float(np.median(speeds(gen_pos, planner.cfg.rate_hz))),
                "speed_median_real_ftps": float(np.median(speeds(real_pos, planner.cfg.rate_hz))),
                "off_court_planned": off_court(gen_pos), "off_court_real": off_court(real_pos)})
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
