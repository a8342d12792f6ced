"""hoopsim bench: the project's speed figures in one JSON and one table.

Each section calls the benchmark function its layer exposes (ingest:
engine.logs.bench_ingest; sim: envs.evaluation.bench; plan: hoopsim.planning.bench_plan over
planners.bench.bench_plan_latency and a paired PPP run; train:
planners.bench.bench_train_samples_per_s); every figure is the median of ``repeats`` runs
after a warm-up, with the baseline it is compared against measured in the same process.
``sections`` picks the sections (an unknown name fails, with every other bad value of the
config, when main converts it to hoopsim.task_configs.BenchTask, before the run folder exists);
bench.json is rewritten after each section. Writes ``<out>/bench.json``:

    {"machine": {"cpu", "cores", "ram_gb", "torch", "device", "git_rev"},
     "ingest": [{"format", "file_mb", "ours_s", "naive_s", "speedup", "peak_rss_mb",
                 "rss_over_file"}, ...],
     "sim": {"gym_steps_s", "gym_torch_steps_s", "vec": {"1", "256", "4096"},
             "vec_large": {"16384"}, "step_profile": {"batch", "ops": [...], ...},
             "decision_steps_s", "decision_torch_steps_s", "decision_vec": {"4096"}, "ratios",
             "load_avg_1min": {figure: load}, "threads", "load_avg_before", "load_avg_after"},
     "plan": {"paper_cfg_s", "fast_cfg_s", "speedup", "fastest", "fastest_s",
              "fastest_speedup", "latency", "ppp_paper", "ppp_fast", "ppp_diff_ci95", ...},
     "train": {"planner_samples_s", "batch", "horizon", "n_params", "device", "repeats"},
     "rl": {example: its learning.json (hoopsim.rl)}   (rl=true only)}
"""

from __future__ import annotations

import json
import logging
import os
import platform
from pathlib import Path

import torch

from engine.atomic import write_text_atomic
from engine.runtime import resolve_device
from engine.runtime.cache import default_cache_dir
from hoopsim.configs import to_config
from hoopsim.runs import git_rev, run_dir
from hoopsim.task_configs import BenchTask

log = logging.getLogger(__name__)
CONFIG = BenchTask


def machine(device: torch.device) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "ram_gb": round(ram, 1),
            "torch": torch.__version__, "device": str(device), "git_rev": git_rev()}


def bench_ingest_section(cfg: BenchTask) -> list[dict]:
    from engine.logs.bench_ingest import bench_ingest

    tmp = Path(cfg.ingest.tmpdir or default_cache_dir() / "bench-files")
    keep = ("format", "file_mb", "ours_s", "naive_s", "speedup", "peak_rss_mb", "rss_over_file")
    return [{k: r[k] for k in keep} for r in bench_ingest(tmp, repeats=cfg.repeats)]


def bench_sim_section(cfg: BenchTask, device: torch.device) -> dict:
    from envs.evaluation.bench import bench_env_steps

    return bench_env_steps(repeats=cfg.repeats, device=device)


def bench_plan_section(cfg: BenchTask, device: torch.device) -> dict:
    from hoopsim.planning import bench_plan

    return bench_plan(cfg.plan, repeats=cfg.repeats, device=device, seed=cfg.seed)


def bench_train_section(cfg: BenchTask, device: torch.device) -> dict:
    import statistics

    from planners.bench import bench_train_samples_per_s

    runs = [bench_train_samples_per_s(device=device, seed=i) for i in range(cfg.repeats)]
    return {"planner_samples_s": statistics.median(r["samples_per_s"] for r in runs),
            **{k: runs[0][k] for k in ("batch", "horizon", "n_params", "device")},
            "repeats": len(runs)}


RL_EXAMPLES = ("cleanrl_ppo_vector", "sb3_dqn_decision", "sb3_ppo_halfcourt", "supersuit_ppo_pettingzoo")


