"""Receding-horizon PlayBest offense: plan, execute the next frames, re-plan.

A :class:`engine.policy.SimPolicy`, so the same object plays in the batched
simulator (evaluation, vector env) and behind the gymnasium faces. Every
``replan_every`` steps each live possession gets a plan: ``n_candidates`` samples
conditioned on the current state (one candidate group per possession, ranked within
the group by the method's objective), the best kept. Between re-plans the offense
tracks the plan.

Role order: plans live in the windows' role order (planners.windows: attacker role 0 is
the ball handler at the window's frame 0, defenders matched to attackers). At each plan
the executor orders the current state that way (:func:`planners.windows.role_order` on
the current positions and handler) and keeps that permutation (``memory["perm"]``,
slot of each role) to map the plan back to simulator slots; the history it inpaints is
ordered with the same permutation.

- movement: each attacker's wanted velocity is (planned position at the next step's
  time - current position) / dt, the simulator then applies the speed and
  acceleration caps;
- shot (:func:`read_decision`): the planned ball reaches the rim within ``shot_look``
  frames (within ``shot_radius_ft`` of the hoop in x-y, or above ``shot_z_ft`` while
  closing on the rim by ``shot_closing_ft`` to within ``shot_reach_ft``) AND the planned
  shooter (the planned attacker nearest the planned ball now, within ``catch_ft``) is
  the simulated handler AND the simulated handler stands within ``release_ft`` of the
  planned release point (the planned shooter's position now) AND, with a
  :class:`planners.support.Support`, the simulated shot (handler's distance to the
  hoop, nearest defender's distance) lies inside the training data's 1st-99th
  percentiles. A planned shot that fails these is a hold: the handler keeps following
  the plan;
- pass to teammate k: the planned ball sits within ``catch_ft`` of k's planned position
  at the next frame and away from the handler's, k is not the simulated handler, and
  k's SIMULATED position is within ``catch_range_ft`` of the planned catch point (the
  planned ball there);
- otherwise hold; with less than ``late_clock_shot_s`` on the shot clock the handler
  shoots whatever the plan (an executor rule shared with the scripted plays: a plan has
  no notion of the clock).

History: the executor keeps the last ``history`` simulator states in its memory and
conditions each plan on them (inpainted at plan frames 0..t-1, velocities from their
differences; t = the fewest any planned row has, at least the current state) when one
simulator step lasts one planning frame (within 5%); otherwise it conditions on the
current state alone with zero velocity. ``memory["now"]`` is the plan frame of the
state the plan was made from. A warm start shifts the previous plan so that its
frames line up with the new plan's.

Plans live in the planner's frame rate; the next step's frame is found by time and
interpolated linearly.

Randomness (the :class:`engine.policy.SimPolicy` contract): every ``act`` call draws
exactly one int64 from the generator it is given, whatever the state and whether or
not any row re-plans, and seeds the planner's own generator with it. How many rows
plan, with how many candidates and steps, changes what the planner draws from its
generator, never how far the caller's generator advances; so the same seed gives the
same rollout in every env face.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.sim.step import Decision, SimState
from planners.planner import shift_plan
from planners.sampler import FAST, SamplerConfig, WarmStart
from planners.support import Support, inside, shot_geometry_ft
from planners.windows import CHANNELS, role_order, windows_to_positions


@dataclass
class RecedingConfig:
    n_candidates: int = 16
    horizon: int | None = None          # frames (None: the planner's training horizon)
    replan_every: int = 2               # simulator steps between plans
    scale: float = 1.0                  # guidance scale (ft per denoising step on x0; 0: none)
    sampler: SamplerConfig | None = None    # None: planners.sampler.FAST
    warm_start: float | None = None     # share of the schedule skipped when re-planning
    history: int = 4                    # observed states a plan is conditioned on (at most)
    shot_radius_ft: float = 4.0
    shot_look: int = 2
    shot_z_ft: float = 9.0              # a planned ball above this, closing on the rim, is a shot
    shot_closing_ft: float = 2.0
    shot_reach_ft: float = 10.0         # ...and comes within this of the rim (59% of real
                                        # shots are there one 2 Hz frame after release)
    catch_ft: float = 4.0               # planned ball this close to a planned attacker: his
    release_ft: float = 5.0             # simulated shooter this close to the planned release
    catch_range_ft: float = 6.0         # simulated receiver this close to the planned catch
    late_clock_shot_s: float = 2.0      # executor rule (as in the scripted plays): shoot
                                        # rather than hold the ball into a violation


class RecedingHorizonOffense:
    """planner: planners.planner.Planner; guide: a Guide or None (unguided);
    dt_s: the simulator's step length; support: shot ranges the executor keeps to
    (None: the planner's own, if it carries one); ranker / bucket: passed to
    Planner.plan (ranking objective, classifier-free guidance bucket)."""

    def __init__(self, planner, guide, dt_s: float, cfg: RecedingConfig | None = None,
                 support: Support | None = None, ranker=None, bucket: int | None = None):
        self.planner, self.guide, self.dt_s = planner, guide, dt_s
        self.cfg = cfg or RecedingConfig()
        self.horizon = self.cfg.horizon or planner.cfg.horizon
        self.sampler = replace(self.cfg.sampler or FAST, scale=self.cfg.scale)
        self.support = support if support is not None else getattr(planner, "support", None)
        self.ranker, self.bucket = ranker, bucket
        steps_per_frame = dt_s * planner.cfg.rate_hz
        self.n_hist = self.cfg.history if abs(steps_per_frame - 1.0) < 0.05 else 1
        self.n_plans = 0
        self.scores: list[float] = []     # value-model score of each possession's first plan
        self.guide_moves: list[float] = []  # feet the x0 estimate moved per guide step, per plan

    @property
    def rejected_share(self) -> float | None:
        """Share of the candidates the ranker's support test rejected so far (None
        without a ranker that counts them)."""
        return getattr(self.ranker, "rejected_share", None)

    def init(self, state: SimState, generator: torch.Generator) -> dict[str, torch.Tensor]:
        b, dev = state.batch_size, state.device
        return {"step": torch.zeros(b, dtype=torch.long, device=dev),
                "plan": torch.zeros(b, self.horizon, CHANNELS, device=dev),
                "has_plan": torch.zeros(b, dtype=torch.bool, device=dev),
                "now": torch.zeros(b, dtype=torch.long, device=dev),
                "perm": torch.arange(11, device=dev).repeat(b, 1),
                "hist": torch.zeros(b, self.n_hist, 11, 3, device=dev),
                "n_hist": torch.zeros(b, dtype=torch.long, device=dev),
                "score": torch.full((b,), float("nan"), device=dev)}

    # ------------------------------------------------------------------ planning
    def _plan(self, state: SimState, rows: torch.Tensor, memory, generator) -> None:
        """Plan for the possessions ``rows`` (g,) through Planner.plan in role order;
        writes their best plan (role order), permutation, step counter and (first plan
        only) value score into ``memory``."""
        t_obs = int(memory["n_hist"][rows].min().clamp(1, self.n_hist))
        perm = torch.from_numpy(role_order(state.pos[rows].detach().cpu().numpy(),
                                           state.handler[rows].cpu().numpy())).to(rows.device)
        history = memory["hist"][rows, self.n_hist - t_obs:]                     # (g, t, 11, 3)
        history = torch.gather(history, 2, perm[:, None, :, None].expand_as(history).to(history.device))
        warm = None
        if self.cfg.warm_start is not None and bool(memory["has_plan"][rows].all()):
            frames = round(self.cfg.replan_every * self.dt_s * self.planner.cfg.rate_hz)
            shift = memory["now"][rows] + frames - (t_obs - 1)
            prev = torch.stack([shift_plan(p, int(k)) for p, k in zip(memory["plan"][rows], shift)])
            warm = WarmStart(reorder_plans(prev, memory["perm"][rows], perm), self.cfg.warm_start)
        extra = {} if self.ranker is None and self.bucket is None else \
            {"ranker": self.ranker, "bucket": self.bucket}
        res = self.planner.plan(state.pos[rows], generator, self.cfg.n_candidates, self.horizon,
                                guide=self.guide if self.cfg.scale > 0 else None,
                                sampler=self.sampler, warm_start=warm, score=True,
                                history=history, **extra)
        memory["now"][rows] = res.now
        memory["plan"][rows] = res.best.to(memory["plan"].device)
        memory["perm"][rows] = perm.to(memory["perm"].device)
        memory["step"][rows] = 0
        memory["has_plan"][rows] = True
        first = torch.isnan(memory["score"][rows])
        score = res.value_score.to(memory["score"].device)
        memory["score"][rows] = torch.where(first, score, memory["score"][rows])
        self.scores += score[first].tolist()
        if self.guide is not None and self.cfg.scale > 0:
            self.guide_moves.append(res.guide_move_ft)
        self.n_plans += 1

    # ------------------------------------------------------------------ acting
    def act(self, state: SimState, memory, generator: torch.Generator):
        memory = {k: v.clone() for k, v in memory.items()}   # callers may keep the old one
        seed = call_seed(generator)                             # the one draw of this call
        hist = torch.cat([memory["hist"][:, 1:], state.pos[:, None].to(memory["hist"].dtype)], dim=1)
        memory["hist"] = hist
        memory["n_hist"] = (memory["n_hist"] + 1).clamp(max=self.n_hist)
        live = ~state.done
        rows = torch.nonzero(live & (memory["step"] % self.cfg.replan_every == 0))[:, 0]
        if rows.numel():
            plan_gen = torch.Generator(device=self.planner.device).manual_seed(seed)
            self._plan(state, rows, memory, plan_gen)
        step_frames = self.dt_s * self.planner.cfg.rate_hz
        f_next = memory["now"].float() + (memory["step"] % self.cfg.replan_every + 1).float() * step_frames
        target = _frame_at(memory["plan"], f_next)                                 # (b, c) roles
        pos = slot_positions(windows_to_positions(target), memory["perm"])        # (b, 11, 3) slots
        off_vel = (pos[:, 1:6, :2] - state.pos[:, 1:6, :2]) / self.dt_s
        decision = read_decision(memory["plan"], f_next, state.handler, self.cfg,
                                 state.pos[:, 0].to(memory["plan"].dtype),
                                 sim_pos=state.pos.to(memory["plan"].dtype), perm=memory["perm"],
                                 support=self.support, f_now=f_next - step_frames)
        late = state.shot_clock < self.cfg.late_clock_shot_s
        decision = torch.where(late, torch.full_like(decision, int(Decision.SHOOT)), decision)
        memory = {**memory, "step": memory["step"] + 1}
        return off_vel.to(state.pos.dtype), decision, memory


def call_seed(generator: torch.Generator) -> int:
    """One int64 in [0, 2**62) drawn from ``generator`` (on its own device): the fixed
    draw of every act call, the seed of that call's planning."""
    return int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))


