"""``hoopsim <task> [key=value ...]``: the command line, on hydra's compose API.

Each task has a config ``hoopsim/conf/<task>.yaml`` (shipped inside the package, found
through importlib.resources, so a wheel install has them); ``key=value`` arguments are hydra
overrides. Relative paths resolve against the caller's directory; paths and globs
are passed quoted and expanded by hoopsim. Each task module has ``main(cfg)`` and
``CONFIG``, the dataclass (hoopsim.task_configs*) its main converts hydra's config to first
(hoopsim.configs.to_config: types, ranges, choices, unknown keys). Bad input (a wrong
override or value, a missing file, an unquoted glob, malformed data) prints one line and
exits with code 2; ``debug=true`` shows the traceback instead.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import sys
import time
from importlib import resources
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from engine.errors import HoopsimConfigError, HoopsimDataError
from hoopsim.configs import to_config
from hoopsim.errors import UsageError
from hoopsim.runs import discard_unfinished, forget_created, run_dir
from hoopsim.sweeps import launch, sweep_jobs, uses_launcher

__all__ = ["CONF_DIR", "TASKS", "UsageError", "main", "run", "run_dir"]

# every user-facing failure: one line on stderr, exit code 2 (debug=true: the traceback)
USER_ERRORS = (UsageError, HoopsimDataError, HoopsimConfigError, HydraException,
               OmegaConfBaseException, FileNotFoundError)

CONF_DIR = Path(str(resources.files("hoopsim") / "conf"))
TASKS = {
    "demo": ("hoopsim.tasks.demo", "synthesise the default corpus, ingest it, print the table"),
    "synthesize": ("hoopsim.tasks.synthesize", "write the synthetic corpus as real-format logs"),
    "ingest": ("hoopsim.tasks.ingest", "tracking + play-by-play -> possession cache + summary"),
    "export": ("hoopsim.tasks.export", "possession cache -> parquet possession and frame tables"),
    "fit-outcomes": ("hoopsim.tasks.fit_outcomes", "fit shot / rate outcome models, evaluate held out"),
    "view": ("hoopsim.tasks.view", "interactive viewer of one cached possession (pygame window)"),
    "render": ("hoopsim.tasks.render", "one cached possession -> GIF / MP4 / PNG / play diagram"),
    "train": ("hoopsim.tasks.train", "train PlayBest's diffusion and value models (resumable)"),
    "simulate": ("hoopsim.tasks.simulate", "one offense vs one defense -> possession / shot tables, GIF"),
    "evaluate": ("hoopsim.tasks.evaluate", "paired PPP of offenses vs defenses on held-out starts"),
    "bench": ("hoopsim.tasks.bench", "speed figures of ingest, simulator, planner -> bench.json"),
    "soak": ("hoopsim.tasks.soak", "every scheme x offense, many possessions, checked -> soak.json"),
    "realism": ("hoopsim.tasks.realism", "BC offense vs BC defense on held-out starts vs real rates"),
    "planner-check": ("hoopsim.tasks.planner_check", "gates of a trained planner on held-out games -> gates.json"),
    "train-offline": ("hoopsim.tasks.train_offline", "train one offline-RL / action-copy agent (algo=<id>)"),
    "offline-eval": ("hoopsim.tasks.offline_eval", "every offline agent: action copy, OPE, online play -> results.json"),
    "commentary": ("hoopsim.tasks.commentary", "play-by-play commentary of one play (<cache>:<index>)"),
    "judge": ("hoopsim.tasks.judge", "which of two plays follows an instruction better (RM-R1 style)"),
    "coach": ("hoopsim.tasks.coach", "plan under a coach's instruction vs a contrast vs none -> effect table"),
}


def usage() -> str:
    lines = ["usage: hoopsim <task> [key=value ...]   (hoopsim <task> --help shows its config)",
             "", "tasks:"]
    lines += [f"  {name:<12} {desc}" for name, (_, desc) in TASKS.items()]
    return "\n".join(lines)


MULTIRUN_FLAGS = ("-m", "--multirun")
# free text (a coach's instruction): taken verbatim, so commas and apostrophes work in
# "instruction='attack the rim, don't settle'" as well as in instruction="..."
FREE_TEXT_KEYS = ("instruction",)


def quote_free_text(arg: str) -> str:
    """key=<free text> -> a hydra override holding exactly that text (one layer of
    matching quotes around it is removed, quotes and backslashes inside escaped)."""
    key, _, value = arg.partition("=")
    if key.lstrip("+~") not in FREE_TEXT_KEYS or value in ("null", ""):
        return arg
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return key + "='" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse(argv: list[str]) -> tuple[str, list[str], bool]:
    """argv (without the program) -> (task, overrides, wants_help); ``-m`` stays in
    the overrides' place as a flag the caller checks with :func:`is_multirun`."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        return "", [], True
    task, rest = argv[0], [quote_free_text(a) for a in argv[1:]]
    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}; tasks: {', '.join(TASKS)}")
    wants_help = any(a in ("-h", "--help") for a in rest)
    rest = [a for a in rest if a not in ("-h", "--help") + MULTIRUN_FLAGS]
    for i, a in enumerate(rest):
        if "=" not in a:
            prev = rest[i - 1] if i else ""
            hint = (" (an unquoted glob? quote it: key=\"dir/*.csv.gz\")"
                    if i and "=" in prev or Path(a).exists() else "")
            raise UsageError(f"argument {a!r} is not key=value{hint}")
    return task, rest, wants_help


