"""The planner methods a user names (``methods=[...]`` of ``hoopsim evaluate``, ``offense=``
of ``hoopsim simulate``): one :class:`engine.registry.Registry`, name -> config dataclass
-> factory, and the one parser of their ids.

Method ids:
    playbest_unguided    PlayBest without guidance (scale 0)
    playbest_a<x>        PlayBest guided by the planner's default guide with scale x
                         (playbest_a0.1, playbest_a1, playbest_a10)
Both are the registry entry ``playbest`` with ``scale`` set from the id; the other
options (sampler preset, candidates, replan_every, horizon, warm_start) come from the
user's ``playbest`` settings. ``hoopsim/`` only looks ids up here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import HoopsimConfigError
from engine.registry import Registry
from planners.planner import Planner
from planners.receding import RecedingConfig, RecedingHorizonOffense
from planners.sampler import SAMPLER_PRESETS

PLANNER_METHODS: Registry[RecedingHorizonOffense] = Registry("method")
ID_FORMS = ("playbest_unguided", "playbest_a<scale>")
_GUIDED = re.compile(r"playbest_a(\d+(?:\.\d*)?|\.\d+)")


@dataclass
class PlayBestMethodConfig:
    scale: float = 1.0                  # guidance scale alpha (0: unguided)
    sampler: str = "fast"               # a planners.sampler.SAMPLER_PRESETS name
    candidates: int = 16                # samples per possession and plan
    replan_every: int = 2               # simulator steps between plans
    horizon: int | None = None          # planning frames (None: the training horizon)
    warm_start: float | None = None     # share of the schedule skipped when re-planning

    def __post_init__(self):
        if self.sampler not in SAMPLER_PRESETS:
            raise ValueError(f"sampler {self.sampler!r}: choose one of {', '.join(SAMPLER_PRESETS)}")
        if self.scale < 0 or self.candidates < 1 or self.replan_every < 1:
            raise ValueError("scale must be >= 0, candidates and replan_every >= 1")
        if self.horizon is not None and self.horizon < 2:
            raise ValueError(f"horizon {self.horizon}: at least 2 frames")


@PLANNER_METHODS.register("playbest", PlayBestMethodConfig,
                          help="receding-horizon PlayBest offense (ids: " + ", ".join(ID_FORMS) + ")")
def make_playbest(cfg: PlayBestMethodConfig, planner: Planner, dt_s: float) -> RecedingHorizonOffense:
    """The SimPolicy of a PlayBest method; dt_s is the simulator's step length (s)."""
    guide = planner.default_guide() if cfg.scale > 0 else None
    rcfg = RecedingConfig(n_candidates=cfg.candidates, horizon=cfg.horizon,
                          replan_every=cfg.replan_every, scale=cfg.scale,
                          sampler=SAMPLER_PRESETS[cfg.sampler], warm_start=cfg.warm_start)
    return RecedingHorizonOffense(planner, guide, dt_s, rcfg)


def is_planner_method(method_id: str) -> bool:
    """Whether ``method_id`` belongs to the planner's family (``playbest...``)."""
    return str(method_id).startswith("playbest")


def parse_method_id(method_id: str) -> tuple[str, dict]:
    """'playbest_unguided' -> ('playbest', {'scale': 0.0}); 'playbest_a<x>' -> ('playbest',
    {'scale': x}). Anything else is a HoopsimConfigError naming the id forms."""
    method_id = str(method_id)
    if method_id == "playbest_unguided":
        return "playbest", {"scale": 0.0}
    found = _GUIDED.fullmatch(method_id)
    if found:
        return "playbest", {"scale": float(found.group(1))}
    raise HoopsimConfigError("method", method_id,
                             f"unknown planner method; choose one of {', '.join(ID_FORMS)}")


def guidance_scale(method_id: str) -> float | None:
    """The guidance scale of a planner method id (0.0 unguided), None for other ids."""
    return parse_method_id(method_id)[1]["scale"] if is_planner_method(method_id) else None


def make_method(method_id: str, planner: Planner, dt_s: float, options: dict | None = None,
                ) -> RecedingHorizonOffense:
    """The SimPolicy of planner method ``method_id``: the id's options over ``options``
    (the user's playbest settings; an unknown key is a HoopsimConfigError)."""
    name, from_id = parse_method_id(method_id)
    return PLANNER_METHODS.make(name, {**(options or {}), **from_id}, planner=planner, dt_s=dt_s)
