"""Drift of the behaviour-cloned offense: open-loop vs closed-loop error by horizon, held out.

Loads the real games (``<data>/tracking_2hz`` + ``<data>/pbp``, possessions cached by
``engine.possessions.api.load_possessions``), fits (or loads from the cache) the BC offense
(:mod:`offline_rl.bc`) and the BC defense on games before ``--cutoff`` and measures on the
games at or after it, from each held-out possession's first set-up frame
(:class:`envs.starts.StartStates`).

- open loop: the offense's mean one-step displacement predicted from the *logged* state
  of every frame (teacher forcing, the holder's logged action), summed over ``h`` frames
  from the start frame: what the model would do if it never left the data;
- closed loop: the offense rolled in the simulator (:func:`envs.simulate.simulate`)
  against the BC defense or man-to-man, its own states fed back; mean movement
  (``move_noise`` 0) and sampled movement (the realism setting) separately;
- still: players stand at the start frame (the trivial baseline).

Error at horizon h (frames of 0.52 s): mean Euclidean distance (ft) between predicted and
logged positions of the five attackers at frame t0 + h, over possessions whose logged
frames t0..t0 + h are all tracked one interval apart and whose simulated possession is
still live at h (the same rows for every column). ``mid %``: share of attacker positions
between 3 ft from the rim and the three-point line (the drift the issue names) at h.

Shots, closed loop vs the logged continuation measured the same way (the shooter's body
position at the release frame of the 2 Hz tracking; logged: frames labelled SHOT whose
decision holder is an attacker): shares rim (< 3 ft, two) / paint (3-10 ft, two) / mid
(other two) / three, mean distance, shots per possession, time to the first shot and passes per possession (logged: the
whole possession's labelled passes, engine.possessions meta ``passes``; simulated: from the
start frame).

Usage: ``python benchmarks/bc_drift.py [--data ../shared/data] [--cache DIR] [--n 2000]
[--defense bc|man_to_man] [--set key=value ...]`` (``--set``: OffenseBCConfig fields).

Before (at 90b7fff: the BC offense as of issue 11's start, default OffenseBCConfig, BC defense,
``python benchmarks/bc_drift.py --n 2000``, 2,000 held-out starts):

| h | s | n | open loop ft | closed mean ft | closed sampled ft | still ft | mid % logged | mid % closed |
|---|---|---|---|---|---|---|---|---|
| 1 | 0.5 | 1976 | 2.00 | 1.45 | 1.97 | 5.03 | 27 | 28 |
| 2 | 1.0 | 1941 | 2.63 | 3.17 | 4.16 | 9.33 | 33 | 35 |
| 4 | 2.1 | 1852 | 3.75 | 6.97 | 8.90 | 15.68 | 43 | 52 |
| 8 | 4.2 | 1522 | 4.80 | 12.58 | 16.29 | 21.54 | 52 | 67 |
| 16 | 8.3 | 413 | 6.54 | 17.11 | 22.61 | 24.51 | 52 | 58 |

| shots | n | per poss | rim <3 | paint 3-10 | mid 10+ | three | mean ft | first shot median s |
|---|---|---|---|---|---|---|---|---|
| logged (tracking) | 1718 | 0.86 | 0.177 | 0.256 | 0.317 | 0.250 | 13.6 | 7.8 |
| closed loop sampled | 1876 | 0.94 | 0.036 | 0.370 | 0.510 | 0.085 | 12.7 | 6.8 |

Open loop the error grows slowly (6.5 ft at 8 s); closed loop it doubles by 2 s and
passes 12 ft at 4 s, and the attackers collect between the rim and the arc (67% of
positions at 4 s against 52% logged): the drift the issue names. The shots follow:
3.6% at the rim and 8.5% threes against 17.7% and 25.0% logged.

After (offline_rl.bc defaults of issue 11: the league's shot-selection table decides
shoot / not, ``shot_model=True``; same command):

| h | s | n | open loop ft | closed mean ft | closed sampled ft | still ft | mid % logged | mid % closed |
|---|---|---|---|---|---|---|---|---|
| 1 | 0.5 | 1976 | 2.00 | 1.45 | 1.97 | 5.03 | 27 | 28 |
| 2 | 1.0 | 1942 | 2.63 | 3.18 | 4.17 | 9.33 | 33 | 35 |
| 4 | 2.1 | 1859 | 3.73 | 6.99 | 8.93 | 15.67 | 43 | 52 |
| 8 | 4.2 | 1413 | 4.87 | 12.60 | 16.30 | 21.51 | 52 | 66 |
| 16 | 8.3 | 460 | 6.85 | 17.30 | 22.66 | 24.22 | 51 | 56 |

| shots | n | per poss | rim <3 | paint 3-10 | mid 10+ | three | mean ft | first shot s | passes |
|---|---|---|---|---|---|---|---|---|---|
| logged (tracking) | 1718 | 0.86 | 0.177 | 0.256 | 0.317 | 0.250 | 13.6 | 7.8 | 2.49 |
| closed loop, before | 1876 | 0.94 | 0.036 | 0.370 | 0.510 | 0.085 | 12.7 | 6.8 | 1.87 |
| closed loop, after | 1906 | 0.95 | 0.060 | 0.328 | 0.398 | 0.214 | 15.4 | 6.8 | 1.92 |

The shot table moves the shots (threes 8.5% -> 21.4%, mid 51% -> 40%); the movement
drift is unchanged. Tried and not adopted (closed loop, sampled, 2,000 starts, h = 8):
isotropic jitter ``jitter_ft=2`` 19.5 ft / mid 65% (with the spread learnt from the
jittered rows; 16.7 ft / 71% once they teach the mean only), ``jitter_ft=3 jitter_ftps=3
jitter_return_frames=2`` 14.6 ft / 74%, the model's own rollouts ``dad_rounds=1`` 14.1 ft
/ 77% (93% at 8 s; its open-loop error doubles): all pull the attackers further towards
the rim. ``move_noise`` 1.5 (a sampling knob) spreads them (mid 57%) and lifts threes to
30%, at the cost of 19.3 ft error and a player-speed KS of 0.09.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np
import torch

from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from engine.sim.step import OFF
from envs.core import default_outcomes, default_sim_config
from envs.defense import DEFENSES
from envs.defense.bc_cache import fit_or_load_defense
from envs.simulate import simulate
from envs.starts import StartStates
from offline_rl.bc import BCOffense, OffenseBCConfig, fit_or_load
from offline_rl.bc.features import (
    action_onehot,
    frame_index,
    gather_frames,
    impute_shot_clock,
    movement_features,
    three_spot,
)

HORIZONS = (1, 2, 4, 8, 16)
HOOP = np.array([88.75, 25.0])


def _parse_set(items: list[str]) -> dict:
    out = {}
    types = {f.name: f.type for f in dataclasses.fields(OffenseBCConfig)}
    for it in items:
        k, v = it.split("=", 1)
        if k not in types:
            raise SystemExit(f"--set {k}: not an OffenseBCConfig field ({sorted(types)})")
        t = {"int": int, "float": float, "bool": bool, "str": str}[str(types[k])]
        out[k] = t(v) if t is not bool else v.lower() in ("1", "true", "yes")
    return out


def logged_paths(ds, rows, t0, hmax: int, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(paths (b, hmax + 1, 5, 2) ft logged attacker positions from t0, ok (b, hmax + 1)
    bool: frames t0..t0 + h all tracked, one interval apart)."""
    a = ds.arrays
    T = a["positions"].shape[1]
    cols = np.minimum(t0[:, None] + np.arange(hmax + 1)[None], T - 1)
    pos = a["positions"][rows[:, None], cols][:, :, OFF, :2]
    good = a["frame_valid"][rows[:, None], cols] & a["valid"][rows[:, None], cols].all(-1)
    tt = a["time_s"][rows[:, None], cols]
    gap = np.concatenate([np.ones((len(rows), 1), bool),
                          np.abs(np.diff(tt, axis=1) - dt_s) < 0.3 * dt_s], 1)
    inside = (t0[:, None] + np.arange(hmax + 1)[None]) < T
    return pos, np.logical_and.accumulate(good & gap & inside, axis=1)


