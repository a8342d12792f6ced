"""Wiring of ``hoopsim train-offline`` and ``hoopsim offline-eval``: the possessions of the
configured logs, the offline MDP (offline_rl.mdp), the agents (offline_rl.pipeline),
action copy and off-policy evaluation on the held-out games (>= cutoff), and online play
in the simulator (every discrete agent decides, the behaviour-cloned offense moves,
paired against ``bc`` and ``scripted`` on the same held-out starts, outcomes from the
models fitted on the held-out games). Writes ``<out>/results.json`` and ``results.md``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import yaml

from engine.atomic import write_text_atomic
from engine.errors import HoopsimConfigError
from hoopsim.data import cache_root, load_data

log = logging.getLogger(__name__)
PRESET_DIR = Path(__file__).parent / "conf" / "offline_rl"


def load_preset(name: str, cfg=None):
    """The preset ``name`` of hoopsim/conf/offline_rl/, with the task's ``steps``,
    ``methods`` and ``seeds`` overrides (when not null) applied."""
    import dataclasses

    from offline_rl.pipeline import OfflinePreset, check_method

    path = PRESET_DIR / f"{name}.yaml"
    if not path.exists():
        names = sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))
        raise HoopsimConfigError("preset", name, f"no such preset; choose one of {', '.join(names)}")
    try:
        preset = OfflinePreset.from_dict(yaml.safe_load(path.read_text()))
    except (TypeError, ValueError) as exc:
        raise HoopsimConfigError(str(path), "preset", str(exc)) from None
    if cfg is not None and cfg.steps:
        preset.budget = dataclasses.replace(preset.budget, steps=int(cfg.steps))
        preset.name += f" (steps={cfg.steps})"
    if cfg is not None and cfg.methods:
        for m in cfg.methods:
            try:
                check_method(m)
            except ValueError as exc:
                raise HoopsimConfigError("methods", m, str(exc)) from None
        preset.methods = tuple(cfg.methods)
    if cfg is not None and cfg.seeds:
        preset.seeds = int(cfg.seeds)
    return preset


def data_config(cfg):
    from hoopsim.offline_units import data_config as config

    return config(cfg)


def limit_games(ds, cutoff: str, train_games: int | None, test_games: int | None):
    """The latest ``train_games`` games before the cutoff and the first ``test_games`` at
    or after it (None: all); chronological by game id."""
    ids = ds.meta["game_id"].astype(str)
    train = sorted(ids[ids < cutoff].unique())
    test = sorted(ids[ids >= cutoff].unique())
    keep = set(train[-train_games:] if train_games else train) | set(test[:test_games] if test_games else test)
    return ds.subset(ids.isin(keep).to_numpy())


def build(cfg, preset):
    """(possessions, MDP with the points reward, train MDP with the training reward)."""
    from offline_rl.mdp import build_mdp, possession_rewards

    data = data_config(cfg)
    ds = load_data(data, cache_root(cfg.cache_dir), cfg.workers)
    ds = limit_games(ds, cfg.cutoff, preset.train_games, preset.test_games)
    mdp = build_mdp(ds, cfg.cutoff, "points")
    if not len(mdp.split()[0]) or not len(mdp.split()[1]):
        raise HoopsimConfigError("cutoff", cfg.cutoff, "no decision point on one side of the cutoff")
    train, test = mdp.split()
    if cfg.reward != "points":
        r = possession_rewards(ds, cfg.reward)
        last = np.r_[train.episode[1:] != train.episode[:-1], True]
        train.reward = np.where(last, r[train.episode], 0.0).astype(np.float32)
        train.reward_name = cfg.reward
    return ds, mdp, train, test


def behaviour(train, test, preset, seed: int):
    """Calibrated behaviour classifier: an MLP on stacked observations trained on the
    train games but the latest 15%, its temperature fitted on those. Returns (mu on the
    test decision points (n, 7), calibration record)."""
    from offline_rl.agents.supervised import fit_supervised
    from offline_rl.mdp import windows
    from offline_rl.ope import calibration, temperature_scale

    games = np.unique(train.game_id)
    hold = train.game_id >= games[int(0.85 * len(games))]
    fit, cal = train.subset(~hold), train.subset(hold)
    b = preset.budget
    x, m = windows(fit, b.stack)
    agent = fit_supervised("mlp", x, m, fit.action, type(b)(**{**b.__dict__, "steps": preset.behaviour_steps,
                                                                "window": b.stack}), seed, None)
    xc, mc = windows(cal, b.stack)
    t = temperature_scale(agent.scores(xc, mc), cal.action)
    xt, mt = windows(test, b.stack)
    s = agent.scores(xt, mt)
    mu = agent.policy(s, t)
    return mu, {"model": "mlp on stacked observations", "temperature": t,
                "test_before": calibration(agent.policy(s, 1.0), test.action),
                "test_after": calibration(mu, test.action), "fit_games": len(np.unique(fit.game_id)),
                "calibration_games": len(np.unique(cal.game_id))}


def online_rows(cfg, ds, agents: dict, preset, out: Path, executor=None) -> list[dict]:
    """Each agent, ``bc`` and ``scripted`` from the same held-out starts, per defense,
    through the executor seam (hoopsim.offline_units: a unit per method x defense x block)."""
    from envs.evaluation.paired import mean_ci95, paired
    from hoopsim.offline_units import play_online

    if preset.online_possessions <= 0:
        return []
    runs = play_online(cfg, ds, agents, preset, out, executor)
    rows = []
    for defense in preset.online_defenses:
        cells = {m: r for (m, d), r in runs.items() if d == defense}
        for method, run in cells.items():
            s = run.shots
            val = np.where(s["is_three"], 3.0, 2.0) if len(s) else np.zeros(0)
            fg_x = float((s["p_make"].to_numpy() * val).sum()) if len(s) else 0.0
            fg_real = float((s["made"].to_numpy() * val).sum()) if len(s) else 0.0
            m, lo, hi = mean_ci95(run.points)
            rows.append({"method": method, "defense": defense, "n": len(run.points),
                         "xppp": (fg_x + float(run.points.sum()) - fg_real) / len(run.points),
                         "ppp": m, "ci95": [lo, hi],
                         "decisions": _who(method, agents),
                         "vs_bc": paired(run.points, cells["bc"].points),
                         "vs_scripted": paired(run.points, cells["scripted"].points)})
    return rows


def _who(method: str, agents: dict) -> str:
    """Who decides and who moves in an online row."""
    from offline_rl.play import play_mode

    if method not in agents:
        return method
    mode = play_mode(agents[method])
    if mode == "continuous movement":
        return "decisions: bc offense's decision head; movement while held: the agent"
    return f"decisions: the agent ({mode}); movement: bc offense"


def markdown(results: dict) -> str:
    """Tables shaped like ReLiable's: action copy, OPE, online."""
    def f(x, d=3):
        return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{d}f}"

    def ci(c, d=3):
        return f"[{f(c[0], d)}, {f(c[1], d)}]" if c and c[0] is not None else "-"
    meta = results["meta"]
    lines = [f"# offline-eval ({meta['preset']} preset)", "",
             f"split: {json.dumps(meta['split'])}", "",
             "## Action copy (held-out games; 95% CI: bootstrap over games)", "",
             "| method | n | 3PT F1 | 95% CI | 3PT F1 (shots) | 3PT PR-AUC | micro F1 | 95% CI | macro F1 | 95% CI |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["action_copy"]:
        lines.append(f"| {r['method']} | {r['n']} | {f(r['three_point_f1'])} | {ci(r['three_point_f1_ci95'])} | "
                     f"{f(r['three_point_f1_shots'])} | {f(r['three_point_pr_auc'])} | {f(r['micro_f1'])} | "
                     f"{ci(r['micro_f1_ci95'])} | {f(r['macro_f1'])} | {ci(r['macro_f1_ci95'])} |")
    if results.get("seed_summary"):
        lines += ["", "## Seeds (mean +- sd)", "", "| method | seeds | macro F1 | micro F1 | 3PT F1 |", "|---|---|---|---|---|"]
        for r in results["seed_summary"]:
            lines.append(f"| {r['method']} | {r['seeds']} | " + " | ".join(
                f"{r[k]['mean']:.3f} +- {r[k]['sd']:.3f}" for k in ("macro_f1", "micro_f1", "three_point_f1")) + " |")
    actual = f(results["actual_points_per_100"], 1)
    lines += ["", f"## Off-policy evaluation (points per 100 possessions; actual: {actual})", "",
              "| method | estimator | points / 100 | 95% CI | ESS |", "|---|---|---|---|---|"]
    for r in results["ope"]:
        lines.append(f"| {r['method']} | {r['estimator']} | {f(r['points_per_100'], 1)} | {ci(r['ci95'], 1)} | {f(r['ess'], 1)} |")
    if results["online"]:
        lines += ["", "## Online play in the simulator (held-out starts; paired)", "",
                  "| method | defense | n | xPPP | PPP | 95% CI | - bc | - scripted |", "|---|---|---|---|---|---|---|---|"]
        for r in results["online"]:
            lines.append(f"| {r['method']} | {r['defense']} | {r['n']} | {f(r['xppp'])} | {f(r['ppp'])} | {ci(r['ci95'])} | "
                         f"{f(r['vs_bc']['diff'])} | {f(r['vs_scripted']['diff'])} |")
    lines += ["", "## Wall time per method (s)", "", "| method | train s | updates/s |", "|---|---|---|"]
    for m, w in meta["wall_s"].items():
        lines.append(f"| {m} | {f(w.get('train'), 1)} | {f(w.get('updates_per_s'), 1)} |")
    return "\n".join(lines) + "\n"


def write_results(out: Path, results: dict) -> None:
    write_text_atomic(out / "results.json", json.dumps(results, indent=1, default=_plain) + "\n")
    write_text_atomic(out / "results.md", markdown(results))


def _plain(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def now() -> float:
    return time.perf_counter()
