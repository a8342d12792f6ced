"""Train and evaluate the offline agents on one split (behind ``hoopsim train-offline``
and ``hoopsim offline-eval``; hoopsim/ adds the online play in the simulator).

Method ids (fixed): baselines ``majority``, ``base_rate``; supervised action copy
``logistic``, ``cnn1d``, ``lstm``, ``gru``, ``transformer``; d3rlpy ``d3_bc``, ``dqn``,
``double_dqn``, ``discrete_cql``, ``discrete_bcq``; ReLiable ``pomdp_dqn_lstm``,
``pomdp_dqn_transformer``; continuous movement through d3rlpy ``bcq``, ``cql``, ``iql``,
``td3_bc`` (online play only: decisions from the BC offense); offline policy gradient
``pg`` (stacked observations) and ``pomdp_pg_lstm`` (LSTM belief).

Agents live in ``<out>/agents/<method>`` (seed 0) and ``<out>/agents/<method>-s<seed>``,
their training checkpoints and d3rlpy logs in ``<out>/training/<same name>``;
a saved agent is loaded, not retrained (offline-eval never tunes: the preset's values
are fixed in hoopsim/conf/offline_rl/).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from engine.atomic import write_text_atomic
from offline_rl.agents.base import Agent, Budget, is_saved
from offline_rl.agents.load import load_agent
from offline_rl.agents.pomdp_dqn import PomdpDQNConfig
from offline_rl.mdp import SHOOT, OfflineMDP, windows
from offline_rl.metrics import action_copy

log = logging.getLogger(__name__)

PRIORS = ("majority", "base_rate")
SUPERVISED = ("logistic", "cnn1d", "lstm", "gru", "transformer")
D3 = ("d3_bc", "dqn", "double_dqn", "discrete_cql", "discrete_bcq")
POMDP = ("pomdp_dqn_lstm", "pomdp_dqn_transformer")
PG = ("pg", "pomdp_pg_lstm")
CONTINUOUS = ("bcq", "cql", "iql", "td3_bc")
DISCRETE = PRIORS + SUPERVISED + D3 + POMDP + PG
METHODS = DISCRETE + CONTINUOUS
NOT_BUILT: tuple[str, ...] = ()


@dataclass
class OfflinePreset:
    """One preset of hoopsim/conf/offline_rl/<name>.yaml (fields documented there)."""

    name: str = "tiny"
    methods: tuple[str, ...] = METHODS
    budget: Budget = field(default_factory=Budget)
    pomdp: PomdpDQNConfig = field(default_factory=PomdpDQNConfig)
    d3: dict = field(default_factory=dict)
    seeds: int = 1
    seeded_methods: tuple[str, ...] = ("pomdp_dqn_lstm", "pomdp_dqn_transformer", "dqn")
    train_games: int | None = None
    test_games: int | None = None
    temperature: float = 1.0
    behaviour_steps: int = 500
    fqe_steps: int = 500
    n_boot: int = 100
    online_possessions: int = 64
    online_defenses: tuple[str, ...] = ("man_to_man",)
    online_outcomes: str = "held_out"      # held_out: fitted on the games >= cutoff; default: shipped
    bc_steps: int | None = None            # None: the BC offense of the whole train split (cached)
    history: int = 16

    @classmethod
    def from_dict(cls, d: dict) -> OfflinePreset:
        known = {f.name for f in fields(cls)}
        if set(d) - known:
            raise ValueError(f"unknown preset keys {sorted(set(d) - known)}")
        d = dict(d)
        d["budget"] = Budget(**d.get("budget", {}))
        d["pomdp"] = PomdpDQNConfig(**d.get("pomdp", {}))
        for k in ("methods", "seeded_methods", "online_defenses"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)


def check_method(name: str) -> None:
    if name in NOT_BUILT:
        raise ValueError(f"method {name!r} is not built yet (the offline policy-gradient agents "
                         f"are missing); built: {', '.join(METHODS)}")
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")


def agent_folder(out: Path, method: str, seed: int) -> Path:
    return Path(out) / "agents" / (method if seed == 0 else f"{method}-s{seed}")


def train_agent(method: str, train: OfflineMDP, preset: OfflinePreset, seed: int, folder: Path,
                progress: bool = False) -> tuple[Agent, float, float]:
    """(agent, wall seconds, updates per second); a saved agent in ``folder`` is loaded
    (with the training time recorded next to it in ``train_time.json``)."""
    check_method(method)
    if is_saved(folder):
        timing = folder / "train_time.json"
        t = json.loads(timing.read_text()) if timing.exists() else {}
        ups = t.get("updates_per_s")
        return load_agent(folder), float(t.get("wall_s", 0.0)), float("nan") if ups is None else float(ups)
    t0 = time.perf_counter()
    work = training_folder(folder)
    before = _resumed_step(work)         # a resumed run counts only its own updates
    b = preset.budget
    if method in PRIORS:
        from offline_rl.agents.supervised import fit_prior

        agent, steps = fit_prior(method, train.action), 0
    elif method in SUPERVISED:
        from offline_rl.agents.supervised import fit_supervised

        x, m = windows(train, b.window)
        agent, steps = fit_supervised(method, x, m, train.action, b, seed, work, progress), b.steps
    elif method in PG:
        from offline_rl.agents import pg, pomdp_pg_lstm

        algo = pg if method == pg.METHOD else pomdp_pg_lstm
        agent, steps = algo.fit(train, b, seed, work, progress), b.steps
    elif method in CONTINUOUS:
        from offline_rl.agents.d3_continuous import fit_mover

        agent, steps = fit_mover(method, train, b, seed, work, preset.d3.get(method), progress), b.steps
    elif method in D3:
        from offline_rl.agents.d3 import fit_d3

        agent, steps = fit_d3(method, train, b, seed, work, preset.d3.get(method), progress), b.steps
    else:
        from offline_rl.agents import pomdp_dqn_lstm, pomdp_dqn_transformer

        algo = pomdp_dqn_lstm if method == pomdp_dqn_lstm.METHOD else pomdp_dqn_transformer
        agent, steps = algo.fit(train, b, preset.pomdp, seed, work, progress), b.steps
    wall = time.perf_counter() - t0
    ups = (steps - before) / wall if steps else float("nan")
    agent.save(folder)
    write_text_atomic(folder / "train_time.json", json.dumps(
        {"wall_s": wall, "updates_per_s": ups if np.isfinite(ups) else None, "steps": steps}) + "\n")
    return agent, wall, ups


def training_folder(folder: Path) -> Path:
    """Where an agent's resumable training checkpoints and d3rlpy's logs go:
    ``<out>/training/<name>`` next to ``<out>/agents/<name>`` (saving the agent replaces its
    folder whole, so they cannot live inside it)."""
    folder = Path(folder)
    return folder.parent.parent / "training" / folder.name


def _resumed_step(folder: Path) -> int:
    from engine.runtime.checkpoint import has_checkpoint, load_meta

    return int(load_meta(folder).get("step", 0)) if has_checkpoint(folder) else 0


def predictions(agent: Agent, x: np.ndarray, m: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores (n, 7), action-copy predictions (n,))."""
    s = agent.scores(x, m)
    return s, agent.predict(s, np.random.default_rng(seed))


def copy_row(method: str, test: OfflineMDP, s: np.ndarray, pred: np.ndarray, preset: OfflinePreset,
             agent: Agent, seed: int = 0) -> dict:
    p_shoot = agent.policy(s, 1.0)[:, SHOOT]
    return action_copy(method, test.action, pred, test.three, test.three_spot, p_shoot, test.game_id,
                       preset.n_boot, seed)


def seed_summary(rows: list[dict]) -> list[dict]:
    """Mean +- sd over seeds per method of the action-copy figures."""
    out = []
    for method in sorted({r["method"] for r in rows}):
        rs = [r for r in rows if r["method"] == method]
        entry = {"method": method, "seeds": len(rs)}
        for k in ("three_point_f1", "micro_f1", "macro_f1"):
            v = np.array([r[k] for r in rs])
            entry[k] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else 0.0}
        out.append(entry)
    return out
