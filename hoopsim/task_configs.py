"""The typed config of every ``hoopsim`` task, one dataclass per ``hoopsim/conf/<task>.yaml``
(and one per config group: ``data``, ``planner``). The YAML files hold the defaults the user
sees (``hoopsim <task> --help``); these classes say what each key is and which values are
allowed. :func:`hoopsim.configs.to_config` builds them from hydra's config in each task's
``main`` (types, ranges and choices checked there, before any run folder exists).

Units: seconds (``*_s``, ``seconds_per_period``), feet per second (``*_ftps``), Hz
(``rate_hz``), pixels (``width_px``). Paths are strings as given (relative to the caller's
directory); a data path option (``PathSpec``) is a file, a folder, a glob or a list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.rewards import REWARD_COLUMNS
from envs.defense import BCConfig
from hoopsim.configs import above, at_least, checked
from offline_rl.bc import OffenseBCConfig

PathSpec = str | tuple[str, ...]
REWARDS = tuple(REWARD_COLUMNS)                 # playbest, reliable, points
BENCH_SECTIONS = ("ingest", "sim", "plan", "train", "executor")
RENDER_FORMATS = ("gif", "mp4", "png", "diagram")


def _device(value: str) -> str | None:
    import torch

    if value == "auto":
        return None
    try:
        torch.device(value)
    except (RuntimeError, TypeError):
        return "not a torch device; choose auto, cpu, cuda or cuda:<n>"
    return None


def _sampler(value: str) -> str | None:
    from planners.sampler import SAMPLER_PRESETS

    return None if value in SAMPLER_PRESETS else f"choose one of {', '.join(SAMPLER_PRESETS)}"


# ---------------------------------------------------------------- config groups


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """The ``data`` group: real logs (``tracking`` and ``pbp`` set) or, when ``tracking`` is
    null, the synthetic corpus of ``games`` x ``n_periods`` x ``seconds_per_period`` (s)
    played by ``offenses`` against ``defenses`` from ``seed``. ``cutoff``: games with a
    GAME_ID below it train, the rest are held out; ``auto``: the first 3/4 of the games."""

    tracking: PathSpec | None = None
    pbp: PathSpec | None = None
    cutoff: str = "auto"
    games: int = at_least(1, 4)
    n_periods: int = at_least(1, 4)
    seconds_per_period: float = above(0, 720.0)
    seed: int = 0
    offenses: tuple[str, ...] = ("scripted",)
    defenses: tuple[str, ...] = ("man_to_man", "zone_2_3", "switch_everything")


@dataclass(frozen=True, kw_only=True)
class PlannerPreset:
    """The ``planner`` group: U-Net ``widths`` and value-net ``value_widths`` (channels per
    level), ``n_diffusion_steps``, planning horizon ``horizon_s`` (s), training ``steps`` /
    ``value_steps``, ``batch`` and ``lr``."""

    widths: tuple[int, ...] = at_least(1)
    value_widths: tuple[int, ...] = at_least(1)
    n_diffusion_steps: int = at_least(1)
    horizon_s: float = above(0)
    steps: int = at_least(0)
    value_steps: int = at_least(0)
    batch: int = at_least(1)
    lr: float = above(0)


@dataclass(frozen=True, kw_only=True)
class PlaybestOptions:
    """Receding-horizon settings of the PlayBest methods: ``sampler`` preset (fast | paper |
    fast_reject), ``candidates`` per plan, ``replan_every`` simulator steps (0.52 s)."""

    sampler: str = checked(_sampler)
    candidates: int = at_least(1)
    replan_every: int = at_least(1)


@dataclass(frozen=True, kw_only=True)
class Table5Config:
    """The Table 5 analogue: ``method`` at each planning horizon of ``horizons_s`` (s)
    against ``defenses``, ``possessions`` per cell (0 skips it)."""

    horizons_s: tuple[float, ...] = above(0)
    defenses: tuple[str, ...]
    method: str
    possessions: int = at_least(0)


@dataclass(frozen=True, kw_only=True)
class RaySettings:
    """The ``ray`` group, read when ``executor=ray``: ``address`` null starts a Ray instance
    on this machine's cores, ``auto`` joins the running cluster, ``ray://host:port`` a
    remote one; ``num_cpus`` and ``num_gpus`` per unit (fractional GPUs share a device
    when ``device=cuda``); ``max_retries`` of a unit whose worker died or that raised."""

    address: str | None = None
    num_cpus: float = above(0, 1.0)
    num_gpus: float = at_least(0, 0.0)
    max_retries: int = at_least(0, 3)


EXECUTORS = ("local", "ray")


@dataclass(frozen=True, kw_only=True)
class TaskConfig:
    """Keys of every task: ``name`` (run folder name), ``seed``, ``debug`` (tracebacks)."""

    name: str
    seed: int
    debug: bool = False


@dataclass(frozen=True, kw_only=True)
class RunTask(TaskConfig):
    """A task that writes a run folder: ``out`` (null: runs/<task>__<name>__<seed>__<time>)."""

    out: str | None = None


# ---------------------------------------------------------------- tasks


@dataclass(frozen=True, kw_only=True)
class SynthesizeTask(RunTask):
    """``hoopsim synthesize``: ``n_games`` (older name ``games``) games written as logs."""

    games: int = at_least(1)
    n_games: int = at_least(1)
    n_periods: int = at_least(1)
    seconds_per_period: float = above(0)
    offenses: tuple[str, ...]
    defenses: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class IngestTask(RunTask):
    """``hoopsim ingest``: ``periods`` tracked | all | a list of period numbers; ``rate_hz``
    null keeps the native rate; possessions longer than ``max_seconds`` (s) are cut."""

    tracking: PathSpec
    pbp: PathSpec
    periods: Literal["tracked", "all"] | tuple[int, ...] = at_least(1)
    rate_hz: float | None = above(0)
    max_seconds: float = above(0)
    split_cutoff: str
    workers: int = at_least(1)
    reward: Literal[REWARDS]
    executor: Literal[EXECUTORS] = "local"     # local (workers processes) | ray: one unit per game
    ray: RaySettings = RaySettings()


@dataclass(frozen=True, kw_only=True)
class ExportTask(RunTask):
    """``hoopsim export``: an ingest ``cache`` folder -> parquet tables."""

    cache: str
    format: Literal["parquet"]


@dataclass(frozen=True, kw_only=True)
class FitOutcomesTask(RunTask):
    """``hoopsim fit-outcomes``: ridge ``l2`` per shot, distance ``knots`` (ft), ``digits``
    significant digits of the saved floats (null: all)."""

    tracking: PathSpec
    pbp: PathSpec
    cutoff: str
    cache_dir: str | None = None
    l2: float = at_least(0)
    knots: tuple[float, ...] = at_least(0)
    workers: int = at_least(1)
    digits: int | None = at_least(1)


@dataclass(frozen=True, kw_only=True)
class ViewTask(TaskConfig):
    """``hoopsim view``: possession ``index`` of ``cache`` at ``speed`` x real time."""

    cache: str
    index: int                    # checked against the cache's size when it loads
    speed: float = above(0)
    width_px: int = at_least(1)
    half_court: bool
    max_frames: int | None = at_least(0)
    commentary: bool = False      # list commentary lines (language.commentary) in the side panel
    pbp: str | None = None        # the game's play-by-play for names and logged events


@dataclass(frozen=True, kw_only=True)
class RenderTask(RunTask):
    """``hoopsim render``: possession ``index`` of ``cache`` as ``format``, every ``every``-th
    frame at ``fps`` (null: real time)."""

    cache: str
    index: int                    # checked against the cache's size when it loads
    format: Literal[RENDER_FORMATS]
    every: int = at_least(1)
    fps: float | None = above(0)
    width_px: int = at_least(1)
    half_court: bool
    trails: bool


@dataclass(frozen=True, kw_only=True)
class TrainTask(RunTask):
    """``hoopsim train``: the ``planner`` preset on the ``data`` training split; ``reward``
    is the value model's return; ``threads``: torch threads (null: torch's default)."""

    data: DataConfig
    planner: PlannerPreset
    device: str = checked(_device)
    reward: Literal[REWARDS]
    threads: int | None = at_least(1)
    cache_dir: str | None = None
    workers: int = at_least(1)


@dataclass(frozen=True, kw_only=True)
class EvaluateTask(TrainTask):
    """``hoopsim evaluate`` and ``hoopsim demo``: ``methods`` x ``defenses`` (or the one
    ``defense`` group scheme with its parameters) from ``possessions`` held-out starts;
    ``offense_team``: only that team's starts; ``planner_checkpoint``: a ``hoopsim train``
    folder (null: train ``planner`` once, cached)."""

    defense: dict | None = None
    methods: tuple[str, ...]
    defenses: tuple[str, ...]
    possessions: int = at_least(1)
    offense_team: str | None = None
    planner_checkpoint: str | None = None
    playbest: PlaybestOptions
    table5: Table5Config
    batch: int = at_least(1)
    max_steps: int = at_least(1)
    report: bool = False
    agents: str | None = None     # an offline-eval out folder: its agents play as methods
    executor: Literal[EXECUTORS] = "local"     # local (this process) | ray: units method x scheme x block
    ray: RaySettings = RaySettings()


@dataclass(frozen=True, kw_only=True)
class SimulateTask(RunTask):
    """``hoopsim simulate``: ``offense`` (a method id) against the ``defense`` group scheme
    from ``possessions`` starts (``real`` held-out states or the named ``scenario`` set-ups)."""

    data: DataConfig
    defense: dict
    device: str = checked(_device)
    offense: str
    possessions: int = at_least(1)
    starts: Literal["real", "scenario"]
    planner_checkpoint: str | None = None
    playbest: PlaybestOptions
    batch: int = at_least(1)
    max_steps: int = at_least(1)
    cache_dir: str | None = None
    workers: int = at_least(1)
    keep_plays: int = at_least(0)   # possessions written as a cache under <out>/possessions


@dataclass(frozen=True, kw_only=True)
class RealismTask(RunTask):
    """``hoopsim realism``: the BC ``offense`` and ``defense`` (the library's configs; the
    offense fits with the task's ``seed``) from ``n_starts`` held-out starts in chunks of
    ``batch``, cut after ``max_steps`` steps (0.52 s)."""

    tracking: PathSpec
    pbp: PathSpec
    cutoff: str
    n_starts: int = at_least(1)
    batch: int = at_least(1)
    max_steps: int = at_least(1)
    device: str = checked(_device)
    cache_dir: str | None = None
    workers: int = at_least(1)
    offense: OffenseBCConfig
    defense: BCConfig
    threads: int | None = at_least(1, None)    # torch threads of each unit (null: the driver's), on every executor
    executor: Literal[EXECUTORS] = "local"     # local (this process) | ray: a unit per block of batch starts
    ray: RaySettings = RaySettings()


@dataclass(frozen=True, kw_only=True)
class SoakTask(RunTask):
    """``hoopsim soak``: ``possessions`` in total over every scheme x offense cell, in chunks
    of ``batch`` rows, each cut after ``max_steps`` steps (0.52 s) and then counted as
    unfinished; ``threads`` torch threads (null: torch's default); ``starts``: a .npz or
    dataset cache (null: the named scenarios); ``court_margin_ft`` (ft) and ``ppp_range``
    the limits of the checks (envs.evaluation.soak). ``tracking`` / ``pbp`` (optional):
    real logs; the league offense and the BC defense (hoopsim.league, fitted on games
    before ``cutoff``) then join the cells as ``bc``. ``planner_checkpoint`` (optional):
    PlayBest method ``playbest_method`` joins as an offense, ``playbest_possessions`` over
    all schemes in chunks of ``playbest_batch`` with the ``playbest`` receding-horizon
    settings."""

    possessions: int = at_least(1)
    batch: int = at_least(1)
    max_steps: int = at_least(1)
    threads: int | None = None
    device: str = checked(_device)
    starts: str | None = None
    schemes: tuple[str, ...]
    offenses: tuple[str, ...]
    court_margin_ft: float = above(0)
    ppp_range: tuple[float, ...]       # (low, high) points per possession
    tracking: PathSpec | None = None
    pbp: PathSpec | None = None
    cutoff: str = "0021500500"
    cache_dir: str | None = None
    planner_checkpoint: str | None = None
    playbest_method: str = "playbest_rank"
    playbest_possessions: int = at_least(1)
    playbest_batch: int = at_least(1)
    playbest: PlaybestOptions
    executor: Literal[EXECUTORS] = "local"     # local (this process) | ray: one unit per chunk
    ray: RaySettings = RaySettings()


@dataclass(frozen=True, kw_only=True)
class BenchIngest:
    tmpdir: str | None = None     # where the synthetic game files go (null: the cache folder)


@dataclass(frozen=True, kw_only=True)
class BenchPlan:
    """``checkpoint``: a trained planner (null: an untrained one); ``candidates`` per
    decision over ``horizon_s`` (s); ``possessions`` of the paired PPP (0 skips it) with
    ``ppp_candidates`` candidates per decision."""

    checkpoint: str | None = None
    candidates: int = at_least(1)
    horizon_s: float = above(0)
    possessions: int = at_least(0)
    ppp_candidates: int = at_least(1)


@dataclass(frozen=True, kw_only=True)
class BenchScaling:
    """The ``executor`` section: ``games`` shared tracking games to ingest (null: all),
    ``possessions`` of the paired evaluation in blocks of ``block`` starts."""

    games: int | None = at_least(1, None)
    possessions: int = at_least(4, 600)
    block: int = at_least(1, 25)


@dataclass(frozen=True, kw_only=True)
class BenchTask(RunTask):
    """``hoopsim bench``: the chosen ``sections``, each figure the median of ``repeats``;
    ``rl``: also train every examples/ script at its full budget and write its learning
    table (minutes each; not for CI)."""

    repeats: int = at_least(1)
    rl: bool = False
    device: str = checked(_device)
    sections: tuple[Literal[BENCH_SECTIONS], ...]
    ingest: BenchIngest
    plan: BenchPlan
    scaling: BenchScaling = BenchScaling()


@dataclass(frozen=True, kw_only=True)
class PlannerCheckTask(RunTask):
    """``hoopsim planner-check``: the gates (planners.gates) of the planner in
    ``planner_checkpoint`` (a training out folder) on the games of ``tracking`` / ``pbp``
    at or after ``cutoff``: shot and speed figures on ``n_speed`` held-out windows (null:
    all, one sample each), forecasts on a seeded ``n_forecast``-window subset with
    ``n_samples`` samples each."""

    planner_checkpoint: str
    tracking: PathSpec
    pbp: PathSpec
    cutoff: str
    n_speed: int | None = at_least(1)
    n_forecast: int = at_least(1)
    n_samples: int = at_least(1)
    batch: int = at_least(1)
    device: str = checked(_device)
    cache_dir: str | None = None
    workers: int = at_least(1)
    threads: int | None = at_least(1, None)    # torch threads of each unit (null: the driver's), on every executor
    executor: Literal[EXECUTORS] = "local"     # local (this process) | ray: a unit per gate x block of windows
    ray: RaySettings = RaySettings()

# The offline-RL and language tasks' configs: hoopsim/task_configs_learning.py