def slot_positions(role_pos: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """Role-ordered positions (b, 11, 3) and perm (b, 11) (slot of each role) -> slot
    order (b, 11, 3); torch twin of planners.windows.roles_to_slots."""
    out = torch.empty_like(role_pos)
    return out.scatter_(1, perm[..., None].expand_as(role_pos).to(role_pos.device), role_pos)


def reorder_plans(plans: torch.Tensor, perm_old: torch.Tensor, perm_new: torch.Tensor) -> torch.Tensor:
    """Plans (g, h, c) in the role order ``perm_old`` (g, 11) -> the role order
    ``perm_new``; velocity channels recomputed (warm starts across re-plans whose
    handler changed)."""
    from planners.windows import POS_CHANNELS, positions_to_windows

    def move(chans):
        pos = windows_to_positions(chans)                                          # (g, h, 11, 3)
        slots = torch.empty_like(pos).scatter_(2, perm_old[:, None, :, None].expand_as(pos), pos)
        return positions_to_windows(torch.gather(slots, 2, perm_new[:, None, :, None].expand_as(pos)))
    return torch.cat([move(plans[..., :POS_CHANNELS]), move(plans[..., POS_CHANNELS:])], dim=-1)


def _frame_at(plans: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Plans (b, h, c) at fractional frame f (b,) -> (b, c), linear interpolation."""
    h = plans.shape[1]
    f = f.clamp(0, h - 1)
    lo = f.floor().long().clamp(max=h - 1)
    hi = (lo + 1).clamp(max=h - 1)
    w = (f - lo.float())[:, None]
    take = lambda i: torch.gather(plans, 1, i[:, None, None].expand(-1, 1, plans.shape[2]))[:, 0]
    return (1 - w) * take(lo) + w * take(hi)


def planned_shot(plans: torch.Tensor, f_next: torch.Tensor, cfg: RecedingConfig,
                 ball_now: torch.Tensor | None = None) -> torch.Tensor:
    """(b,) bool: the planned ball path reaches the rim within ``shot_look`` frames from
    f_next (module docstring). plans (b, h, c) feet; ball_now (b, 3) (default frame 0)."""
    hoop = torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=plans.device)
    ahead = torch.stack([_frame_at(plans, f_next + i) for i in range(cfg.shot_look)], dim=1)
    d_ahead = (ahead[..., :2] - hoop).norm(dim=-1)                                    # (b, look)
    now = plans[:, 0, :3] if ball_now is None else ball_now
    d_now = (now[:, :2] - hoop).norm(dim=-1)
    arc = ((ahead[..., 2] > cfg.shot_z_ft) & (d_ahead < d_now[:, None] - cfg.shot_closing_ft)).any(dim=1)
    arc = arc & (d_ahead.min(dim=1).values < cfg.shot_reach_ft)       # not a lob from half court
    return arc | (d_ahead.min(dim=1).values < cfg.shot_radius_ft)


def read_decision(plans: torch.Tensor, f_next: torch.Tensor, handler: torch.Tensor,
                  cfg: RecedingConfig, ball_now: torch.Tensor | None = None, *,
                  sim_pos: torch.Tensor | None = None, perm: torch.Tensor | None = None,
                  support: Support | None = None, f_now: torch.Tensor | None = None
                  ) -> torch.Tensor:
    """The handler's decision (b,) long (module docstring).

    plans (b, h, c) feet in role order; f_next (b,) fractional frame of the next step;
    handler (b,) simulator slot 1..5 (-1 none); ball_now (b, 3) feet, the ball's current
    position (default: the plan's frame 0); sim_pos (b, 11, 3) the simulated positions
    in slot order (default: the plan at ``f_now``, i.e. open loop); perm (b, 11) slot of
    each role (default identity); support: shot ranges (None: unchecked); f_now (b,)
    the plan frame of the current state (default f_next - 1)."""
    b = plans.shape[0]
    perm = torch.arange(11, device=plans.device).repeat(b, 1) if perm is None else perm.to(plans.device)
    f_now = (f_next - 1).clamp_min(0) if f_now is None else f_now
    now_pos = slot_positions(windows_to_positions(_frame_at(plans, f_now)), perm)    # (b, 11, 3)
    nxt = slot_positions(windows_to_positions(_frame_at(plans, f_next)), perm)
    sim = now_pos if sim_pos is None else sim_pos
    handler = handler.to(plans.device)
    hk = (handler - 1).clamp(0, 4)
    has = (handler >= 1) & (handler <= 5)
    # shot: planned shooter is the simulated handler, near the planned release, inside the support
    d_plan = (now_pos[:, 1:6, :2] - now_pos[:, None, 0, :2]).norm(dim=-1)           # (b, 5)
    shooter = d_plan.argmin(dim=1)
    holds = d_plan.min(dim=1).values < cfg.catch_ft
    release = torch.gather(now_pos[:, 1:6, :2], 1, shooter[:, None, None].expand(-1, 1, 2))[:, 0]
    sim_xy = torch.gather(sim[:, 1:6, :2], 1, hk[:, None, None].expand(-1, 1, 2))[:, 0]
    near = (sim_xy - release).norm(dim=-1) <= cfg.release_ft
    dist, defender = shot_geometry_ft(sim_xy, sim[:, 6:11, :2])
    in_support = torch.ones_like(near) if support is None else         inside(dist, support.shot_distance_ft) & inside(defender, support.defender_ft)
    shooting = (planned_shot(plans, f_next, cfg, ball_now) & holds & (shooter == hk) & has
                & near & in_support)
    # pass: planned catch by k next frame, k's simulated position near the catch point
    ball = nxt[:, 0, :2]
    d_off = (nxt[:, 1:6, :2] - ball[:, None]).norm(dim=-1)                            # (b, 5)
    k = d_off.argmin(dim=1)
    own = torch.gather(d_off, 1, hk[:, None])[:, 0]
    recv = torch.gather(sim[:, 1:6, :2], 1, k[:, None, None].expand(-1, 1, 2))[:, 0]
    reach = (recv - ball).norm(dim=-1) <= cfg.catch_range_ft
    passing = (d_off.min(dim=1).values < cfg.catch_ft) & (own > cfg.catch_ft) & (k != hk) & has & reach
    decision = torch.full_like(handler, int(Decision.HOLD))
    decision = torch.where(passing, Decision.PASS_0 + k, decision)
    return torch.where(shooting, torch.full_like(decision, int(Decision.SHOOT)), decision)
