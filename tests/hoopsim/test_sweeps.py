"""Sweeps through hydra's launcher plugins (hoopsim.sweeps): submitit_local (and the Ray
launcher where it is installed) writes each job's folder with the same files as the
in-process multirun; a launcher whose plugin is missing is one line and exit code 2."""

from __future__ import annotations

import sys

import pytest

from hoopsim.cli import main

SMALL = ["seed=0,1", "games=1", "n_periods=1", "seconds_per_period=30"]


def job_files(sweep, i: int) -> dict[str, bytes]:
    folder = sweep / str(i)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".hydra" not in p.parts and p.suffix != ".log" and p.name != "config.yaml"}


def sweep_matches_in_process(tmp_path, launcher: str) -> None:
    assert main(["synthesize", "-m", *SMALL, f"out={tmp_path / 'inproc'}"]) == 0
    assert main(["synthesize", "-m", *SMALL, f"out={tmp_path / 'launched'}", f"hydra/launcher={launcher}"]) == 0
    assert (tmp_path / "launched" / "multirun.txt").read_text().count("\n") == 2
    for i in (0, 1):
        launched = job_files(tmp_path / "launched", i)
        assert launched and launched == job_files(tmp_path / "inproc", i)
        assert f"out: {tmp_path / 'launched' / str(i)}" in (tmp_path / "launched" / str(i) / "config.yaml").read_text()
    assert job_files(tmp_path / "launched", 0) != job_files(tmp_path / "launched", 1)   # seeds differ


@pytest.mark.slow
def test_submitit_local_sweep_writes_what_the_in_process_multirun_writes(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    sweep_matches_in_process(tmp_path, "submitit_local")


@pytest.mark.slow
def test_ray_launcher_sweep_writes_what_the_in_process_multirun_writes(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    sweep_matches_in_process(tmp_path, "ray")


def test_missing_launcher_plugin_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "hydra_plugins.hydra_ray_launcher", None)
    assert main(["synthesize", "-m", *SMALL, f"out={tmp_path / 's'}", "hydra/launcher=ray"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and "pip install 'hoopsim[ray-launcher]'" in err[0]
    assert not (tmp_path / "s").exists()


def test_a_failing_job_fails_the_launched_sweep_with_exit_2(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["ingest", "-m", "seed=0,1", f"tracking={empty}", f"pbp={empty}", f"out={tmp_path / 's'}",
                 "hydra/launcher=basic"])
    assert code == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("hoopsim: error:")]
    assert len(err) == 1 and "no matching files" in err[0]
