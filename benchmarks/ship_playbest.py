"""Package a trained PlayBest denoiser as the shipped planner ``playbest-2hz`` (issue 10, s. 4).

From the long training folder (benchmarks/train_playbest.py) it:
  1. copies the diffusion checkpoint's EMA weights and checkpoint.json (no optimizer);
  2. trains the value network (return-to-go, gamma 0.97) on the training windows and
     measures its held-out R^2 and calibration per noise level (planners.value);
  3. fits outcome models on the TRAINING games only (what the planner may see) and
     writes planning.json: those models and the training windows' support;
  4. measures the gates on the held-out games (hoopsim planner-check's code: all
     held-out windows for speed and shots, a seeded 1,000-window forecast subset);
  5. writes card.json and CARD.md (data and its terms, split, gates, value report,
     training command and time).
Every step is skipped when its output exists (rerun the same command to resume).

    nohup nice -n 5 python benchmarks/ship_playbest.py > ~/.cache/hoopsim/ship.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

import torch

from engine.atomic import write_text_atomic
from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from engine.runtime.checkpoint import load_meta
from engine.runtime.training import TrainConfig

log = logging.getLogger("ship_playbest")
TERMS = ("NBA SportVU player tracking (STATS LLC) and NBA play-by-play of the 2015-16 season, "
         "first quarters as provided in ../shared/data; no licence: development and evaluation "
         "only, not for redistribution or commercial use")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train-folder", default="/root/.cache/hoopsim/playbest-2hz-train")
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "planners" / "checkpoints"
                                        / "playbest-2hz"))
    p.add_argument("--work", default="/root/.cache/hoopsim/playbest-2hz-ship")
    p.add_argument("--tracking", default="../shared/data/tracking_2hz")
    p.add_argument("--pbp", default="../shared/data/pbp")
    p.add_argument("--cutoff", default="0021500500")
    p.add_argument("--value-steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--n-forecast", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--refresh-diffusion", action="store_true",
                   help="copy the training folder's current weights again (new gates follow)")
    return p.parse_args(argv)


def copy_diffusion(src: Path, dst: Path, refresh: bool) -> dict:
    """The diffusion checkpoint's EMA weights (once; again with ``refresh``)."""
    if refresh or not (dst / "checkpoint.json").is_file():
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / "checkpoint.json", dst / "checkpoint.json")
        shutil.copy2(src / "ema.safetensors", dst / "ema.safetensors")
    return load_meta(dst, "planner-diffusion")


def value_network(args, out: Path, train_w, test_w, norm, mcfg) -> dict:
    from planners.value import ValueConfig, load_value, train_value, value_report

    work = Path(args.work)
    vcfg = ValueConfig(diffusion=mcfg.diffusion, reward=mcfg.reward)
    t0 = time.perf_counter()
    train_value(vcfg, train_w, norm, args.value_steps, args.batch, "cpu", work, progress=False,
                train_cfg=TrainConfig(lr=2e-4, seed=0, save_every=500, log_every=500))
    dst = out / "value"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(work / "value" / "checkpoint.json", dst / "checkpoint.json")
    shutil.copy2(work / "value" / "ema.safetensors", dst / "ema.safetensors")
    model, _, _, _ = load_value(dst, "cpu")
    with torch.no_grad():
        rep = value_report(model, norm, test_w, vcfg.gamma, mcfg.diffusion)
    rep["train_s"] = round(time.perf_counter() - t0, 1)
    rep["steps"] = args.value_steps
    return rep


def training_outcomes(args):
    """The outcome models the planner may see: fitted on the training games only. The
    package's default models are exactly that (engine/data/README.md: games < 0021500500);
    another cutoff refits them."""
    from engine.outcomes.models import default_models

    models = default_models()
    if models.cutoff == args.cutoff:
        return models
    from engine.outcomes.fit import fit_all
    from engine.outcomes.models import OutcomeConfig
    from engine.outcomes.tables import build_outcome_tables

    tables = build_outcome_tables(args.tracking, args.pbp, args.cutoff, None, 1)
    return fit_all(tables, OutcomeConfig(cutoff=args.cutoff))


def gates(args, out: Path) -> dict:
    from hoopsim.task_configs import PlannerCheckTask
    from hoopsim.tasks.planner_check import check

    cfg = PlannerCheckTask(planner_checkpoint=str(out), tracking=args.tracking, pbp=args.pbp,
                           cutoff=args.cutoff, n_speed=None, n_forecast=args.n_forecast, n_samples=20,
                           batch=400, device="cpu", cache_dir=None, workers=1, out=str(Path(args.work) / "check"),
                           name="ship", seed=0)
    return check(cfg)


