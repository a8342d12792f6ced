"""Does a scripted play look like itself? Batched rollouts judged by the event detector.

A batch of possessions starts from the 5-out formation (:func:`envs.plays.five_out_formation`),
an offense (:data:`envs.offense.OFFENSES`) plays against a defensive scheme
(:data:`envs.defense.DEFENSES`) through :func:`envs.team_step.team_step`, the trajectories become
:class:`engine.possessions.segment.Possession` objects (:mod:`engine.sim.trace`) and
:func:`engine.possessions.events.detect_events` (tactical) looks for each play's signature:

- pick_and_roll: a screen;        - post_up: a post entry;
- motion: a ball reversal;        - drive_and_kick: a kick-out (a drive, then the pass);
- isolation: the first handler drives (to within 15 ft) or shoots before any pass.

This is a small loop for checks and benchmarks, not the env rollout.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.possessions.events import TacticalConfig, detect_events
from engine.possessions.segment import Possession
from engine.sim.step import SimConfig, initial_state
from engine.sim.trace import possessions_from_sim
from envs.defense import DEFENSES
from envs.offense import OFFENSES
from envs.plays import five_out_formation
from envs.team_step import scheme_velocity, team_step


def default_outcomes(device: torch.device | str = "cpu"):
    """The shipped outcome models as engine.outcomes.torch_eval.OutcomeTensors."""
    from engine.outcomes.models import default_models
    from engine.outcomes.torch_eval import OutcomeTensors
    return OutcomeTensors.from_models(default_models(), device)


def simulate(offense: str, defense: str, n: int = 100, seed: int = 0, out=None,
             max_steps: int = 60, cfg: SimConfig | None = None, handler: int = 0,
             device: torch.device | str = "cpu") -> list[Possession]:
    """n possessions (one batch) of ``offense`` vs ``defense`` from the 5-out start.

    out: outcome tensors (default: the shipped models); handler: offensive index 0..4
    of the first ball handler (0 stands at the top, 1 / 2 on the wings, 3 / 4 in the
    corners). Every random value comes from one generator seeded with ``seed``.
    Returns one Possession per row (meta: outcome, points, row)."""
    cfg = cfg or SimConfig()
    out = out if out is not None else default_outcomes(device)
    gen = torch.Generator(device=device).manual_seed(seed)
    pos, first = five_out_formation(n, gen, device=device)
    nan = torch.full((n,), float("nan"), device=device)
    state = initial_state(pos, first + handler, nan, torch.full((n,), 700.0, device=device), cfg=cfg)
    policy, scheme = OFFENSES.make(offense), DEFENSES.make(defense)
    mem, dstate = policy.init(state, gen), None
    valid = torch.ones(n, 11, dtype=torch.bool, device=device)
    frames, events = [state], []
    for _ in range(max_steps):
        if bool(state.done.all()):
            break

        def defend(state=state):
            nonlocal dstate
            vx, vy, dstate = scheme_velocity(scheme, state, valid, dstate, cfg.dt_s)
            return vx, vy

        state, ev, mem, _ = team_step(state, policy, mem, defend, gen, out, cfg)
        frames.append(state)
        events.append(ev)
    return possessions_from_sim(frames, events)


ISO_DEPTH_FT = 15.0  # an isolation drive reaches at least this close to the hoop


def isolation_signature(poss: Possession, events: list[dict]) -> bool:
    """The first handler shoots, or drives to within ISO_DEPTH_FT of the hoop, before
    any pass is made."""
    first = int(poss.handler[0])
    for e in events:
        if e["type"] == "pass":
            return False
        deep = e["type"] == "drive" and e["depth_ft"] <= ISO_DEPTH_FT
        if (deep or e["type"] == "shot") and e.get("from") == first:
            return True
    return False


SIGNATURES = {
    "pick_and_roll": lambda p, ev: any(e["type"] == "screen" for e in ev),
    "drive_and_kick": lambda p, ev: any(e["type"] == "kick_out" for e in ev),
    "post_up": lambda p, ev: any(e["type"] == "post_entry" for e in ev),
    "motion": lambda p, ev: any(e["type"] == "ball_reversal" for e in ev),
    "isolation": isolation_signature,
}


def signature_rates(possessions: list[Possession], cfg: TacticalConfig | None = None
                    ) -> dict[str, float]:
    """Share of possessions showing each play's signature: {play name: rate in [0, 1]}."""
    hits = {name: [] for name in SIGNATURES}
    for p in possessions:
        ev = detect_events(p, tactical=True, cfg=cfg)
        for name, sig in SIGNATURES.items():
            hits[name].append(bool(sig(p, ev)))
    return {name: float(np.mean(v)) if v else float("nan") for name, v in hits.items()}