def bench_rl_section(out: Path, names: tuple[str, ...] = RL_EXAMPLES, args: tuple[str, ...] = ()) -> dict:
    """Every examples/ script at its full budget, one at a time (each a subprocess with
    its defaults: real training starts, 500 held-out possessions in its learning table)
    -> {script: its learning.json, or {"error": ...}}. ``args``: extra arguments for every
    script (tests pass a tiny budget)."""
    import subprocess
    import sys

    folder = Path(__file__).resolve().parents[2] / "examples"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: rl=true runs the examples/ scripts of a source checkout")
    res = {}
    for name in names:
        run = out / "rl" / name
        log.info("bench rl: %s (full budget) -> %s", name, run)
        proc = subprocess.run([sys.executable, str(folder / f"{name}.py"), "--out", str(run), *args],
                              cwd=folder.parent, capture_output=True, text=True)
        (run / "log.txt").parent.mkdir(parents=True, exist_ok=True)
        (run / "log.txt").write_text(proc.stdout + proc.stderr)
        table = run / "learning.json"
        if proc.returncode == 0 and table.exists():
            res[name] = json.loads(table.read_text())
        elif proc.returncode == 0:
            res[name] = {"error": "no learning table written"}
        else:
            last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            res[name] = {"error": f"exit {proc.returncode}: {last}"}
    return res


def bench_executor_section(cfg: BenchTask) -> dict:
    from hoopsim.bench_executor import bench_executor

    cache = default_cache_dir()
    return bench_executor(cfg.scaling.games, cfg.scaling.possessions, cfg.scaling.block, cache,
                          cache / "bench-executor")


def executor_lines(res: dict) -> list[str]:
    lines = []
    for job in ("ingest", "evaluate"):
        sc = res[job]["scaling"]
        for r in res[job]["runs"]:
            if "error" in r:
                lines.append(f"{job} {r['executor']}x{r['workers']}: {r['error']}")
                continue
            lines.append(f"{job} {r['executor']}x{r['workers']}: {r['units']} units in {r['units_s']:.1f} s "
                         f"(start {r['ray_import_s'] + r['ray_start_s']:.1f} s, merge {r['merge_s']:.1f} s), "
                         f"load {r['load_avg_1min']}, busy {100 * r['cpu_busy_share']:.0f}%, "
                         f"peak RSS driver {r['peak_driver_rss_mb']:.0f} MB / worker {r['peak_worker_rss_mb']:.0f} MB")
        if "speedup_2_over_1" in sc:
            lines.append(f"  {job}: 2 vs 1 Ray workers {sc['speedup_2_over_1']:.2f}x (efficiency "
                         f"{100 * sc['parallel_efficiency']:.0f}%), Ray adds <= {sc['ray_adds_s_max']:.1f} s "
                         f"(start-up + merge <= {sc['overhead_s_max']:.1f} s), "
                         f"identical outputs: {sc['identical_outputs']}")
    lines.append("league-scale plan (30 offenses x 6 schemes x 1,000 starts):")
    for row in res["league_plan"]:
        lines.append(f"  {row['job']}: {row['units']} units x {row['cpu_s_per_unit']} CPU-s = "
                     f"{row['cpu_hours']} CPU-h; wall " + ", ".join(
                         f"{w} workers {row[f'wall_h_{w}']} h" for w in (1, 8, 64, 512)))
    return lines


