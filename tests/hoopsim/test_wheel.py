"""A non-editable install carries its task configs: the wheel holds hoopsim/conf/*.yaml
(every task config and config group) and the CLI finds them through importlib.resources."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP = ("build", "dist", "*.egg-info", ".git", "__pycache__", "runs", "outputs", "multirun",
        ".pytest_cache", ".hypothesis", "tests", "benchmarks")


@pytest.mark.slow
def test_wheel_ships_every_task_config(tmp_path):
    src = tmp_path / "src"           # a copy: the in-tree build folders stay out of the repo
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(*SKIP))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(src)], check=True, timeout=600)
    wheel, = (tmp_path / "dist").glob("hoopsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    conf = REPO / "hoopsim" / "conf"
    expected = {f"hoopsim/conf/{p.relative_to(conf).as_posix()}" for p in conf.rglob("*.yaml")}
    assert {"hoopsim/conf/evaluate.yaml", "hoopsim/conf/demo.yaml",
            "hoopsim/conf/defense/man_to_man.yaml", "hoopsim/conf/planner/tiny.yaml"} <= expected
    assert expected <= names, sorted(expected - names)
    assert "hoopsim/cli.py" in names and "engine/data/outcomes_default.json" in names


def test_cli_finds_configs_inside_the_package():
    from hoopsim.cli import CONF_DIR, TASKS

    assert CONF_DIR.parent == REPO / "hoopsim" or CONF_DIR.parent.name == "hoopsim"
    for task in TASKS:
        assert (CONF_DIR / f"{task}.yaml").is_file(), task
