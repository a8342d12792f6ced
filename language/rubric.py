"""A rubric: weighted, signed items over the tactical features of engine.tactics, each
with its justification, and how a play scores against it.

Score of a play (features f): sum_i w_i * s_i * f_i / scale_i, where s_i is +1 (more
is better) or -1 (less is better), w_i >= 0 sum to 1 and scale_i is the feature's
typical spread over real possessions (engine.tactics.library). An item with a
quantity (``at least 3 passes``) scores w_i * min(f_i - q, 0) / scale_i for s = +1
(max(...) for s = -1): it is satisfied once the count is reached.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from engine.tactics import FEATURE_NAMES, spec

GROUPS = {
    "shot selection": ("rim_attempts", "paint_attempts", "mid_range_attempts", "corner_three_attempts",
                       "above_break_three_attempts", "three_point_attempts"),
    "penetration": ("paint_touches", "drive_depth_ft", "drives", "kick_outs"),
    "ball movement": ("passes", "ball_reversals", "ball_movement_ft"),
    "spacing": ("spacing_hull_sqft", "spacing_pairwise_ft"),
    "tempo": ("time_to_first_shot_s", "pace_ftps"),
    "actions": ("screens", "post_entries", "post_time_s"),
    "ball security": ("pass_lane_risk",),
}
GROUP_OF = {f: g for g, feats in GROUPS.items() for f in feats}


class RubricError(ValueError):
    """A rubric that does not validate against the feature library."""


@dataclass
class Item:
    feature: str
    sign: int
    weight: float = 1.0
    justification: str = ""
    quantity: float | None = None

    def contribution(self, value: float) -> float:
        scale = spec(self.feature).scale
        if value is None or not math.isfinite(value):
            return 0.0
        if self.quantity is None:
            return self.weight * self.sign * value / scale
        gap = value - self.quantity
        return self.weight * (min(gap, 0.0) if self.sign > 0 else min(-gap, 0.0)) / scale


@dataclass
class Rubric:
    instruction: str
    items: list[Item] = field(default_factory=list)
    backend: str = "embedding"
    notes: list[str] = field(default_factory=list)

    @property
    def task_type(self) -> str:
        groups = []
        for it in self.items:
            g = GROUP_OF.get(it.feature, "other")
            if g not in groups:
                groups.append(g)
        return " + ".join(groups) if groups else "unrecognised instruction"

    def normalise(self) -> "Rubric":
        total = sum(it.weight for it in self.items)
        for it in self.items:
            it.weight = it.weight / total if total > 0 else 0.0
        return self

    def score(self, features: dict[str, float]) -> float:
        return float(sum(it.contribution(features.get(it.feature, float("nan"))) for it in self.items))

    def contributions(self, features: dict[str, float]) -> list[float]:
        return [it.contribution(features.get(it.feature, float("nan"))) for it in self.items]

    def as_dict(self) -> dict:
        return {"instruction": self.instruction, "task_type": self.task_type, "backend": self.backend,
                "items": [asdict(it) for it in self.items], "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict, instruction: str = "", backend: str = "given") -> "Rubric":
        """Validate a rubric given as a dict (``items``: feature, sign, weight, ...)
        against the feature library; a RubricError names the first problem."""
        items = d.get("items") if isinstance(d, dict) else d
        if not isinstance(items, list) or not items:
            raise RubricError("no items")
        out = []
        for k, it in enumerate(items):
            if not isinstance(it, dict):
                raise RubricError(f"item {k} is not an object")
            feat, sign = it.get("feature"), it.get("sign", 1)
            if feat not in FEATURE_NAMES:
                raise RubricError(f"item {k}: unknown feature {feat!r}")
            if sign in ("+", "more", "+1"):
                sign = 1
            elif sign in ("-", "less", "-1"):
                sign = -1
            if sign not in (1, -1):
                raise RubricError(f"item {k}: sign {sign!r} is not +1 or -1")
            weight = it.get("weight", 1.0)
            if not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
                raise RubricError(f"item {k}: weight {weight!r} is not a positive number")
            q = it.get("quantity")
            out.append(Item(feat, int(sign), float(weight), str(it.get("justification", "")),
                            None if q is None else float(q)))
        return cls(d.get("instruction", instruction) if isinstance(d, dict) else instruction,
                   out, backend).normalise()