def table(res: dict) -> str:
    lines = [f"machine: {res['machine']['cpu']}, {res['machine']['cores']} cores, "
             f"torch {res['machine']['torch']}, {res['machine']['device']}", ""]
    for r in res.get("ingest", []):
        lines.append(f"ingest {r['format']:>8}: ours {r['ours_s']:.2f} s vs naive {r['naive_s']:.2f} s "
                     f"= {r['speedup']:.1f}x, peak {r['peak_rss_mb']:.0f} MB ({r['rss_over_file']:.2f}x json)")
    if "sim" in res:
        s = res["sim"]
        lines.append(f"sim: single gym env {s['gym_steps_s']:,.0f} steps/s"
                     + (f" (torch path {s['gym_torch_steps_s']:,.0f})" if "gym_torch_steps_s" in s else "")
                     + "; vector " + ", ".join(f"b={k}: {v:,.0f}/s" for k, v in s["vec"].items())
                     + "".join(f", b={k}: {v:,.0f}/s" for k, v in s.get("vec_large", {}).items())
                     + f"; torch threads {s.get('threads')}, load avg {s.get('load_avg_before')}")
        if "decision_vec" in s:
            r = s.get("ratios", {})
            lines.append(f"  Decision-v0: single env {s['decision_steps_s']:,.0f} decisions/s"
                         + (f" (torch path {s['decision_torch_steps_s']:,.0f})" if "decision_torch_steps_s" in s else "")
                         + f" = {r.get('decision_over_gym', 0):.2f} x HalfCourt-v0 steps/s; batched "
                         + ", ".join(f"b={k}: {v:,.0f}/s ({r.get(f'decision_vec_over_vec.{k}', 0):.2f} x vector env)"
                                     for k, v in s["decision_vec"].items()))
        prof = s.get("step_profile")
        if prof:
            top = ", ".join(f"{o['op']} {100 * o['share']:.0f}%" for o in prof["ops"][:5])
            lines.append(f"  step profile b={prof['batch']}: {prof['ops_per_step']:.0f} ops/step; {top}")
    if "plan" in res:
        p = res["plan"]
        lines.append(f"plan (one decision): paper {p['paper_cfg_s']:.2f} s, fast {p['fast_cfg_s']:.3f} s "
                     f"= {p['speedup']:.1f}x; fastest ({p['fastest']}) {p['fastest_s']:.3f} s "
                     f"= {p['fastest_speedup']:.1f}x")
        if p.get("ppp_paper") is not None:
            lines.append(f"  PPP paper {p['ppp_paper']:.3f} vs fast {p['ppp_fast']:.3f} "
                         f"(n={p['ppp_n']}), fast - paper 95% CI {p['ppp_diff_ci95']}")
    if "train" in res:
        lines.append(f"train: planner {res['train']['planner_samples_s']:,.0f} samples/s")
    for name, t in res.get("rl", {}).items():
        if "rows" not in t:
            lines.append(f"rl {name}: {t.get('error')}")
            continue
        ppp = ", ".join(f"{r['policy']} {r['ppp']:.3f}" for r in t["rows"])
        tr = next((r for r in t["rows"] if r["policy"] == "trained"), {})
        d = tr.get("vs_random", {})
        lines.append(f"rl {name}: PPP {ppp}; trained - random {d.get('diff', float('nan')):+.3f} "
                     f"(95% CI {d.get('ci95')})")


    if "executor" in res:
        lines += executor_lines(res["executor"])
    return "\n".join(lines)


def main(cfg) -> int:
    cfg = to_config(BenchTask, cfg)          # bad values fail before the run folder exists
    device = resolve_device(cfg.device)
    res: dict = {"machine": machine(device)}
    sections = {"ingest": lambda: bench_ingest_section(cfg),
                "sim": lambda: bench_sim_section(cfg, device),
                "plan": lambda: bench_plan_section(cfg, device),
                "train": lambda: bench_train_section(cfg, device),
                "executor": lambda: bench_executor_section(cfg)}
    out = run_dir("bench", cfg)
    sections["rl"] = lambda: bench_rl_section(out)
    for name in tuple(cfg.sections) + (("rl",) if cfg.rl else ()):
        log.info("bench section %s", name)
        res[name] = sections[name]()
        write_text_atomic(out / "bench.json", json.dumps(res, indent=2) + "\n")
    print(table(res))
    print(f"\nbench.json: {out / 'bench.json'}")
    return 0
