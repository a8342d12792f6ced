"""Logs -> possessions: alignment of tracking to play-by-play, possession segmentation,
action labels, tactical events and features, the ingest pipeline, the cached
:class:`PossessionSet`, its export and datasheet, alignment checks.

Front door: :func:`load_possessions` (files -> cached dataset) and :func:`ingest`.
"""

from engine.possessions.api import load_possessions
from engine.possessions.dataset import PossessionSet, load_cache, save_cache
from engine.possessions.ingest import IngestConfig, ingest
from engine.possessions.labels import Action, LabelConfig, label_actions
from engine.possessions.segment import Possession

__all__ = ["Action", "IngestConfig", "LabelConfig", "Possession", "PossessionSet", "ingest",
           "label_actions", "load_cache", "load_possessions", "save_cache"]
