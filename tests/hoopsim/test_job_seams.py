"""realism, planner-check and offline-eval's evaluation phase through the executor seam,
without Ray: a run whose units go through a stand-in remote executor (units in reverse
order, on another torch thread count, the shared object and every result pickled as if
sent to another process) is killed by a failing unit: it exits 2 naming the unit and keeps
the finished units as shards; its rerun computes only the missing unit and writes the same
bytes as the local run (timing fields aside)."""

from __future__ import annotations

import json
import pickle
import sys

import pytest

import engine.runtime.executor as executor_mod
from engine.runtime.units import Outcome
from hoopsim.cli import main

CUTOFF = "0029900003"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("seams")
    assert main(["synthesize", "games=3", "n_periods=1", "seconds_per_period=150",
                 f"out={root / 'corpus'}"]) == 0
    return root


class Remote:
    """A stand-in for a remote executor: units in reverse order, shared object and results
    through pickle, another torch thread count than the driver's (a Ray worker starts with
    its own); ``fail``: the key of a unit that raises; ``ran``: the keys it ran."""

    def __init__(self, fail: str | None = None):
        self.fail, self.ran = fail, []

    def __call__(self, fn, units, shared, cfg):
        import torch

        shared = pickle.loads(pickle.dumps(shared))
        before = torch.get_num_threads()
        for unit in reversed(list(units)):
            self.ran.append(unit.key)
            if unit.key == self.fail:
                yield Outcome(unit.key, error="RuntimeError: worker lost")
                continue
            torch.set_num_threads(1 if before > 1 else 2)
            try:
                out = executor_mod._call(fn, unit, shared)
            finally:
                torch.set_num_threads(before)
            yield pickle.loads(pickle.dumps(out))


def failure_lines(capsys) -> int:
    """Lines of stderr that name a failed unit (progress bars aside); each must say why."""
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "unit " in ln and "%|" not in ln]
    assert all("worker lost" in ln and "kept in" in ln for ln in lines), lines
    return len(lines)


def use(monkeypatch, backend) -> None:
    monkeypatch.setattr(executor_mod, "_backend", lambda cfg: backend)


def realism_args(root, out):
    corpus = root / "corpus"
    return ["realism", f"tracking={corpus / 'tracking'}", f"pbp={corpus / 'pbp'}", f"cutoff={CUTOFF}",
            f"out={out}", f"cache_dir={root / 'cache'}", "n_starts=12", "batch=4", "max_steps=12",
            "offense.steps=3", "offense.max_frames=1000", "offense.batch=128", "defense.steps=3",
            "defense.max_frames=1000", "workers=1", "device=cpu"]


def realism_bytes(out) -> tuple[str, str]:
    rep = json.loads((out / "realism.json").read_text())
    rep["meta"].pop("wall_s")
    return json.dumps(rep, sort_keys=True), (out / "realism.md").read_text()


@pytest.mark.slow
def test_realism_local_equals_remote_and_resumes(corpus, monkeypatch, capsys):
    root = corpus
    monkeypatch.setitem(sys.modules, "ray", None)       # the default path never imports Ray
    assert main(realism_args(root, root / "r_local")) == 0
    local = realism_bytes(root / "r_local")
    killed = Remote(fail="realism/b00001")
    use(monkeypatch, killed)
    capsys.readouterr()
    assert main(realism_args(root, root / "r_killed")) == 2
    assert failure_lines(capsys) == 1 and len(killed.ran) == 3
    assert not (root / "r_killed" / "realism.json").exists()
    rerun = Remote()
    use(monkeypatch, rerun)
    assert main(realism_args(root, root / "r_killed")) == 0
    assert rerun.ran == ["realism/b00001"]
    assert realism_bytes(root / "r_killed") == local


@pytest.fixture(scope="module")
def planner(corpus):
    from engine.possessions.api import load_possessions
    from engine.possessions.ingest import IngestConfig
    from engine.runtime.training import TrainConfig
    from hoopsim.planning import write_planning_extras
    from planners.diffusion import train
    from planners.windows import make_windows
    from tests.planners.helpers import tiny_config

    c = corpus / "corpus"
    ds, _ = load_possessions(str(c / "tracking"), str(c / "pbp"), IngestConfig(split_cutoff=CUTOFF, workers=1),
                             cache_dir=corpus / "cache")
    w = make_windows(ds, 6.0, reward="points").select_split("train")
    train(tiny_config(horizon=w.horizon, rate_hz=w.rate_hz), w, steps=3, batch=8, device="cpu",
          out_dir=corpus / "planner", progress=False, train_cfg=TrainConfig(lr=1e-3))
    write_planning_extras(corpus / "planner", w)
    return corpus / "planner"


