"""The planner methods a user names (``methods=[...]`` of ``hoopsim evaluate``, ``offense=``
of ``hoopsim simulate``): one :class:`engine.registry.Registry`, name -> config dataclass
-> factory, and the one parser of their ids.

Method ids (each a registry entry):
    playbest_unguided    the model's own plans, no preference (first candidate)
    playbest_rank        best of ``candidates`` unguided plans by the objective
    playbest_grad        gradient of the objective on the x0 estimate, ``scale`` feet
                         per guide step (planners.sampler), ranked by the objective
    playbest_cfg         return-conditioned sampling: classifier-free guidance towards
                         reward bucket ``cfg_bucket`` with weight ``cfg_weight``, ranked
                         by the objective
    playbest             alias of PREFERRED (playbest_rank for now: not yet chosen on
                         data; the card of a shipped planner records the choice)
    playbest_a<x>        playbest_grad at scale x (playbest_a0.1, playbest_a1, ...)

The objective (planners.objective.PlanObjective) is expected points under outcome
models fitted on the training games only -- the planner's own (``Planner.outcomes``,
carried by its checkpoint) or else the shipped defaults (fitted before 0021500500) --
at the shot or pass the executor would take, plus ``value_weight`` x the value network.
The gradient method climbs its differentiable surrogate (SoftExpectedPoints) plus the
value network. ``hoopsim/`` only looks ids up here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import HoopsimConfigError
from engine.registry import Registry
from planners.guides import SumGuide, ValueGuide
from planners.planner import Planner
from planners.receding import RecedingConfig, RecedingHorizonOffense
from planners.sampler import SAMPLER_PRESETS

PLANNER_METHODS: Registry[RecedingHorizonOffense] = Registry("method")
PREFERRED = "playbest_rank"
ID_FORMS = ("playbest", "playbest_rank", "playbest_grad", "playbest_cfg", "playbest_unguided",
            "playbest_a<scale>")
_GUIDED = re.compile(r"playbest_a(\d+(?:\.\d*)?|\.\d+)")


@dataclass
class PlayBestMethodConfig:
    scale: float = 1.0                  # playbest_grad: feet x0 moves per guide step
    sampler: str = "fast"               # a planners.sampler.SAMPLER_PRESETS name
    candidates: int = 16                # samples per possession and plan
    replan_every: int = 2               # simulator steps between plans
    horizon: int | None = None          # planning frames (None: the training horizon)
    warm_start: float | None = None     # share of the schedule skipped when re-planning
    value_weight: float = 0.0           # objective = expected points + this x value network
    cfg_weight: float = 1.5             # playbest_cfg: classifier-free guidance weight
    cfg_bucket: int = 3                 # playbest_cfg: reward bucket (points 0..3) asked for

    def __post_init__(self):
        if self.sampler not in SAMPLER_PRESETS:
            raise ValueError(f"sampler {self.sampler!r}: choose one of {', '.join(SAMPLER_PRESETS)}")
        if self.scale < 0 or self.candidates < 1 or self.replan_every < 1:
            raise ValueError("scale must be >= 0, candidates and replan_every >= 1")
        if self.horizon is not None and self.horizon < 2:
            raise ValueError(f"horizon {self.horizon}: at least 2 frames")
        if not 0 <= self.cfg_bucket <= 3 or self.cfg_weight < 0:
            raise ValueError("cfg_bucket must be 0..3 and cfg_weight >= 0")


def training_outcomes(planner: Planner, device=None):
    """OutcomeTensors of the outcome models fitted on the planner's training games: the
    planner's own (its checkpoint's planning.json) or the shipped defaults."""
    from engine.outcomes.models import OutcomeModels, default_models
    from engine.outcomes.torch_eval import OutcomeTensors

    models = (OutcomeModels.from_dict(planner.outcomes, "planner checkpoint")
              if planner.outcomes else default_models())
    return OutcomeTensors.from_models(models, device or planner.device)


def objective(planner: Planner, cfg: PlayBestMethodConfig, rcfg: RecedingConfig):
    """The ranking objective of a planner (planners.objective.PlanObjective); candidates
    are read from the plan's current frame on (PlanResult.now, at most the history)."""
    from planners.objective import PlanObjective

    return PlanObjective(training_outcomes(planner), planner.normalizer, planner.cfg.rate_hz,
                         planner.support, planner.value_model, cfg.value_weight,
                         executor=rcfg, first=max(rcfg.history - 1, 0))