def load_config(task: str, overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name=task, overrides=overrides)


def run_multirun(task: str, overrides: list[str]) -> int:
    """Run every job of the sweep one after another, each in ``<sweep>/<job number>/``
    (``out=`` names the sweep folder; default multirun/<task>__<time>/). Every job's
    config is checked before the first one runs."""
    module = importlib.import_module(TASKS[task][0])
    jobs = [[o for o in job if not o.startswith("out=")] for job in sweep_jobs(overrides)]
    configs = [to_config(module.CONFIG, load_config(task, job)) for job in jobs]
    base = load_config(task, [o for o in overrides if "," not in o.split("=", 1)[-1]
                              or o.startswith("out=")])
    sweep = Path(str(base.get("out") or Path("multirun") / f"{task}__{time.strftime('%Y%m%d-%H%M%S')}"))
    sweep = sweep.expanduser().resolve()
    sweep.mkdir(parents=True, exist_ok=True)
    jobs = [job + [f"out={sweep / str(i)}"] for i, job in enumerate(jobs)]
    lines = [f"{i}: {' '.join(job)}" for i, job in enumerate(jobs)]
    (sweep / "multirun.txt").write_text("\n".join(lines) + "\n")
    codes = []
    for i, (job, cfg) in enumerate(zip(jobs, configs)):
        logging.getLogger(__name__).info("multirun job %d/%d: %s", i + 1, len(jobs), " ".join(job))
        if hasattr(cfg, "out"):
            cfg = dataclasses.replace(cfg, out=str(sweep / str(i)))
        forget_created()                  # a failing job removes only its own empty folder
        codes.append(int(module.main(cfg) or 0))
    return max(codes, default=0)


def run(argv: list[str]) -> int:
    task, overrides, wants_help = parse(argv)
    if not task:
        print(usage())
        return 0
    if any(a in MULTIRUN_FLAGS for a in argv) and not wants_help:
        if uses_launcher(overrides):     # hydra/launcher=submitit_local | submitit_slurm | ray
            return launch(task, TASKS[task][0], overrides, CONF_DIR)
        return run_multirun(task, overrides)
    cfg = load_config(task, overrides)
    if wants_help:
        print(f"hoopsim {task}: {TASKS[task][1]}\n\nconfig (override with key=value):\n")
        print(OmegaConf.to_yaml(cfg))
        return 0
    module = importlib.import_module(TASKS[task][0])
    return int(module.main(cfg) or 0)


def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code (the console script sys.exit()s it)."""
    argv = sys.argv[1:] if argv is None else argv
    debug = any(a in ("debug=true", "debug=True", "+debug=true") for a in argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = run(argv)
    except USER_ERRORS as exc:
        discard_unfinished()
        if debug:
            raise
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"hoopsim: error: {msg}", file=sys.stderr)
        code = 2
    except BaseException:
        # a bug (or Ctrl-C) is not bad input: its traceback reaches the user, but the run
        # folder it left with nothing but config.yaml goes, as on the error path
        discard_unfinished()
        raise
    return code
