"""``hoopsim <task> -m key=a,b ... hydra/launcher=<launcher>``: a sweep through hydra's
launcher plugins (hydra's own multirun: the basic sweeper expands the overrides, the
launcher runs the jobs).

- ``hydra/launcher=submitit_local``: each job in its own process (submitit, this machine);
  ``submitit_slurm``: each job a SLURM job (``hydra.launcher.partition=...``,
  ``hydra.launcher.timeout_min=...``, ...); ``pip install 'hoopsim[slurm]'``.
- ``hydra/launcher=ray``: each job a Ray task (``hydra.launcher.ray.init.address=auto``
  joins a running cluster); ``pip install 'hoopsim[ray-launcher]'``.

The layout is the in-process multirun's (hoopsim.cli.run_multirun): ``out=`` names the sweep
folder (default multirun/<task>__<time>/), job ``i`` writes into ``<sweep>/<i>/`` and the
sweep's job list goes to ``<sweep>/multirun.txt``; every job's config is checked before the
first one is launched. A job runs :func:`run_job`, a module-level function (the launchers
pickle it to another process or node), which converts the job's config to the task's
dataclass and calls the task's ``main``. A failing job fails the sweep with exit code 2
after the launcher returns (hydra raises the first failed job's error).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import logging
import time
from pathlib import Path

LAUNCHER_KEY = "hydra/launcher="
# launcher option -> (the plugin's module, the hoopsim extra that installs it)
PLUGINS = {"submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
           "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
           "ray": ("hydra_plugins.hydra_ray_launcher", "ray-launcher"),
           "ray_aws": ("hydra_plugins.hydra_ray_launcher", "ray-launcher")}


def uses_launcher(overrides: list[str]) -> bool:
    """Whether a sweep names a hydra launcher (or sets any other hydra.* key)."""
    return any(o.startswith((LAUNCHER_KEY, "hydra.")) for o in overrides)


def check_plugin(overrides: list[str]) -> None:
    """A launcher whose plugin is not installed is one line naming the extra to install."""
    from engine.errors import HoopsimConfigError

    for o in overrides:
        name = o[len(LAUNCHER_KEY):] if o.startswith(LAUNCHER_KEY) else None
        if name in PLUGINS:
            module, extra = PLUGINS[name]
            try:
                importlib.import_module(module)
            except ImportError:
                raise HoopsimConfigError("hydra/launcher", name, "its hydra plugin is not installed: "
                                         f"pip install 'hoopsim[{extra}]'") from None


def sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """Hydra's basic-sweeper expansion: ``defense=a,b seed=0,1`` -> 4 override lists."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def run_job(module_name: str, cfg) -> int:
    """One job of a launched sweep: the job's config -> the task's dataclass, ``out`` set to
    the job's folder (hydra's output dir of the job) -> the task's exit code."""
    from hydra.core.hydra_config import HydraConfig

    from hoopsim.configs import to_config
    from hoopsim.runs import forget_created

    module = importlib.import_module(module_name)
    typed = to_config(module.CONFIG, cfg)
    if hasattr(typed, "out"):
        typed = dataclasses.replace(typed, out=HydraConfig.get().runtime.output_dir)
    forget_created()
    return int(module.main(typed) or 0)


def sweep_folder(task: str, overrides: list[str]) -> Path:
    outs = [o.split("=", 1)[1] for o in overrides if o.startswith("out=")]
    folder = Path(outs[-1]) if outs and outs[-1] not in ("", "null") else \
        Path("multirun") / f"{task}__{time.strftime('%Y%m%d-%H%M%S')}"
    return folder.expanduser().resolve()


def launch(task: str, module_name: str, overrides: list[str], conf_dir: Path) -> int:
    """Run the sweep of ``overrides`` with hydra's multirun and the named launcher
    (module docstring); returns the largest exit code of the jobs."""
    from hydra import compose, initialize_config_dir, version
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path
    from hydra.core.global_hydra import GlobalHydra

    from hoopsim.configs import to_config

    check_plugin(overrides)
    module = importlib.import_module(module_name)
    user = [o for o in overrides if not o.startswith(("hydra", "out="))]
    hydra_keys = [o for o in overrides if o.startswith("hydra")]
    jobs = sweep_jobs(user)
    with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
        for job in jobs:                   # every job's config is checked before any runs
            to_config(module.CONFIG, compose(config_name=task, overrides=job))
    sweep = sweep_folder(task, overrides)
    sweep.mkdir(parents=True, exist_ok=True)
    lines = [f"{i}: {' '.join(job + [f'out={sweep / str(i)}'])}" for i, job in enumerate(jobs)]
    (sweep / "multirun.txt").write_text("\n".join(lines) + "\n")
    version.setbase("1.3")
    GlobalHydra.instance().clear()
    hydra = Hydra.create_main_hydra2(task_name=f"hoopsim-{task}",
                                     config_search_path=create_config_search_path(str(conf_dir)))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        returns = hydra.multirun(
            config_name=task, task_function=functools.partial(run_job, module_name),
            overrides=user + [f"hydra.sweep.dir={sweep}", "hydra.sweep.subdir=${hydra.job.num}",
                              "hydra.job.chdir=false"] + hydra_keys)
    finally:
        GlobalHydra.instance().clear()
        # hydra's logging config replaced the root handlers with streams of this moment
        # (under a test runner: captured files closed after the test); give ours back
        root.handlers[:], root.level = handlers, level
    codes = [int(r.return_value or 0) for batch in returns for r in batch]
    return max(codes, default=0)