def check_args(root, planner, out):
    c = root / "corpus"
    return ["planner-check", f"planner_checkpoint={planner}", f"tracking={c / 'tracking'}",
            f"pbp={c / 'pbp'}", f"cutoff={CUTOFF}", f"out={out}", "n_speed=10", "n_forecast=6",
            "n_samples=3", "batch=6", "workers=1", f"cache_dir={root / 'cache'}", "device=cpu"]


def gates_bytes(out) -> str:
    gates = json.loads((out / "gates.json").read_text())
    gates.pop("wall_s")
    return json.dumps(gates, sort_keys=True)


@pytest.mark.slow
def test_planner_check_local_equals_remote_and_resumes(corpus, planner, monkeypatch, capsys):
    root = corpus
    monkeypatch.setitem(sys.modules, "ray", None)       # the default path never imports Ray
    assert main(check_args(root, planner, root / "g_local")) == 0
    local = gates_bytes(root / "g_local")
    assert json.loads(local)["n_windows"] == 10 and json.loads(local)["n_forecast"] == 6
    killed = Remote(fail="forecast/b00001")
    use(monkeypatch, killed)
    capsys.readouterr()
    assert main(check_args(root, planner, root / "g_killed")) == 2
    assert failure_lines(capsys) == 1 and not (root / "g_killed" / "gates.json").exists()
    assert sorted(killed.ran) == ["forecast/b00000", "forecast/b00001", "forecast/b00002",
                                  "speed/b00000", "speed/b00001"]
    rerun = Remote()
    use(monkeypatch, rerun)
    assert main(check_args(root, planner, root / "g_killed")) == 0
    assert rerun.ran == ["forecast/b00001"] and gates_bytes(root / "g_killed") == local


@pytest.mark.slow
def test_offline_eval_online_play_local_equals_remote_and_resumes(corpus, monkeypatch):
    """Online rows of trained agents (majority, logistic) in blocks of 8 starts: the CLI's
    local run and a killed-then-resumed stand-in remote run give the same rows; so do the
    action copy and OPE rows through the stand-in remote."""
    import hoopsim.offline_units as units
    from engine.runtime.executor import UnitFailedError
    from hoopsim.cli import load_config
    from hoopsim.configs import to_config
    from hoopsim.offline import build, load_preset, online_rows
    from hoopsim.task_configs_learning import OfflineEvalTask
    from offline_rl.agents.load import load_agent

    c, out = corpus / "corpus", corpus / "oe"
    args = [f"tracking={c / 'tracking'}", f"pbp={c / 'pbp'}", f"cutoff={CUTOFF}", "preset=tiny",
            "methods=[majority,logistic]", "steps=5", f"out={out}", f"cache_dir={corpus / 'cache'}"]
    monkeypatch.setattr(units, "BLOCK", 8)
    monkeypatch.setitem(sys.modules, "ray", None)       # the default path never imports Ray
    assert main(["offline-eval", *args]) == 0
    cli_rows = json.loads((out / "results.json").read_text())["online"]
    cfg = to_config(OfflineEvalTask, load_config("offline-eval", args))
    preset = load_preset(cfg.preset, cfg)
    ds = build(cfg, preset)[0]
    agents = {m: load_agent(out / "agents" / m) for m in ("majority", "logistic")}
    dump = lambda rows: json.dumps(rows, sort_keys=True, default=float)
    killed = Remote(fail="online/logistic/man_to_man/h0/b00002")
    use(monkeypatch, killed)
    with pytest.raises(UnitFailedError, match="online/logistic/man_to_man/h0/b00002"):
        online_rows(cfg, ds, agents, preset, out)
    assert len(killed.ran) == 4 * 4 and len(cli_rows) == 4          # 4 methods x 4 blocks of 8
    rerun = Remote()
    use(monkeypatch, rerun)
    assert dump(online_rows(cfg, ds, agents, preset, out)) == dump(cli_rows)
    assert rerun.ran == ["online/logistic/man_to_man/h0/b00002"]
    # action copy and OPE, a unit per agent: the stand-in remote gives the CLI's rows
    from hoopsim.offline import behaviour
    from hoopsim.offline_units import copy_and_ope

    results = json.loads((out / "results.json").read_text())
    _, _, train, test = build(cfg, preset)
    mu, _ = behaviour(train, test, preset, cfg.seed)
    remote = Remote()
    use(monkeypatch, remote)
    res = copy_and_ope(cfg, preset, test, {k: [a] for k, a in agents.items()}, mu, out)
    assert sorted(remote.ran) == ["copy-ope/logistic", "copy-ope/majority"]
    assert dump([r["copy"] for r in res.values()]) == dump(results["action_copy"])
    assert dump([row for r in res.values() for row in r["ope"]]) == dump(results["ope"])


