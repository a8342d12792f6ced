"""Long, resumable training of the PlayBest x0 denoiser on the real 2 Hz windows, with
held-out gates logged as it goes (issue 10, section 1).

Trains the 1 M-parameter width (32-64-128) on the training games (before the split
cutoff) in chunks of ``--gate-every`` steps; after each chunk it measures the gates
(planners.gates, raw DDIM-10 samples) on a small seeded subset of held-out windows
(games at or after the cutoff) with the EMA weights and appends one JSON line to
``<folder>/progress.jsonl``. Re-running the same command resumes from the folder's
checkpoint after any interruption.

    nohup python benchmarks/train_playbest.py --folder /root/.cache/hoopsim/playbest-2hz-train \\
        --steps 40000 > /root/.cache/hoopsim/playbest-2hz-train.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import torch

from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from engine.runtime.training import TrainConfig
from planners.diffusion import PlannerModelConfig, load_diffusion, train
from planners.gates import measure_gates
from planners.schedule import DiffusionConfig
from planners.unet import UNetConfig, n_params
from planners.windows import make_windows

log = logging.getLogger("train_playbest")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracking", default="../shared/data/tracking_2hz")
    p.add_argument("--pbp", default="../shared/data/pbp")
    p.add_argument("--cutoff", default="0021500500", help="first held-out game id")
    p.add_argument("--folder", default="/root/.cache/hoopsim/playbest-2hz-train")
    p.add_argument("--steps", type=int, default=40000)
    p.add_argument("--gate-every", type=int, default=2000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--widths", default="32,64,128")
    p.add_argument("--horizon-s", type=float, default=12.0)
    p.add_argument("--reward", default="reward")
    p.add_argument("--sigma-data", type=float, default=DiffusionConfig.sigma_data)
    p.add_argument("--loss-weight", default=DiffusionConfig.loss_weight, choices=("edm", "none"))
    p.add_argument("--n-speed", type=int, default=256)
    p.add_argument("--n-forecast", type=int, default=100)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("engine.logs").setLevel(logging.ERROR)
    logging.getLogger("engine.possessions").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    ds, _ = load_possessions(args.tracking, args.pbp,
                             IngestConfig(workers=1, split_cutoff=args.cutoff), progress=False)
    windows = make_windows(ds, args.horizon_s, reward=args.reward)
    train_w, test_w = windows.select_split("train"), windows.select_split("test")
    cfg = PlannerModelConfig(unet=UNetConfig(widths=tuple(int(w) for w in args.widths.split(","))),
                             diffusion=DiffusionConfig(sigma_data=args.sigma_data,
                                                       loss_weight=args.loss_weight), horizon=windows.horizon,
                             rate_hz=windows.rate_hz, reward=args.reward)
    tcfg = TrainConfig(lr=args.lr, seed=args.seed, save_every=500, log_every=500)
    log.info("%d train / %d held-out windows, h=%d", len(train_w), len(test_w), windows.horizon)
    meta = folder / "diffusion" / "checkpoint.json"
    step = json.loads(meta.read_text())["step"] if meta.is_file() else 0
    while step < args.steps:
        target = min((step // args.gate_every + 1) * args.gate_every, args.steps)
        t0 = time.perf_counter()
        res = train(cfg, train_w, target, args.batch, args.device, folder, progress=False,
                    train_cfg=tcfg)
        dt = time.perf_counter() - t0
        n_run = len(res.losses)
        model, norm, _, _ = load_diffusion(folder, args.device)
        t1 = time.perf_counter()
        gates = measure_gates(model, norm, cfg.diffusion, test_w, args.n_speed, args.n_forecast,
                              seed=args.seed, device=args.device)
        row = {"step": res.step, "loss": sum(res.losses[-200:]) / max(len(res.losses[-200:]), 1),
               "steps_per_s": n_run / max(dt, 1e-9), "gate_s": time.perf_counter() - t1,
               "n_params": n_params(model), "time": time.strftime("%Y-%m-%d %H:%M:%S"), **gates}
        with open(folder / "progress.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        log.info("progress %s", json.dumps(row))
        step = res.step


if __name__ == "__main__":
    main()
