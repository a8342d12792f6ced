"""Tactical features of trajectories ``(b, h, 11, 3)``: the feature library (names,
descriptions, scales, the court-zone vocabulary), the exact reading from positions
alone (events and features, numpy) and smooth twins for guides (torch), and the
tracking-only play-by-play events used by commentary.

Front door: :func:`tactical_features`, :func:`read_trajectory`, :data:`FEATURES`.
"""

from engine.tactics.events import ResultConfig, tracking_events
from engine.tactics.exact import Reading, TacticsConfig, hull_area, read_trajectory, tactical_features
from engine.tactics.library import FEATURE_NAMES, FEATURES, ZONES, FeatureSpec, spec
from engine.tactics.soft import SOFT_FEATURES, soft_features

__all__ = ["SOFT_FEATURES", "FEATURES", "FEATURE_NAMES", "FeatureSpec", "Reading", "TacticsConfig", "ZONES",
           "ResultConfig", "hull_area", "read_trajectory", "soft_features", "spec", "tactical_features",
           "tracking_events"]
