"""The CLI's failure contract beyond one bad value: ``debug=true`` shows the traceback,
an unexpected exception (a bug) reaches the user as a traceback with a non-zero exit and
no empty run folder, a failing job inside a multirun stops the sweep with exit code 2
and keeps the finished jobs' results; and the tasks without a CLI test of their own
(fit-outcomes, bench) run through the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from engine.errors import HoopsimConfigError, HoopsimDataError
from hoopsim.cli import main

SMALL = ["n_games=1", "seconds_per_period=30"]


def test_debug_true_raises_the_error_instead_of_one_line(tmp_path, capsys):
    with pytest.raises(HoopsimConfigError, match="games=0"):
        main(["synthesize", "games=0", "debug=true", f"out={tmp_path / 'o'}"])
    assert main(["synthesize", "games=0", f"out={tmp_path / 'o'}"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_debug_true_in_a_subprocess_prints_the_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "hoopsim", "synthesize", "games=0", "debug=true",
                        f"out={tmp_path / 'o'}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" in r.stderr and "HoopsimConfigError" in r.stderr


def test_an_unexpected_exception_is_a_traceback_and_leaves_no_run_folder(tmp_path, monkeypatch):
    """A bug is not bad input: it is not turned into the one-line exit-2 message, and the
    run folder it left with only config.yaml is removed as for any failure."""
    import hoopsim.tasks.synthesize as task

    def broken(out, cfg):
        raise RuntimeError("a bug in the corpus writer")

    monkeypatch.setattr(task, "write_corpus", broken)
    out = tmp_path / "o"
    with pytest.raises(RuntimeError, match="a bug in the corpus writer"):
        main(["synthesize", *SMALL, f"out={out}"])
    assert not out.exists()


def test_a_failing_job_in_a_multirun_stops_with_exit_2_and_keeps_finished_jobs(tmp_path, capsys,
                                                                            monkeypatch):
    import hoopsim.tasks.synthesize as task

    real = task.write_corpus

    def fails_on_seed_1(out, cfg):
        if cfg.seed == 1:
            raise HoopsimDataError(out, "game 1", "corrupt (injected)")
        return real(out, cfg)

    monkeypatch.setattr(task, "write_corpus", fails_on_seed_1)
    code = main(["synthesize", "-m", "seed=0,1,2", *SMALL, f"out={tmp_path}"])
    assert code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("hoopsim: error:")]
    assert len(err) == 1 and "injected" in err[0]
    assert len(list((tmp_path / "0" / "pbp").iterdir())) == 1          # job 0 finished: kept
    assert not (tmp_path / "1").exists()                                # job 1: removed
    assert not (tmp_path / "2").exists()                                # job 2: never ran
    assert len((tmp_path / "multirun.txt").read_text().splitlines()) == 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    assert main(["synthesize", "games=2", "n_periods=1", "seconds_per_period=200",
                 f"out={root / 'c'}"]) == 0
    return root / "c"


def test_fit_outcomes_on_too_little_data_is_one_line_exit_2(corpus, tmp_path, capsys):
    """Two short synthetic games hold too few timed passes to fit: that was a ValueError
    traceback; it is bad input (the cutoff leaves too little data)."""
    ids = sorted(p.name.split(".")[0] for p in (corpus / "pbp").iterdir())
    out = tmp_path / "fit"
    assert main(["fit-outcomes", f"tracking={corpus / 'tracking'}", f"pbp={corpus / 'pbp'}",
                 f"cutoff={ids[1]}", f"cache_dir={tmp_path / 'cache'}", "workers=1",
                 f"out={out}"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("hoopsim: error:")]
    assert len(err) == 1 and "cutoff" in err[0] and "too little data" in err[0], err
    assert not out.exists()


@pytest.mark.slow
def test_fit_outcomes_through_the_cli_on_real_games(shared_data, tmp_path):
    games = ["0021500002", "0021500003", "0021500004"]
    for kind in ("tracking_2hz", "pbp"):
        (tmp_path / kind).mkdir()
        for g in games:
            (tmp_path / kind / f"{g}.csv.gz").symlink_to(shared_data / kind / f"{g}.csv.gz")
    out = tmp_path / "fit"
    r = subprocess.run([sys.executable, "-m", "hoopsim", "fit-outcomes",
                        f"tracking={tmp_path / 'tracking_2hz'}", f"pbp={tmp_path / 'pbp'}",
                        f"cutoff={games[2]}", f"cache_dir={tmp_path / 'cache'}", "workers=1",
                        f"out={out}"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    rep = json.loads((out / "evaluation.json").read_text())
    assert rep["n_games_heldout"] == 1
    models = json.loads((out / "outcome_models.json").read_text())
    assert sorted(models["games_fit"]) == games[:2]
    assert (out / "evaluation.md").read_text().strip()


class FakeClock:
    """time.perf_counter that advances ``tick`` seconds per call."""

    def __init__(self, tick: float) -> None:
        self.t, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.t += self.tick
        return self.t


def test_bench_through_the_cli_reports_the_measured_figure(tmp_path, monkeypatch, capsys):
    """``hoopsim bench sections=[train]`` runs the real training steps of a small U-Net;
    on a clock that advances 0.5 s per reading the figure is exactly steps x batch / 0.5
    (a positivity check would pass for any formula)."""
    import planners.bench as pb
    from planners.diffusion import PlannerModelConfig
    from planners.unet import UNetConfig

    real = pb.bench_train_samples_per_s
    small = PlannerModelConfig(unet=UNetConfig(widths=(16, 32)), horizon=8)
    monkeypatch.setattr(pb, "bench_train_samples_per_s",
                        lambda device, seed: real(small, batch=4, steps=3, device=device, seed=seed))
    monkeypatch.setattr(pb, "time", FakeClock(0.5))
    out = tmp_path / "bench"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)            # a tiny net: a second thread only spins on a busy machine
    try:
        assert main(["bench", "sections=[train]", "repeats=3", "device=cpu", f"out={out}"]) == 0
    finally:
        torch.set_num_threads(threads)
    res = json.loads((out / "bench.json").read_text())
    assert set(res) == {"machine", "train"}
    assert res["train"]["planner_samples_s"] == pytest.approx(3 * 4 / 0.5)
    assert res["train"]["repeats"] == 3 and res["train"]["batch"] == 4
    assert "train: planner 24 samples/s" in capsys.readouterr().out
