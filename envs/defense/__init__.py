"""Defensive schemes: batched torch schemes over canonical positions (``schemes``:
man-to-man, loose man, switch everything, 2-3 zone), the behaviour-cloned defense
(``bc``, saved and cached by ``bc_cache``) and the plain-Python twins of the scripted
schemes for the gym env's fast path (``fast``)."""

from envs.defense.bc import BCConfig, BCDefense, fit_bc, sample_frames
from envs.defense.bc_cache import fit_or_load_defense, load_defense, save_defense
from envs.defense.fast import fast_twin
from envs.defense.schemes import (
    DEF,
    OFF,
    SCHEMES,
    DefenseScheme,
    DefenseState,
    LooseManConfig,
    ManToMan,
    ManToManConfig,
    SwitchConfig,
    Zone23,
    ZoneConfig,
    config_from_dict,
    guard_spot,
    make_scheme,
    matched_distance,
    min_cost_assignment,
)

__all__ = ["DEF", "OFF", "SCHEMES", "BCConfig", "BCDefense", "DefenseScheme", "DefenseState",
           "LooseManConfig", "ManToMan", "ManToManConfig", "SwitchConfig", "Zone23", "ZoneConfig",
           "config_from_dict", "fast_twin", "fit_bc", "fit_or_load_defense", "guard_spot",
           "load_defense", "make_scheme", "matched_distance", "min_cost_assignment",
           "sample_frames", "save_defense"]
