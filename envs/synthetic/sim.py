"""Batched half-court possessions for the synthetic corpus (:mod:`envs.synthetic.config`).

:class:`HalfCourtRunner` plays n possessions at once with :func:`envs.team_step.team_step`:
each row starts from the 5-out formation (:func:`envs.plays.five_out_formation`,
defenders on their men's guard spots) with the handler rotated to one of the five
players, runs its offense (a :class:`engine.policy.SimPolicy` of
:data:`envs.offense.OFFENSES`) against its defensive scheme
(of :data:`envs.defense.DEFENSES`) and records every frame and event until all rows
are done. Rows that share an offense (a scheme) are stepped as one sub-batch; done
rows are dropped from the batch when they are the majority, so a few long
possessions do not pay for the whole batch. Canonical orientation, feet, seconds.

Randomness comes only from the ``torch.Generator`` passed to :meth:`run`: the
formation jitter, then the policies' init draws, then per step the policies' draws
and ``rand(b, N_NOISE)`` for the simulator (the order of
:func:`envs.team_step.team_step`), all in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.sim.step import DEF, Noise, SimConfig, SimState, initial_state
from envs.core import default_outcomes, default_sim_config
from envs.defense import DEFENSES, DefenseState
from envs.offense import OFFENSES
from envs.plays import five_out_formation
from envs.team_step import team_step

NOMINAL_CLOCK_S = 1.0e4   # "no period end in sight": the game clock of speculative runs
EVENTS = ("shot", "made", "miss", "oreb", "dreb", "interception", "steal",
          "shot_clock_violation", "period_end", "nonshooting_foul", "bonus")


@dataclass
class Requests:
    """n possessions to play. shift (n,) int: the handler is offensive index ``shift``
    (slot shift + 1); shot_clock, game_clock (n,) seconds at the start (inf: no period
    end); offense (n,) int index into the runner's offenses; defense (n,) int index
    into its schemes."""

    shift: np.ndarray
    shot_clock: np.ndarray
    game_clock: np.ndarray
    offense: np.ndarray
    defense: np.ndarray

    def __len__(self) -> int:
        return int(self.shift.shape[0])


@dataclass
class Trace:
    """What the runner recorded, numpy, frame-major: frame 0 is the start, frame t
    the state after step t. pos (T+1, n, 11, 3) feet; handler (T+1, n) slot;
    shot_clock (T+1, n) s; ev: name -> (T+1, n) bool for :data:`EVENTS`; shot_made,
    fouled (T+1, n) bool and shot_value (T+1, n) int of the last shot released;
    ft_made (T+1, n, 3) bool: which of its free throws go in (meaningful on the
    release frame); done_step (n,), outcome (n,) engine.sim.step.Outcome, points (n,)."""

    pos: np.ndarray
    handler: np.ndarray
    shot_clock: np.ndarray
    ev: dict
    shot_made: np.ndarray
    fouled: np.ndarray
    shot_value: np.ndarray
    ft_made: np.ndarray
    done_step: np.ndarray
    outcome: np.ndarray
    points: np.ndarray


class _Recorder:
    """Collects per-step numpy snapshots of the live batch rows (global ids ``rows``)."""

    def __init__(self, n: int) -> None:
        self.n, self.steps = n, []
        self.done_step = np.zeros(n, np.int64)
        self.outcome = np.zeros(n, np.int64)
        self.points = np.zeros(n, np.float64)

    def add(self, rows: torch.Tensor, s: SimState, ev: dict | None, ft: torch.Tensor) -> None:
        np_ = lambda x: x.detach().cpu().numpy()
        snap = {"rows": np_(rows), "pos": np_(s.pos), "handler": np_(s.handler),
                "shot_clock": np_(s.shot_clock), "shot_made": np_(s.shot_made),
                "fouled": np_(s.fouled), "shot_value": np_(s.shot_value), "ft_made": np_(ft)}
        for k in EVENTS:
            snap[k] = np_(ev[k]) if ev is not None else np.zeros(len(snap["rows"]), bool)
        t = len(self.steps)
        if ev is not None:
            ended = np_(ev["done"])
            r = snap["rows"][ended]
            self.done_step[r] = t
            self.outcome[r] = np_(s.outcome)[ended]
            self.points[r] = np_(s.points)[ended]
        self.steps.append(snap)

    def trace(self) -> Trace:
        t1, n = len(self.steps), self.n
        full = {}
        for k, v in self.steps[0].items():
            if k != "rows":
                full[k] = np.zeros((t1, n, *v.shape[1:]), v.dtype)
        for t, snap in enumerate(self.steps):
            for k, arr in full.items():
                arr[t, snap["rows"]] = snap[k]
        return Trace(pos=full["pos"], handler=full["handler"], shot_clock=full["shot_clock"],
                     ev={k: full[k] for k in EVENTS}, shot_made=full["shot_made"],
                     fouled=full["fouled"], shot_value=full["shot_value"],
                     ft_made=full["ft_made"], done_step=self.done_step,
                     outcome=self.outcome, points=self.points)


class _Group:
    """Batch positions ``idx`` (k,) that share a policy or scheme (all rows: idx None)."""

    def __init__(self, idx: torch.Tensor, b: int) -> None:
        self.idx = None if idx.numel() == b else idx
        self.memory: dict = {}

    def take(self, x):
        if self.idx is None:
            return x
        return x.index(self.idx) if isinstance(x, SimState) else x[self.idx]

    def put(self, full: torch.Tensor, part: torch.Tensor) -> torch.Tensor:
        if self.idx is None:
            return part
        full[self.idx] = part
        return full

    def compact(self, keep: torch.Tensor, new_pos: torch.Tensor) -> None:
        """Drop batch rows not in ``keep`` (b,) bool; new_pos (b,) the kept rows' new index."""
        mine = keep if self.idx is None else keep[self.idx]
        self.memory = {k: v[mine] for k, v in self.memory.items()}
        old = torch.arange(keep.numel(), device=keep.device) if self.idx is None else self.idx
        self.idx = new_pos[old[mine]]
        if self.idx.numel() == int(keep.sum()):
            self.idx = None