@torch.no_grad()
def open_loop(net, ds, rows, t0, hmax: int, dt_s: float, glitch: float) -> np.ndarray:
    """(b, hmax + 1, 5, 2) ft: start position plus the summed mean one-step displacements
    predicted from the logged frames t0 .. t0 + h - 1 (logged holder action)."""
    idx = frame_index(ds, dt_s, glitch)
    sc = impute_shot_clock(ds)
    T = ds.arrays["positions"].shape[1]
    out = [ds.arrays["positions"][rows, t0][:, OFF, :2].astype(np.float32)]
    for k in range(hmax):
        cols = np.minimum(t0 + k, T - 1)
        f = gather_frames(ds, rows, cols, dt_s, sc, idx["cls"], idx["holder"])
        mean, _ = net.move(movement_features(f, action_onehot(f.holder, f.action)))
        out.append(out[-1] + mean.numpy())
    return np.stack(out, 1)


def closed_loop(starts, idx, offense, defense, n_steps: int, seed: int) -> dict:
    """Simulator rollouts of starts ``idx`` -> the dict of :func:`envs.simulate.simulate`."""
    dev = torch.device("cpu")
    outcomes, cfg = default_outcomes(dev), default_sim_config()
    gen = torch.Generator().manual_seed(seed)
    return simulate(starts.to_sim(idx, dev, outcomes, cfg), offense, defense, outcomes, cfg,
                    gen, n_steps)


