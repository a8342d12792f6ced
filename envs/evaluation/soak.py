"""Soak test of the simulator (issue 11, ``hoopsim soak``): many possessions of every
defensive scheme against every offense, checked row by row and step by step.

Cells: each scheme of ``schemes`` (default: every scripted scheme of
:data:`envs.defense.DEFENSES`; ``bc`` needs a fitted model and comes in through ``extra``)
x each offense (``random_walk`` and every scripted play of :data:`envs.offense.PLAYS`,
plus any SimPolicy the caller passes, e.g. the BC offense wired in by hoopsim/).
``possessions`` is the total over all cells, split evenly; each cell runs in chunks of
``batch`` rows from start rows drawn uniformly, stepped by :func:`envs.team_step.team_step`
until every row has ended or ``max_steps`` steps (0.52 s each). Each chunk is a unit of the
executor seam (engine.runtime.executor: this process by default, or Ray) with its own
random streams, seeded by the run seed, the scheme, the offense and the chunk's number.

Checks (a count of failing rows per check and cell; any count above 0 fails the soak):

- ``nonfinite``: a NaN / inf in any position or velocity, any step;
- ``off_court``: a player more than ``court_margin_ft`` outside the 94 x 50 ft court;
- ``over_speed``: a player faster than the sim's speed cap (x 1.001 for float rounding);
- ``unfinished``: a row that had not ended after ``max_steps`` steps;
- ``illegal_outcome``: an ended row whose outcome is not one of the legal ends
  (made, defensive rebound, turnover, shot clock, period end, free throws);
- ``points_mismatch``: a row whose points differ from the sum of its step events
  (made field goals x their value + made free throws), or do not fit its outcome (a made
  field goal 2-4 points, free throws 0-3, every other end 0);
- ``ppp``: a scheme whose points per possession over all its offenses lies outside
  ``ppp_range``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from engine.court import COURT_LENGTH, COURT_WIDTH
from engine.runtime.device import unit_seed
from engine.runtime.executor import ExecutorConfig, Unit, run_units
from engine.runtime.shards import ShardStore
from engine.sim.step import Outcome, SimConfig
from envs.defense import DEFENSES, DefenseState
from envs.offense import OFFENSES, PLAYS
from envs.team_step import scheme_velocity, team_step

LEGAL = (Outcome.MADE, Outcome.DEFENSIVE_REBOUND, Outcome.TURNOVER, Outcome.SHOT_CLOCK,
         Outcome.PERIOD_END, Outcome.FREE_THROWS)
CHECKS = ("nonfinite", "off_court", "over_speed", "unfinished", "illegal_outcome",
          "points_mismatch")


def default_offenses() -> tuple[str, ...]:
    return ("random_walk", *PLAYS)


def default_schemes() -> tuple[str, ...]:
    return tuple(n for n in DEFENSES.names() if n != "bc")


@dataclass
class SoakConfig:
    """possessions: total over all cells; batch: rows stepped together; max_steps: steps
    (0.52 s) before a row counts as unfinished; court_margin_ft: feet a player may be off
    the court; ppp_range: allowed points per possession of each scheme; seed: the
    generator of starts and uniforms; sizes: {offense: (possessions over all schemes,
    batch)} for an offense that is not split like the others (a planner)."""

    possessions: int = 1_000_000
    batch: int = 4096
    max_steps: int = 400
    schemes: tuple[str, ...] = field(default_factory=default_schemes)
    offenses: tuple[str, ...] = field(default_factory=default_offenses)
    court_margin_ft: float = 2.0
    ppp_range: tuple[float, float] = (0.6, 1.4)
    seed: int = 0
    sizes: dict = field(default_factory=dict)   # offense -> (possessions over all schemes, batch)


def _row_checks(pos, vel, cap: float, margin: float) -> tuple[torch.Tensor, ...]:
    """Per row (b,) bool: nonfinite, off_court, over_speed of pos / vel (b, 11, 3) (feet,
    ft/s; players are slots 1..10)."""
    nonfinite = ~(torch.isfinite(pos).all(dim=(1, 2)) & torch.isfinite(vel).all(dim=(1, 2)))
    x, y = pos[:, 1:, 0], pos[:, 1:, 1]
    off = ((x < -margin) | (x > COURT_LENGTH + margin) | (y < -margin)
           | (y > COURT_WIDTH + margin)).any(dim=1)
    vx, vy = vel[:, 1:, 0], vel[:, 1:, 1]
    fast = ((vx * vx + vy * vy) > (cap * 1.001) ** 2).any(dim=1)
    return nonfinite, off, fast


def run_chunk(core_parts: dict, offense, scheme, n: int, cfg: SoakConfig,
              generator: torch.Generator, rng: np.random.Generator) -> dict:
    """One chunk of ``n`` rows: counts of each check, possessions, points, outcomes.
    core_parts: {"starts", "outcomes", "sim_cfg", "device"}."""
    starts, outcomes, sim_cfg = core_parts["starts"], core_parts["outcomes"], core_parts["sim_cfg"]
    dev = core_parts["device"]
    sim = starts.to_sim(starts.sample(rng, n), dev, outcomes, sim_cfg)
    valid = torch.ones(n, 11, dtype=torch.bool, device=dev)
    memory = offense.init(sim, generator)
    _, dstate = scheme(sim.pos, valid, None)
    dstate = DefenseState(dstate.assignment)
    bad = {k: torch.zeros(n, dtype=torch.bool, device=dev) for k in CHECKS}
    summed = torch.zeros(n, dtype=sim.points.dtype, device=dev)
    cap, margin = sim_cfg.player_speed_ftps, cfg.court_margin_ft

    def defend():
        nonlocal dstate
        vx, vy, dstate = scheme_velocity(scheme, sim, valid, dstate, sim_cfg.dt_s)
        return vx, vy

    steps = 0
    for steps in range(1, cfg.max_steps + 1):
        sim, ev, memory, _ = team_step(sim, offense, memory, defend, generator, outcomes, sim_cfg)
        for k, flag in zip(("nonfinite", "off_court", "over_speed"),
                           _row_checks(sim.pos, sim.vel, cap, margin)):
            bad[k] |= flag
        shot_pts = torch.where(ev["made"], sim.shot_value.to(summed.dtype), 0.0)
        summed = summed + shot_pts + ev["ft_made"].to(summed.dtype)
        if bool(sim.done.all()):
            break
    pts, out = sim.points, sim.outcome
    legal = torch.zeros_like(sim.done)
    for o in LEGAL:
        legal |= out == int(o)
    bad["unfinished"] = ~sim.done
    bad["illegal_outcome"] = sim.done & ~legal
    fits = torch.where(out == int(Outcome.MADE), (pts >= 2) & (pts <= 4),
                       torch.where(out == int(Outcome.FREE_THROWS), (pts >= 0) & (pts <= 3), pts == 0))
    bad["points_mismatch"] = ((summed - pts).abs() > 1e-4) | (sim.done & ~fits)
    return {"n": n, "points": float(pts.sum()), "steps": steps,
            "outcomes": torch.bincount(out, minlength=len(Outcome)).tolist(),
            **{k: int(v.sum()) for k, v in bad.items()}}


def _merge(acc: dict | None, part: dict) -> dict:
    if acc is None:
        return dict(part)
    out = {k: acc[k] + part[k] for k in ("n", "points", *CHECKS)}
    out["steps"] = max(acc["steps"], part["steps"])
    out["outcomes"] = [a + b for a, b in zip(acc["outcomes"], part["outcomes"])]
    return out


def soak_unit(args, shared: dict) -> dict:
    """One chunk of one scheme x offense cell as a unit of the executor seam
    (engine.runtime.executor): its start rows and random numbers come from
    ``unit_seed(seed, "soak", scheme, offense, chunk)``, never from the worker or the order
    units run in. shared: {"cfg", "starts", "outcomes", "sim_cfg", "device", "offenses",
    "schemes"} (the last two: extra name -> policy / scheme, besides the registered names)."""
    s_name, o_name, chunk, n = args
    cfg, sim_cfg, device = shared["cfg"], shared["sim_cfg"], torch.device(shared["device"])
    seed = unit_seed(cfg.seed, "soak", s_name, o_name, chunk)
    scheme = shared["schemes"].get(s_name) or DEFENSES.make(
        s_name, {"speed_ftps": sim_cfg.player_speed_ftps, "dt": sim_cfg.dt_s})
    offense = shared["offenses"].get(o_name) or OFFENSES.make(o_name)
    parts = {"starts": shared["starts"], "outcomes": shared["outcomes"], "sim_cfg": sim_cfg,
             "device": device}
    t0 = time.perf_counter()
    out = run_chunk(parts, offense, scheme, n, cfg, torch.Generator(device=device).manual_seed(seed),
                    np.random.default_rng(seed))
    return {**out, "wall_s": time.perf_counter() - t0}


def soak_units(cfg: SoakConfig, schemes, offenses) -> list[Unit]:
    """Chunks of ``cfg.batch`` rows of every scheme x offense cell (``possessions`` spread
    evenly over the cells); an offense in ``cfg.sizes`` has its own total (spread over the
    schemes) and chunk size instead (a planner: fewer, smaller chunks)."""
    sized = [o for o in offenses if o in cfg.sizes]
    per_cell = max(1, -(-cfg.possessions // (len(schemes) * max(1, len(offenses) - len(sized)))))
    units = []
    for s_name in schemes:
        for o_name in offenses:
            total, batch = cfg.sizes.get(o_name, (None, cfg.batch))
            cell = per_cell if total is None else max(1, -(-int(total) // len(schemes)))
            for chunk, lo in enumerate(range(0, cell, int(batch))):
                n = min(int(batch), cell - lo)
                units.append(Unit(f"soak/{s_name}/{o_name}/c{chunk:05d}", (s_name, o_name, chunk, n)))
    return units


def run_soak(cfg: SoakConfig, starts, outcomes, sim_cfg: SimConfig, device: torch.device,
             extra_offenses: dict | None = None, extra_schemes: dict | None = None,
             progress: bool = True, executor: ExecutorConfig | None = None,
             store: ShardStore | None = None) -> dict:
    """Every scheme x offense cell (module docstring), its chunks run as units on
    ``executor`` (default: this process; ``store`` keeps finished chunks for a rerun).
    extra_offenses / extra_schemes: {name: SimPolicy / scheme callable} added to the named
    ones (e.g. ``bc``). Returns {"cells": [{"scheme", "offense", "n", "ppp", "wall_s",
    "outcomes": {name: count}, <check>: count}], "schemes": {scheme: {"n", "ppp", "ppp_ok"}},
    "possessions", "wall_s", "failures": [one line per failed check], "ok"}."""
    schemes = list(dict.fromkeys([*cfg.schemes, *(extra_schemes or {})]))
    offenses = list(dict.fromkeys([*cfg.offenses, *(extra_offenses or {})]))
    shared = {"cfg": cfg, "starts": starts, "outcomes": outcomes, "sim_cfg": sim_cfg,
              "device": str(device), "offenses": dict(extra_offenses or {}),
              "schemes": dict(extra_schemes or {})}
    t_all = time.perf_counter()
    units = soak_units(cfg, schemes, offenses)
    results = run_units(soak_unit, units, shared, executor, store, desc="soak", progress=progress)
    merged: dict = {}
    for unit, part in zip(units, results):
        key = unit.args[:2]
        wall = merged.get(key, {}).get("wall_s", 0.0) + part["wall_s"]
        merged[key] = {**_merge(merged.get(key), {k: v for k, v in part.items() if k != "wall_s"}),
                       "wall_s": wall}
    cells = []
    for (s_name, o_name), acc in merged.items():
        acc["outcomes"] = {o.name: acc["outcomes"][int(o)] for o in Outcome}
        cells.append({"scheme": s_name, "offense": o_name, "ppp": acc["points"] / acc["n"], **acc})
    return summarize(cells, cfg, time.perf_counter() - t_all)


def summarize(cells: list[dict], cfg: SoakConfig, wall_s: float) -> dict:
    """Per-scheme PPP and the failed checks (one line each) of the cells."""
    failures, per_scheme = [], {}
    lo, hi = cfg.ppp_range
    for c in cells:
        for k in CHECKS:
            if c[k]:
                failures.append(f"{k}: {c[k]} of {c['n']} possessions ({c['scheme']} vs {c['offense']})")
    for s in dict.fromkeys(c["scheme"] for c in cells):
        mine = [c for c in cells if c["scheme"] == s]
        n = sum(c["n"] for c in mine)
        ppp = sum(c["points"] for c in mine) / n
        per_scheme[s] = {"n": n, "ppp": ppp, "ppp_ok": lo <= ppp <= hi}
        if not lo <= ppp <= hi:
            failures.append(f"ppp: {s} {ppp:.3f} outside [{lo}, {hi}]")
    return {"cells": cells, "schemes": per_scheme, "possessions": sum(c["n"] for c in cells),
            "wall_s": wall_s, "failures": failures, "ok": not failures,
            "batch": cfg.batch, "max_steps": cfg.max_steps}


def table(res: dict) -> str:
    """The soak counts as text: one line per cell, then per scheme."""
    head = f"{'scheme':<18}{'offense':<16}{'n':>9}{'PPP':>7}{'wall s':>8}  " + " ".join(
        f"{k}" for k in CHECKS)
    lines = [head]
    for c in res["cells"]:
        lines.append(f"{c['scheme']:<18}{c['offense']:<16}{c['n']:>9,}{c['ppp']:>7.3f}"
                     f"{c['wall_s']:>8.1f}  " + " ".join(f"{c[k]:>{len(k)}}" for k in CHECKS))
    for s, v in res["schemes"].items():
        lines.append(f"{s:<18}{'(all)':<16}{v['n']:>9,}{v['ppp']:>7.3f}"
                     + ("" if v["ppp_ok"] else "  PPP OUT OF RANGE"))
    lines.append(f"{res['possessions']:,} possessions in {res['wall_s']:.1f} s "
                 f"(batch {res['batch']}); " + ("all checks passed" if res["ok"]
                                                 else f"{len(res['failures'])} failed checks"))
    return "\n".join(lines)