class _GroupedOffense:
    """The runner's offenses as one SimPolicy for :func:`envs.team_step.team_step`: each
    group's policy acts on its rows (groups in order, so the draws keep their order);
    the memories live in the groups (they follow compaction), the memory argument is
    passed through unused."""

    def __init__(self, groups: list[_Group], policies: list, device: torch.device) -> None:
        self.groups, self.policies, self.device = groups, policies, device

    def act(self, state: SimState, memory: dict, gen: torch.Generator):
        """off_vel (b, 5, 2) ft/s in the state's dtype, decision (b,) long, memory."""
        b = state.batch_size
        vel = torch.zeros(b, 5, 2, device=self.device, dtype=state.pos.dtype)
        dec = torch.zeros(b, dtype=torch.long, device=self.device)
        for g, policy in zip(self.groups, self.policies):
            if g.idx is not None and g.idx.numel() == 0:
                continue
            v, d, g.memory = policy.act(g.take(state), g.memory, gen)
            vel, dec = g.put(vel, v.to(vel.dtype)), g.put(dec, d.long())
        return vel, dec, memory


class HalfCourtRunner:
    """Plays batches of half-court possessions (module docstring). offenses: names of
    envs.offense.OFFENSES; defenses: names of envs.defense.DEFENSES (unknown names:
    HoopsimConfigError)."""

    def __init__(self, offenses: tuple[str, ...], defenses: tuple[str, ...],
                 device: str | torch.device = "cpu", sim_cfg: SimConfig | None = None,
                 outcomes=None) -> None:
        self.device = torch.device(device)
        self.sim_cfg = sim_cfg or default_sim_config()
        self.outcomes = outcomes if outcomes is not None else default_outcomes(self.device)
        self.policies = [OFFENSES.make(name) for name in offenses]
        limits = {"speed_ftps": self.sim_cfg.player_speed_ftps, "dt": self.sim_cfg.dt_s}
        self.schemes = [DEFENSES.make(name, limits) for name in defenses]

    @property
    def dt(self) -> float:
        return float(self.sim_cfg.dt_s)

    def start(self, req: Requests, gen: torch.Generator) -> SimState:
        """The starting states: 5-out formation, handler at the top is index ``shift``."""
        n, dev = len(req), self.device
        pos, _ = five_out_formation(n, gen, jitter_ft=1.5, device=dev)
        shift = torch.as_tensor(req.shift, device=dev).long()
        src = (torch.arange(5, device=dev)[None, :] - shift[:, None]) % 5   # spot of index j
        gather = lambda block: torch.gather(block, 1, src[..., None].expand(-1, -1, 3))
        pos[:, 1:6], pos[:, 6:11] = gather(pos[:, 1:6]), gather(pos[:, 6:11])
        clock = np.where(np.isfinite(req.game_clock), req.game_clock, NOMINAL_CLOCK_S)
        t = lambda x: torch.as_tensor(np.asarray(x, np.float32), device=dev)
        return initial_state(pos, shift + 1, t(req.shot_clock), t(clock), cfg=self.sim_cfg)

    def run(self, req: Requests, gen: torch.Generator) -> Trace:
        """Play every requested possession to its end; returns the recorded trace."""
        state = self.start(req, gen)
        b, dev = state.batch_size, self.device
        rows = torch.arange(b, device=dev)
        offense = torch.as_tensor(req.offense, device=dev)
        defense = torch.as_tensor(req.defense, device=dev)
        off = [_Group(torch.nonzero(offense == k)[:, 0], b) for k in range(len(self.policies))]
        dfn = [_Group(torch.nonzero(defense == k)[:, 0], b) for k in range(len(self.schemes))]
        for g, policy in zip(off, self.policies):
            g.memory = policy.init(g.take(state), gen) if g.idx is None or g.idx.numel() else {}
        assignment = self._assign(state, dfn)
        rec = _Recorder(b)
        rec.add(rows, state, None, torch.zeros(b, 3, dtype=torch.bool, device=dev))
        offense_all = _GroupedOffense(off, self.policies, self.device)
        while not bool(state.done.all()):
            def defend(state=state):
                nonlocal assignment
                def_vel, assignment = self._defense(state, dfn, assignment)
                return def_vel[..., 0], def_vel[..., 1]

            state, ev, _, noise = team_step(state, offense_all, {}, defend, gen, self.outcomes,
                                            self.sim_cfg)
            rec.add(rows, state, ev, _free_throws_made(state, noise))
            if 2 * int(state.done.sum()) > state.batch_size and not bool(state.done.all()):
                state, rows, assignment = _compact(state, rows, assignment, off + dfn)
        return rec.trace()

    def _assign(self, state: SimState, groups: list[_Group]) -> torch.Tensor:
        out = torch.zeros(state.batch_size, 5, dtype=torch.long, device=self.device)
        valid = torch.ones(state.batch_size, 11, dtype=torch.bool, device=self.device)
        for g, scheme in zip(groups, self.schemes):
            if g.idx is None or g.idx.numel():
                _, ds = scheme(g.take(state.pos), g.take(valid), None)
                out = g.put(out, ds.assignment)
        return out

    def _defense(self, state: SimState, groups: list[_Group], assignment: torch.Tensor):
        b = state.batch_size
        nxt = state.pos[:, DEF, :2].clone()
        valid = torch.ones(b, 11, dtype=torch.bool, device=self.device)
        for g, scheme in zip(groups, self.schemes):
            if g.idx is not None and g.idx.numel() == 0:
                continue
            xy, ds = scheme(g.take(state.pos), g.take(valid), DefenseState(g.take(assignment)))
            nxt, assignment = g.put(nxt, xy), g.put(assignment.clone(), ds.assignment)
        return (nxt - state.pos[:, DEF, :2]) / self.sim_cfg.dt_s, assignment


def _free_throws_made(state: SimState, noise: torch.Tensor) -> torch.Tensor:
    """(b, 3) bool: the free throws the simulator's draw makes for a shot released this
    step (the same comparison as engine.sim.step._start_shot: noise < the shooter's ft_pct)."""
    k = (state.handler - 1).clamp(0, 4)[:, None]
    pct = torch.gather(state.ft_pct, 1, k)
    return noise[:, Noise.FT_1:Noise.FT_3 + 1] < pct


def _compact(state: SimState, rows: torch.Tensor, assignment: torch.Tensor,
             groups: list[_Group]) -> tuple[SimState, torch.Tensor, torch.Tensor]:
    """Keep only the rows still in play."""
    keep = ~state.done
    new_pos = torch.cumsum(keep.long(), 0) - 1
    for g in groups:
        g.compact(keep, new_pos)
    return state.index(keep), rows[keep], assignment[keep]