def card_markdown(card: dict) -> str:
    """CARD.md: the card for people (card.json holds everything)."""
    g, t, v = card["gates"], card["targets"], card["value_network"]
    ok = lambda good: "met" if good else "MISSED"  # noqa: E731
    rows = [("player step speed KS", g["speed_ks"], f"<= {t['speed_ks']}", g["speed_ks"] <= t["speed_ks"]),
            ("speed p99 ratio", g["speed_p99_ratio"], "within 25%", abs(g["speed_p99_ratio"] - 1) <= 0.25),
            ("acceleration KS", g["accel_ks"], f"<= {t['accel_ks']}", g["accel_ks"] <= t["accel_ks"]),
            ("off-court share (> 2 ft)", g["offcourt_share"], f"<= {t['offcourt_share']} (real "
             f"{g['real_offcourt_share']:.4f})", g["offcourt_share"] <= t["offcourt_share"]),
            ("minADE20 (m)", g["minade20_m"], f"<= {t['minade20_m']} (CV {g['cv_minade_m']:.2f})",
             g["minade20_m"] <= t["minade20_m"]),
            ("minFDE20 (m)", g["minfde20_m"], f"<= {t['minfde20_m']} (CV {g['cv_minfde_m']:.2f})",
             g["minfde20_m"] <= t["minfde20_m"]),
            ("open-loop shot rate per decision", g["shot_rate"], f"within 0.01 of real {g['real_shot_rate']:.4f}",
             abs(g["shot_rate"] - g["real_shot_rate"]) <= 0.01),
            ("median shot distance (ft)", g["shot_distance_median_ft"],
             f"within 4 of real {g['real_shot_distance_median_ft']:.1f}",
             abs(g["shot_distance_median_ft"] - g["real_shot_distance_median_ft"]) <= 4)]
    lines = [f"# {card['name']}", "", f"Data: {card['data']}.", "",
             f"Split: train {card['split']['train']} ({card['split']['train_windows']} windows), held out "
             f"{card['split']['held_out']} ({card['split']['held_out_windows']} windows); "
             f"{card['horizon_frames']} frames at {card['rate_hz']} Hz.", "",
             f"Training: `{card['training']['command']}`, {card['training']['steps']} steps, "
             f"~{card['training']['wall_s_logged'] / 3600:.1f} h logged; packaged by "
             f"`{card['training']['ship_command']}`.", "",
             f"Gates on all {g['n_windows']} held-out windows (forecasts: {g['n_forecast']} windows x "
             f"{g['n_samples']} samples), raw DDIM-10 samples decoded with weight {g['decode_weight']}:", "",
             "| gate | value | target | |", "|---|---|---|---|"]
    lines += [f"| {n} | {val:.4g} | {tgt} | {ok(good)} |" for n, val, tgt, good in rows]
    p = g["positions_only"]
    lines += ["", f"Position channels alone (no decode): speed KS {p['speed_ks']:.3f}, acceleration KS "
                  f"{p['accel_ks']:.3f}, minADE20 {p['minade20_m']:.2f} m.", "",
              f"Value network: held-out R^2 {v['r2_clean']:.3f} on clean windows (gate {v['gate_r2']}: "
              f"{ok(v['passes'])}); {v['steps']} steps. Preferred method: `{card['preferred_method']}` "
              f"({card['preferred_because']}).", ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    from hoopsim.planning import write_planning_extras
    from planners.diffusion import PlannerModelConfig
    from planners.normalizer import Normalizer
    from planners.windows import make_windows

    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name in ("engine.logs", "engine.possessions"):
        logging.getLogger(name).setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    out, src = Path(args.out), Path(args.train_folder)
    progress = [json.loads(line) for line in (src / "progress.jsonl").read_text().splitlines()]
    meta = copy_diffusion(src / "diffusion", out / "diffusion", args.refresh_diffusion)
    mcfg = PlannerModelConfig.from_dict(meta["config"])
    norm = Normalizer.from_dict(meta["normalizer"])
    ds, _ = load_possessions(args.tracking, args.pbp, IngestConfig(workers=1, split_cutoff=args.cutoff))
    windows = make_windows(ds, mcfg.horizon / mcfg.rate_hz, reward=mcfg.reward)
    train_w, test_w = windows.select_split("train"), windows.select_split("test")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    step_file = work / "value_report.json"
    if not step_file.is_file():
        write_text_atomic(step_file, json.dumps(value_network(args, out, train_w, test_w, norm, mcfg),
                                                default=float) + "\n")
    value = json.loads(step_file.read_text())
    if not (out / "planning.json").is_file():
        write_planning_extras(out, train_w, training_outcomes(args))
    gate_file = work / f"gates-{meta['step']}.json"
    if not gate_file.is_file():
        write_text_atomic(gate_file, json.dumps(gates(args, out), default=float) + "\n")
    g = json.loads(gate_file.read_text())
    card = {"name": out.name, "data": TERMS, "rate_hz": mcfg.rate_hz, "horizon_frames": mcfg.horizon,
            "split": {"train": f"games < {args.cutoff}", "held_out": f"games >= {args.cutoff}",
                      "train_windows": len(train_w), "held_out_windows": len(test_w)},
            "training": {"command": "python benchmarks/train_playbest.py --steps 40000 --gate-every 2000 "
                                    "--threads 1", "steps": meta["step"],
                         "wall_s_logged": round(sum(2000 / max(r["steps_per_s"], 1e-9) for r in progress), 0),
                         "ship_command": "python benchmarks/ship_playbest.py"},
            "gates": g, "targets": {"speed_ks": 0.10, "speed_p99_ratio_within": 0.25, "accel_ks": 0.15,
                                    "offcourt_share": 0.005, "minade20_m": 1.2, "minfde20_m": 1.8},
            "value_network": {k: value[k] for k in ("r2_clean", "gate_r2", "passes", "n", "gamma", "steps")}
            | {"levels": value["levels"]},
            "preferred_method": "playbest_rank",
            "preferred_because": "ranks unguided candidates by expected points from the training-game "
                                 "outcome models, inside the training support, so plans stay inside "
                                 "the data; chosen by design, not yet by a comparison on the training "
                                 "split (README: the held-out evaluation measures, it does not choose)"}
    write_text_atomic(out / "card.json", json.dumps(card, indent=1, default=float) + "\n")
    write_text_atomic(out / "CARD.md", card_markdown(card))
    log.info("shipped %s: %s", out, json.dumps({k: g.get(k) for k in (
        "speed_ks", "accel_ks", "offcourt_share", "minade20_m", "minfde20_m", "shot_rate", "real_shot_rate")}))


if __name__ == "__main__":
    main()
