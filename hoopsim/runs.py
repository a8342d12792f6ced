"""Run folders of the tasks: ``run_dir`` makes one (with the task's typed config as
config.yaml), and
``discard_unfinished`` removes the folders this process made when a task fails before
writing anything but that config (the CLI's error path calls it)."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from omegaconf import OmegaConf

from engine.runtime import code_revision
from hoopsim.configs import plain

log = logging.getLogger(__name__)

# folders run_dir created in this process (the CLI is one task per process; a multirun
# clears it before each job)
_CREATED: list[Path] = []


def git_rev() -> str:
    """Short form of engine.runtime.code_revision()."""
    return code_revision()[:12]


def run_dir(task: str, cfg) -> Path:
    """``cfg.out`` if given (relative to the caller), else
    runs/<task>__<name>__<seed>__<time>/; ``cfg`` is the task's config dataclass
    (hoopsim.task_configs), written as config.yaml."""
    if cfg.out:
        path = Path(cfg.out).expanduser()
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path("runs") / f"{task}__{cfg.name}__{cfg.seed}__{stamp}"
    path = path.resolve()
    if not path.exists():
        _CREATED.append(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.yaml").write_text(OmegaConf.to_yaml(plain(cfg)))
    return path


def _useful_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.name != "config.yaml"]


def forget_created() -> None:
    _CREATED.clear()


def discard_unfinished() -> list[Path]:
    """Remove the run folders this process created that hold nothing but config.yaml
    (a failure before any result was written); returns the removed folders."""
    removed = []
    for folder in _CREATED:
        if folder.is_dir() and not _useful_files(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    _CREATED.clear()
    return removed
