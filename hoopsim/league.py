"""The league-like offense: the behaviour-cloned offense with its shot-selection table
calibrated in closed loop against the behaviour-cloned defense on TRAINING starts
(:mod:`offline_rl.bc.shot_calibrate`), cached beside the fits; :func:`league_models` fits
or loads both (``hoopsim realism``, ``hoopsim soak`` with data)."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import torch

from engine.errors import HoopsimConfigError
from engine.outcomes.models import default_models
from engine.runtime.cache import cache_folder, cache_key
from engine.runtime.checkpoint import has_checkpoint
from engine.sim.step import Outcome
from envs.defense.bc_cache import fit_key as defense_key
from envs.evaluation.realism import start_rows
from envs.simulate import simulate_batched
from envs.starts import StartStates
from offline_rl.bc import offense as bc
from offline_rl.bc import shot_calibrate as cal

log = logging.getLogger(__name__)
KIND = "bc-offense-cal"
# the league offense's settings (hoopsim/conf/realism.yaml spells out the same; the soak uses
# these, so both tasks share one cached fit and calibration)
LEAGUE_OFFENSE = bc.OffenseBCConfig(shot_by_distance=True, calibrate_rounds=3, calibrate_starts=2000)
CAL_VERSION = 7


def _simulated_shots(fit: bc.FittedOffense, defense, starts: StartStates, idx: np.ndarray,
                     seed: int, device) -> tuple[np.ndarray, int]:
    """Shots by body ring and category (offline_rl.bc.shot_calibrate.body_by_category) and
    shot-clock violations of the possessions from ``starts`` rows ``idx``."""
    from envs.core import default_outcomes, default_sim_config

    outcomes, sim_cfg = default_outcomes(device), default_sim_config()
    gen = torch.Generator(device=device).manual_seed(seed)
    defense.to(device)
    parts = simulate_batched(lambda lo, hi: starts.to_sim(idx[lo:hi], device, outcomes, sim_cfg),
                             len(idx), 1000, bc.BCOffense(fit), defense, outcomes, sim_cfg, gen,
                             progress=False)
    cat = lambda k: np.concatenate([p[k].cpu().numpy() for p in parts])  # noqa: E731
    violations = int((cat("outcome") == int(Outcome.SHOT_CLOCK)).sum())
    return (cal.body_by_category(cat("shot_body_ft"), cat("shot_distance_ft"), cat("shot_is_three")),
            violations)


def calibrated_offense(fit: bc.FittedOffense, defense, train, defense_cfg, seed: int,
                       cache_dir=None, device="cpu") -> bc.FittedOffense:
    """``fit`` with its shot table calibrated by ``fit.cfg.calibrate_rounds`` rounds of
    ``fit.cfg.calibrate_starts`` possessions from the training starts of ``train`` (a
    PossessionSet of games before the cutoff) against ``defense`` (the BC defense fitted
    with ``defense_cfg``, ``seed``). No rounds: ``fit`` unchanged."""
    c = fit.cfg
    if c.calibrate_rounds <= 0:
        return fit
    if fit.shot_table is None or not c.shot_by_distance:
        raise HoopsimConfigError("offense", "calibrate_rounds",
                                 "shot calibration needs shot_model=true and shot_by_distance=true")
    key = cache_key(KIND, CAL_VERSION, bc.fit_key(train, c), defense_key(train, defense_cfg, seed),
                    c.calibrate_rounds, c.calibrate_starts, seed)
    directory = cache_folder(KIND, key, cache_dir)
    if has_checkpoint(directory):
        out = bc.load(directory)
        out.cfg = c
        return out
    starts = StartStates.from_dataset(train, split="train")
    real = cal.logged_counts(train.meta["shots"].iloc[start_rows(train, starts)])

    def simulate(table, idx, round_seed):
        return _simulated_shots(dataclasses.replace(fit, shot_table=table), defense, starts,
                                idx, round_seed, device)

    # the shipped models' rate (fitted on the games before 0021500500)
    violations = default_models().rates["shot_clock_turnovers_per_possession"]
    table, rounds = cal.calibrate(fit.shot_table.clone(), real, len(starts), violations, simulate,
                                  c.calibrate_rounds, c.calibrate_starts, len(starts), seed)
    log.info("shot calibration (training starts): %s", rounds)
    out = dataclasses.replace(fit, shot_table=table,
                              info={**fit.info, "shot_calibration": rounds})
    bc.save(out, directory)
    return out


def league_models(train, test, offense_cfg: bc.OffenseBCConfig, defense_cfg, seed: int,
                  cache_dir=None, device="cpu"):
    """(BCOffense, BCDefense, offense fit info): both fitted on ``train`` (games before the
    cutoff) or loaded from the cache with ``seed``; the offense's shot table calibrated
    when ``offense_cfg.calibrate_rounds`` > 0. ``test``: held-out possessions for the
    offense's fit metrics only (None: none)."""
    from envs.defense.bc_cache import fit_or_load_defense

    fit = bc.fit_or_load(train, dataclasses.replace(offense_cfg, seed=seed), test, cache_dir=cache_dir)
    defense = fit_or_load_defense(train, defense_cfg, seed=seed, cache_dir=cache_dir)
    fit = calibrated_offense(fit, defense, train, defense_cfg, seed, cache_dir, device)
    return bc.BCOffense(fit), defense, fit.info
