"""Batched rollouts: any offense (:class:`engine.policy.SimPolicy`) against any defense
scheme (a scripted :mod:`envs.defense` scheme or :class:`envs.defense.bc.BCDefense`:
``scheme(positions (b, 11, 3), valid (b, 11), DefenseState | None) -> (next defender
xy (b, 5, 2), DefenseState)``), from a :class:`engine.sim.step.SimState`, until every
possession ends or ``max_steps`` steps.

One loop over time steps, none over the batch; each step is :func:`envs.team_step.team_step`,
which draws, in this order, the
offense policy's fixed number of values and ``N_NOISE`` uniforms per row from the one
generator: the same seed gives the same rollout (the order of
:class:`envs.core.HalfCourtCore`).

Returned dict (b rows, T = steps taken + 1 frames; feet, seconds):

- ``positions (b, T, 11, 3)``, ``handler (b, T)`` long, ``ball_mode (b, T)`` long,
  ``done (b, T)`` bool (the row had ended at that frame), ``shot_clock (b, T)``;
- per row: ``outcome (b,)`` long engine.sim.step.Outcome (ONGOING = truncated), ``points``,
  ``length_s`` (elapsed game time), ``n_passes``, ``n_shots``, ``n_oreb``,
  ``turnover`` (interception, live-ball steal or shot-clock violation) bool,
  ``truncated`` bool;
- per shot (k shots over all rows, in release order): ``shot_row (k,)`` long,
  ``shot_distance_ft``, ``shot_is_three``, ``shot_made``, ``shot_fouled``,
  ``shot_p_make``, ``shot_defender_ft``, ``shot_xy (k, 2)`` release point,
  ``shot_body_ft`` the shooter's distance to the hoop (``shot_distance_ft`` is the logged
  release distance, engine.outcomes.release);
- ``dt_s`` the step length.
"""

from __future__ import annotations

import torch
from tqdm import tqdm

from engine.policy import SimPolicy
from engine.sim.step import Outcome, SimConfig, SimState, hoop_xy, shot_features
from envs.defense import DefenseState
from envs.team_step import scheme_velocity, team_step


def _shot_rows(before: SimState, after: SimState, ev: dict) -> dict[str, torch.Tensor]:
    """Shots released this step: features of the release (shooter at ``after``'s
    position; make / foul already drawn)."""
    go = ev["shot"]
    f = shot_features(after)
    dist = (after.src[:, :2] - hoop_xy(after.src)).norm(dim=-1)
    rows = torch.nonzero(go)[:, 0]
    return {"shot_row": rows, "shot_distance_ft": dist[rows], "shot_xy": after.src[rows, :2],
            "shot_is_three": (after.shot_value == 3)[rows], "shot_made": after.shot_made[rows],
            "shot_fouled": after.fouled[rows], "shot_p_make": ev["p_make"][rows],
            "shot_defender_ft": f["defender_ft"][rows], "shot_body_ft": f["distance_ft"][rows]}


def simulate(start: SimState, offense: SimPolicy, defense, outcomes, cfg: SimConfig,
             generator: torch.Generator, max_steps: int = 120,
             progress: bool = False,
             policy_generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Roll ``start`` (b rows) forward (module docstring for the returned dict).

    ``policy_generator``: the offense's own generator; by default it shares
    ``generator``. A separate one keeps the simulator's uniforms identical whatever the
    offense draws (common random numbers for paired comparisons)."""
    policy_generator = policy_generator or generator
    sim, b, dev = start, start.batch_size, start.device
    valid = torch.ones(b, 11, dtype=torch.bool, device=dev)
    memory = offense.init(sim, policy_generator)
    _, dstate = defense(sim.pos, valid, None)
    dstate = DefenseState(dstate.assignment)
    frames = {"positions": [sim.pos], "handler": [sim.handler], "ball_mode": [sim.ball_mode],
              "done": [sim.done], "shot_clock": [sim.shot_clock]}
    shots: list[dict[str, torch.Tensor]] = []
    def defend():
        nonlocal dstate
        vx, vy, dstate = scheme_velocity(defense, sim, valid, dstate, cfg.dt_s)
        return vx, vy

    for _ in tqdm(range(max_steps), desc="simulate", disable=not progress, leave=False):
        if bool(sim.done.all()):
            break
        new, ev, memory, _ = team_step(sim, offense, memory, defend, generator, outcomes, cfg,
                                       policy_generator)
        shots.append(_shot_rows(sim, new, ev))
        sim = new
        for k, v in (("positions", sim.pos), ("handler", sim.handler), ("ball_mode", sim.ball_mode),
                     ("done", sim.done), ("shot_clock", sim.shot_clock)):
            frames[k].append(v)
    out = {k: torch.stack(v, dim=1) for k, v in frames.items()}
    out.update(_row_summary(sim))
    keys = ("shot_row", "shot_distance_ft", "shot_xy", "shot_is_three", "shot_made", "shot_fouled",
            "shot_p_make", "shot_defender_ft", "shot_body_ft")
    out.update({k: torch.cat([s[k] for s in shots]) if shots else torch.zeros(0, device=dev)
                for k in keys})
    out["dt_s"] = torch.tensor(cfg.dt_s)
    return out


def _row_summary(sim: SimState) -> dict[str, torch.Tensor]:
    tov = (sim.outcome == Outcome.TURNOVER) | (sim.outcome == Outcome.SHOT_CLOCK)
    return {"outcome": sim.outcome, "points": sim.points, "length_s": sim.elapsed,
            "n_passes": sim.n_passes, "n_shots": sim.n_shots, "n_oreb": sim.n_oreb,
            "turnover": tov, "truncated": ~sim.done}


def simulate_batched(start_fn, n: int, batch: int, offense: SimPolicy, defense, outcomes,
                     cfg: SimConfig, generator: torch.Generator, max_steps: int = 120,
                     progress: bool = True) -> list[dict[str, torch.Tensor]]:
    """Run ``n`` rows in chunks of ``batch``: ``start_fn(lo, hi) -> SimState`` gives the
    chunk's starting states. Returns the per-chunk results of :func:`simulate`."""
    parts = []
    for lo in tqdm(range(0, n, batch), desc="rollouts", disable=not progress):
        hi = min(lo + batch, n)
        parts.append(simulate(start_fn(lo, hi), offense, defense, outcomes, cfg, generator,
                              max_steps))
    return parts
