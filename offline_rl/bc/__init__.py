"""Behaviour cloning of real offenses: the league-average offense fitted on the train
split's possessions, played in the simulator as an :class:`engine.policy.SimPolicy`.

Imports ``engine/`` only; ``hoopsim/`` builds it and hands it to the envs.
"""

from offline_rl.bc.data import TrainingData, build_training_data
from offline_rl.bc.offense import (
    KIND,
    BCOffense,
    FittedOffense,
    OffenseBCConfig,
    OffenseNet,
    evaluate,
    fit_key,
    fit_offense,
    fit_or_load,
    load,
    save,
)

__all__ = ["KIND", "BCOffense", "FittedOffense", "OffenseBCConfig", "OffenseNet", "TrainingData",
           "build_training_data", "evaluate", "fit_key", "fit_offense", "fit_or_load", "load", "save"]
