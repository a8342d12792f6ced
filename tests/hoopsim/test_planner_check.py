"""hoopsim planner-check: the gates of a (tiny) trained planner on the held-out games
of the synthetic corpus, written to gates.json; bad input is one line and exit 2."""

from __future__ import annotations

import json

import pytest

from engine.possessions.api import load_possessions
from engine.possessions.ingest import IngestConfig
from engine.runtime.training import TrainConfig
from hoopsim.cli import main
from hoopsim.planning import write_planning_extras
from hoopsim.tasks.planner_check import GATE_KEYS

CUTOFF = "0029900002"


@pytest.fixture(scope="module")
def corpus_and_planner(tmp_path_factory):
    from envs.synthetic import SyntheticConfig
    from envs.synthetic.corpus import write_corpus
    from planners.diffusion import train
    from planners.windows import make_windows
    from tests.planners.helpers import tiny_config

    root = tmp_path_factory.mktemp("planner_check")
    write_corpus(root / "corpus", SyntheticConfig(n_games=2, n_periods=1, seconds_per_period=240))
    tracking, pbp = str(root / "corpus" / "tracking"), str(root / "corpus" / "pbp")
    ds, _ = load_possessions(tracking, pbp, IngestConfig(split_cutoff=CUTOFF, workers=1),
                             cache_dir=root / "cache")
    w = make_windows(ds, 6.0, reward="points")
    train_w = w.select_split("train")
    ckpt = root / "planner"
    train(tiny_config(horizon=w.horizon, rate_hz=w.rate_hz), train_w, steps=5, batch=8, device="cpu",
          out_dir=ckpt, progress=False, train_cfg=TrainConfig(lr=1e-3))
    write_planning_extras(ckpt, train_w)
    return root, tracking, pbp, ckpt


def test_planner_check_writes_the_gates(corpus_and_planner, capsys):
    root, tracking, pbp, ckpt = corpus_and_planner
    out = root / "check"
    code = main(["planner-check", f"planner_checkpoint={ckpt}", f"tracking={tracking}", f"pbp={pbp}",
                 f"cutoff={CUTOFF}", f"out={out}", "n_speed=40", "n_forecast=8", "n_samples=3",
                 "workers=1", f"cache_dir={root / 'cache'}", "device=cpu"])
    assert code == 0
    gates = json.loads((out / "gates.json").read_text())
    assert set(GATE_KEYS) <= set(gates) and gates["n_windows"] == 40
    assert gates["support_source"] == "checkpoint" and gates["support"]["speed_ftps"] is not None
    assert 0 <= gates["speed_ks"] <= 1 and gates["minade20_m"] > 0
    assert "held-out windows" in capsys.readouterr().out


def test_bad_checkpoint_is_one_line_and_exit_2(corpus_and_planner, capsys, tmp_path):
    root, tracking, pbp, _ = corpus_and_planner
    code = main(["planner-check", f"planner_checkpoint={tmp_path / 'nothing'}", f"tracking={tracking}",
                 f"pbp={pbp}", f"out={tmp_path / 'o'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "planner_checkpoint" in err[0]
    assert not (tmp_path / "o").exists()
