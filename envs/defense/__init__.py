"""Defensive schemes: batched torch schemes over canonical positions (``schemes``:
man-to-man, loose man, switch everything, 2-3 zone), the behaviour-cloned defense
(``bc``, saved and cached by ``bc_cache``) and the plain-Python twins of the scripted
schemes for the gym env's fast path (``fast``). Every scheme, ``bc`` included, is a
name of the :data:`DEFENSES` registry."""

from envs.defense.bc import BCConfig, BCDefense, fit_bc, sample_frames
from envs.defense.bc_cache import fit_or_load_defense, load_defense, save_defense
from envs.defense.fast import fast_twin
from envs.defense.schemes import (
    DEF,
    DEFENSES,
    OFF,
    DefenseScheme,
    DefenseState,
    LooseManConfig,
    ManToMan,
    ManToManConfig,
    SwitchConfig,
    Zone23,
    ZoneConfig,
    guard_spot,
    matched_distance,
    min_cost_assignment,
)

__all__ = ["DEF", "DEFENSES", "OFF", "BCConfig", "BCDefense", "DefenseScheme", "DefenseState",
           "LooseManConfig", "ManToMan", "ManToManConfig", "SwitchConfig", "Zone23", "ZoneConfig",
           "fast_twin", "fit_bc", "fit_or_load_defense", "guard_spot",
           "load_defense", "matched_distance", "min_cost_assignment",
           "sample_frames", "save_defense"]