def test_soak_bad_names_are_one_line_and_exit_2(tmp_path, capsys):
    """(The soak task raised TypeError here: its config errors were built with one argument.)"""
    assert main(["soak", f"out={tmp_path / 'a'}", "possessions=8", "schemes=[nope]"]) == 2
    assert main(["soak", f"out={tmp_path / 'b'}", "possessions=8", "ppp_range=[1.4,0.6]"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("hoopsim: error:")]
    assert len(err) == 2 and "schemes=['nope']" in err[0] and "ppp_range=[1.4, 0.6]" in err[1]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_realism_blocks_merge_into_what_sim_measures_gives_for_all_parts():
    """merge_measures of the units == sim_measures of the same rollouts at once (every key:
    a measure sim_measures gains must be carried by the units too)."""
    import numpy as np
    import pandas as pd
    import torch

    from engine.runtime import seed_everything
    from envs.core import default_outcomes, default_sim_config
    from envs.defense import DEFENSES
    from envs.evaluation.realism import sim_measures
    from envs.offense import OFFENSES
    from envs.simulate import simulate
    from envs.starts import scenario_starts
    from hoopsim.realism_units import (
        RealismShared,
        block_seed,
        merge_measures,
        realism_units,
        rollout_unit,
    )

    starts = scenario_starts()
    starts = starts.subset(np.arange(len(starts)).repeat(2))
    ids = [f"start-{i}" for i in range(len(starts))]
    shared = RealismShared(starts, ids, OFFENSES.make("scripted"), DEFENSES.make("man_to_man"), 0, 30, "cpu", 1)
    units = realism_units(len(starts), 4)
    merged = merge_measures([rollout_unit(u.args, shared) for u in units])
    cpu, parts = torch.device("cpu"), []
    for u in units:
        lo, hi = u.args
        seed = block_seed(0, ids[lo:hi])
        seed_everything(seed)
        outcomes, sim_cfg = default_outcomes(cpu), default_sim_config()
        with torch.no_grad():
            parts.append(simulate(starts.to_sim(np.arange(lo, hi), cpu, outcomes, sim_cfg), shared.offense,
                                  shared.defense, outcomes, sim_cfg, torch.Generator().manual_seed(seed), 30))
    whole = sim_measures(parts)
    assert set(whole) <= set(merged) and len(units) == 3
    for key, value in whole.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(merged[key][list(value.columns)], value)
        else:
            np.testing.assert_array_equal(merged[key], value)


def test_ray_with_more_unit_threads_than_cpus_warns(caplog):
    """A one-CPU Ray task whose units run two torch threads oversubscribes the cores (the
    executor bench measured 0.34x on 2 workers that way): executor_config says so."""
    pytest.importorskip("ray")
    from types import SimpleNamespace

    from hoopsim.jobs import executor_config

    ray = SimpleNamespace(address=None, num_cpus=1, num_gpus=0, max_retries=1)
    with caplog.at_level("WARNING", logger="hoopsim.jobs"):
        executor_config(SimpleNamespace(executor="ray", ray=ray, threads=2))
    assert any("threads=1" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="hoopsim.jobs"):
        executor_config(SimpleNamespace(executor="ray", ray=ray, threads=1))
    assert not caplog.records