def _pad(x: np.ndarray, n: int) -> np.ndarray:
    """(b, T, ...) -> (b, n, ...): frames past T repeat the last one (every row had ended)."""
    return np.concatenate([x] + [x[:, -1:]] * max(n - x.shape[1], 0), 1)[:, :n]


def _err(pred: np.ndarray, logged: np.ndarray, live: np.ndarray, h: int) -> float:
    """Mean attacker position error (ft) at frame h over rows ``live``."""
    return float(np.linalg.norm(pred[live, h] - logged[live, h], axis=-1).mean())


def mid_share(xy: np.ndarray) -> float:
    """Share of positions (..., 2) between 3 ft of the rim and the three-point line."""
    d = np.linalg.norm(xy - HOOP, axis=-1)
    three = three_spot(torch.as_tensor(xy, dtype=torch.float32)).numpy()
    return float(((d >= 3.0) & ~three).mean()) if xy.size else float("nan")


def shot_table(dist: np.ndarray, is_three: np.ndarray) -> dict:
    two = ~is_three
    n = max(len(dist), 1)
    return {"n": len(dist), "rim": (two & (dist < 3)).sum() / n,
            "paint": (two & (dist >= 3) & (dist < 10)).sum() / n,
            "mid": (two & (dist >= 10)).sum() / n, "three": is_three.sum() / n,
            "mean_ft": float(dist.mean()) if len(dist) else float("nan")}


def logged_shots(ds, rows, t0, dt_s: float, glitch: float) -> tuple[dict, np.ndarray]:
    """Logged shots from the start frames on (shooter body at the labelled release frame):
    (shot_table, time to the first shot (s) of possessions with one)."""
    idx = frame_index(ds, dt_s, glitch)
    a = ds.arrays
    T = a["positions"].shape[1]
    after = np.arange(T)[None] >= t0[:, None]
    shot = (idx["cls"][rows] == 7) & after & (idx["holder"][rows] >= 1)
    r, c = np.nonzero(shot)
    xy = a["positions"][rows[r], c, idx["holder"][rows[r], c], :2]
    d = np.linalg.norm(xy - HOOP, axis=-1)
    three = three_spot(torch.as_tensor(xy, dtype=torch.float32)).numpy()
    first = shot.argmax(1)
    has = shot.any(1)
    tts = a["time_s"][rows, first] - a["time_s"][rows, t0]
    passes = float(ds.meta["passes"].to_numpy(float)[rows].mean())
    return {**shot_table(d, three), "per_poss": len(d) / len(rows), "passes": passes}, tts[has]


