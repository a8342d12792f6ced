"""The simulator: batched torch state and step (``state``, ``geometry``, ``step``), its
plain-Python single-possession twin (``fast``, tested step for step against ``step``),
the observation encoders of the env faces as pure functions (``observe``: HalfCourt-v0's
and Decision-v0's), dataset frames -> :class:`SimState` (``starts``), and simulated
trajectories -> :class:`engine.possessions.Possession` (``trace``).

Front door: :class:`SimState`, :class:`SimConfig`, :func:`initial_state`, :func:`step`;
``engine.sim.observe`` and ``engine.sim.starts`` are imported by name.
"""
from engine.sim.state import (
                              DEF,
                              N_DECISIONS,
                              N_NOISE,
                              OFF,
                              SHOT_CLOCK_S,
                              BallMode,
                              Decision,
                              Noise,
                              Outcome,
                              SimConfig,
                              SimState,
                              initial_state,
                              merge,
)
from engine.sim.step import advance, step

__all__ = ["DEF", "N_DECISIONS", "N_NOISE", "OFF", "SHOT_CLOCK_S", "BallMode", "Decision", "Noise",
           "Outcome", "SimConfig", "SimState", "advance", "initial_state", "merge", "step"]