def _receding(cfg: PlayBestMethodConfig, scale: float) -> RecedingConfig:
    return RecedingConfig(n_candidates=cfg.candidates, horizon=cfg.horizon,
                          replan_every=cfg.replan_every, scale=scale,
                          sampler=SAMPLER_PRESETS[cfg.sampler], warm_start=cfg.warm_start)


def _register(name: str, help_text: str):
    return PLANNER_METHODS.register(name, PlayBestMethodConfig, help=help_text)


@_register("playbest_unguided", "PlayBest, the model's own plans (no preference)")
def make_unguided(cfg: PlayBestMethodConfig, planner: Planner, dt_s: float) -> RecedingHorizonOffense:
    return RecedingHorizonOffense(planner, None, dt_s, _receding(cfg, 0.0))


@_register("playbest_rank", "PlayBest, best of N unguided plans by expected points")
def make_rank(cfg: PlayBestMethodConfig, planner: Planner, dt_s: float) -> RecedingHorizonOffense:
    rcfg = _receding(cfg, 0.0)
    return RecedingHorizonOffense(planner, None, dt_s, rcfg, ranker=objective(planner, cfg, rcfg))


@_register("playbest_grad", "PlayBest, gradient of expected points on the x0 estimate")
def make_grad(cfg: PlayBestMethodConfig, planner: Planner, dt_s: float) -> RecedingHorizonOffense:
    from planners.objective import SoftExpectedPoints

    rcfg = _receding(cfg, cfg.scale)
    soft = SoftExpectedPoints(training_outcomes(planner), planner.normalizer)
    guide = soft if planner.value_model is None or not cfg.value_weight else \
        SumGuide([soft, ValueGuide(planner.value_model)], [1.0, cfg.value_weight])
    return RecedingHorizonOffense(planner, guide, dt_s, rcfg, ranker=objective(planner, cfg, rcfg))


@_register("playbest_cfg", "PlayBest, return-conditioned sampling (classifier-free guidance)")
def make_cfg(cfg: PlayBestMethodConfig, planner: Planner, dt_s: float) -> RecedingHorizonOffense:
    from dataclasses import replace

    rcfg = _receding(cfg, 0.0)
    rcfg.sampler = replace(rcfg.sampler, cfg_weight=cfg.cfg_weight)
    return RecedingHorizonOffense(planner, None, dt_s, rcfg, ranker=objective(planner, cfg, rcfg),
                                  bucket=cfg.cfg_bucket)


@_register("playbest", f"PlayBest, the preferred method (alias of {PREFERRED})")
def make_preferred(cfg: PlayBestMethodConfig, planner: Planner, dt_s: float) -> RecedingHorizonOffense:
    return PLANNER_METHODS.entry(PREFERRED).factory(cfg, planner=planner, dt_s=dt_s)


def is_planner_method(method_id: str) -> bool:
    """Whether ``method_id`` belongs to the planner's family (``playbest...``)."""
    return str(method_id).startswith("playbest")


def parse_method_id(method_id: str) -> tuple[str, dict]:
    """Method id -> (registry entry, options from the id): a registered id (the alias
    'playbest' included) -> (id, {}), 'playbest_a<x>' -> ('playbest_grad', {'scale': x}), a registered id -> (id, {}).
    Anything else is a HoopsimConfigError naming the id forms."""
    method_id = str(method_id)
    if method_id in PLANNER_METHODS.names():
        return method_id, {}
    found = _GUIDED.fullmatch(method_id)
    if found:
        return "playbest_grad", {"scale": float(found.group(1))}
    raise HoopsimConfigError("method", method_id,
                             f"unknown planner method; choose one of {', '.join(ID_FORMS)}")


def guidance_scale(method_id: str) -> float | None:
    """The gradient-guidance scale of a planner method id (feet per guide step; 0.0 for
    the methods without gradient guidance), None for other ids."""
    if not is_planner_method(method_id):
        return None
    name, from_id = parse_method_id(method_id)
    return float(from_id.get("scale", PlayBestMethodConfig.scale)) if name == "playbest_grad" else 0.0


def make_method(method_id: str, planner: Planner, dt_s: float, options: dict | None = None,
                ) -> RecedingHorizonOffense:
    """The SimPolicy of planner method ``method_id``: the id's options over ``options``
    (the user's playbest settings; an unknown key is a HoopsimConfigError)."""
    name, from_id = parse_method_id(method_id)
    return PLANNER_METHODS.make(name, {**(options or {}), **from_id}, planner=planner, dt_s=dt_s)