def sim_shots(res: dict) -> tuple[dict, np.ndarray]:
    d = res["shot_distance_ft"].numpy()
    three = res["shot_is_three"].numpy().astype(bool)
    n = res["outcome"].shape[0]
    tab = {**shot_table(d, three), "per_poss": len(d) / n,
           "passes": float(res["n_passes"].float().mean())}
    # time to first shot: the first frame whose ball mode is SHOT
    from engine.sim.step import BallMode
    bm = res["ball_mode"].numpy() == int(BallMode.SHOT)
    tts = bm.argmax(1)[bm.any(1)] * float(res["dt_s"])
    return tab, tts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--cache", default=None, help="hoopsim cache dir (default: the usual)")
    ap.add_argument("--cutoff", default="0021500500")
    ap.add_argument("--n", type=int, default=2000, help="held-out starts rolled out")
    ap.add_argument("--defense", default="bc", choices=("bc", "man_to_man"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", nargs="*", default=[], help="OffenseBCConfig field=value")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    torch.set_num_threads(1)
    t_start = time.time()
    data = Path(args.data)
    ds, _ = load_possessions(str(data / "tracking_2hz"), str(data / "pbp"),
                             IngestConfig(workers=1, split_cutoff=args.cutoff),
                             cache_dir=args.cache)
    train, test = ds.split("train"), ds.split("test")
    cfg = dataclasses.replace(OffenseBCConfig(seed=args.seed), **_parse_set(args.set))
    fit = fit_or_load(train, cfg, None, cache_dir=args.cache, progress=False)
    defense = (fit_or_load_defense(train, seed=args.seed, cache_dir=args.cache)
               if args.defense == "bc" else DEFENSES.make("man_to_man"))
    starts = StartStates.from_dataset(test)
    key = {(str(g), int(p), int(i)): r for r, (g, p, i) in enumerate(
        zip(test.meta["game_id"], test.meta["period"], test.meta["poss_index"]))}
    pick = np.random.default_rng(args.seed).permutation(len(starts))[:args.n]
    rows = np.array([key[(str(starts.game_id[i]), int(starts.period[i]), int(starts.poss_index[i]))]
                     for i in pick])
    t0 = starts.frame[pick].astype(np.int64)
    hmax = max(HORIZONS)
    logged, ok = logged_paths(test, rows, t0, hmax, cfg.dt_s)
    ol = open_loop(fit.net, test, rows, t0, hmax, cfg.dt_s, cfg.glitch_ftps)
    runs = {}
    for name, noise in (("closed_mean", 0.0), ("closed_sampled", cfg.move_noise)):
        pol = BCOffense(dataclasses.replace(fit, cfg=dataclasses.replace(fit.cfg, move_noise=noise)))
        runs[name] = closed_loop(starts, pick, pol, defense, hmax, args.seed)
    print(f"# BC offense drift, {len(pick)} held-out starts, defense={args.defense}, "
          f"config overrides {args.set or 'none'}")
    print("| h (frames) | s | n | open loop ft | closed mean ft | closed sampled ft | still ft "
          "| mid % logged | mid % closed sampled |")
    print("|---|---|---|---|---|---|---|---|---|")
    cl = {k: _pad(r["positions"][:, :, OFF, :2].numpy(), hmax + 1) for k, r in runs.items()}
    done = {k: _pad(r["done"].numpy(), hmax + 1) for k, r in runs.items()}
    for h in HORIZONS:
        live = ok[:, h].copy()
        for d in done.values():
            live &= ~d[:, h]
        still = logged[:, :1].repeat(hmax + 1, 1)
        e = [_err(p, logged, live, h) for p in (ol, cl["closed_mean"], cl["closed_sampled"], still)]
        print(f"| {h} | {h * cfg.dt_s:.1f} | {int(live.sum())} | {e[0]:.2f} | {e[1]:.2f} | "
              f"{e[2]:.2f} | {e[3]:.2f} | {100 * mid_share(logged[live, h]):.0f} | "
              f"{100 * mid_share(cl['closed_sampled'][live, h]):.0f} |")
    rows_tab = [("logged (tracking)",) + logged_shots(test, rows, t0, cfg.dt_s, cfg.glitch_ftps)]
    long = closed_loop(starts, pick, BCOffense(fit), defense, 120, args.seed + 1)
    rows_tab.append(("closed loop sampled",) + sim_shots(long))
    print("\n| shots | n | per poss | rim <3 | paint 3-10 | mid 10+ | three | mean ft "
          "| first shot median s | passes per poss |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, tab, tts in rows_tab:
        print(f"| {name} | {tab['n']} | {tab['per_poss']:.2f} | {tab['rim']:.3f} | "
              f"{tab['paint']:.3f} | {tab['mid']:.3f} | {tab['three']:.3f} | {tab['mean_ft']:.1f} "
              f"| {np.median(tts) if len(tts) else float('nan'):.1f} | {tab['passes']:.2f} |")
    print(f"\nwall {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
