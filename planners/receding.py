"""Receding-horizon PlayBest offense: plan, execute the next frames, re-plan.

A :class:`engine.policy.SimPolicy`, so the same object plays in the batched
simulator (evaluation, vector env) and behind the gymnasium faces. Every
``replan_every`` steps each live possession gets a plan: ``n_candidates`` guided
samples conditioned on the current state (one candidate group per possession, ranked
within the group), the best kept. Between re-plans the offense tracks the plan:

- movement: each attacker's wanted velocity is (planned position at the next step's
  time - current position) / dt, the simulator then applies the speed and
  acceleration caps;
- the ball handler's decision is read from the planned ball path: a shot when, within
  ``shot_look`` frames, the planned ball reaches the rim (within ``shot_radius_ft`` of
  the hoop in x-y) or flies above ``shot_z_ft`` while closing on the rim by
  ``shot_closing_ft`` and reaching within ``shot_reach_ft`` of it (at 2 Hz, 74% of real
  shots show the ball above 9 ft one frame after release, against 8% of passes and 6%
  of holds; 59% show it within 10 ft of the rim), a pass to teammate k when the ball sits within ``catch_ft`` of
  k's planned position at the next frame and away from the handler's, else hold; with
  less than ``late_clock_shot_s`` on the shot clock the handler shoots (an executor
  rule shared with the scripted plays: a plan has no notion of the clock).

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

import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.sim.step import Decision, SimState
from planners.planner import shift_plan
from planners.sampler import FAST, SamplerConfig, WarmStart
from planners.windows import CHANNELS, windows_to_positions


@dataclass
class RecedingConfig:
    n_candidates: int = 16
    horizon: int | None = None          # frames (None: the planner's training horizon)
    replan_every: int = 2               # simulator steps between plans
    scale: float = 1.0                  # guidance scale alpha (0: unguided)
    sampler: SamplerConfig | None = None    # None: planners.sampler.FAST
    warm_start: float | None = None     # share of the schedule skipped when re-planning
    history: int = 4                    # observed states a plan is conditioned on (at most)
    shot_radius_ft: float = 4.0
    shot_look: int = 2
    shot_z_ft: float = 9.0              # a planned ball above this, closing on the rim, is a shot
    shot_closing_ft: float = 2.0
    shot_reach_ft: float = 10.0         # ...and comes within this of the rim (59% of real
                                        # shots are there one 2 Hz frame after release)
    catch_ft: float = 4.0
    late_clock_shot_s: float = 2.0      # executor rule (as in the scripted plays): shoot
                                        # rather than hold the ball into a violation


class RecedingHorizonOffense:
    """planner: planners.planner.Planner; guide: a Guide or None (unguided);
    dt_s: the simulator's step length."""

    def __init__(self, planner, guide, dt_s: float, cfg: RecedingConfig | None = None):
        self.planner, self.guide, self.dt_s = planner, guide, dt_s
        self.cfg = cfg or RecedingConfig()
        self.horizon = self.cfg.horizon or planner.cfg.horizon
        self.sampler = replace(self.cfg.sampler or FAST, scale=self.cfg.scale)
        steps_per_frame = dt_s * planner.cfg.rate_hz
        self.n_hist = self.cfg.history if abs(steps_per_frame - 1.0) < 0.05 else 1
        self.n_plans = 0
        self.scores: list[float] = []     # value-model score of each possession's first plan

    def init(self, state: SimState, generator: torch.Generator) -> dict[str, torch.Tensor]:
        b, dev = state.batch_size, state.device
        return {"step": torch.zeros(b, dtype=torch.long, device=dev),
                "plan": torch.zeros(b, self.horizon, CHANNELS, device=dev),
                "has_plan": torch.zeros(b, dtype=torch.bool, device=dev),
                "now": torch.zeros(b, dtype=torch.long, device=dev),
                "hist": torch.zeros(b, self.n_hist, 11, 3, device=dev),
                "n_hist": torch.zeros(b, dtype=torch.long, device=dev),
                "score": torch.full((b,), float("nan"), device=dev)}

    # ------------------------------------------------------------------ planning
    def _plan(self, state: SimState, rows: torch.Tensor, memory, generator) -> None:
        """Plan for the possessions ``rows`` (g,) through Planner.plan; writes their best
        plan, step counter and (first plan only) value score into ``memory``."""
        t_obs = int(memory["n_hist"][rows].min().clamp(1, self.n_hist))
        history = memory["hist"][rows, self.n_hist - t_obs:]
        warm = None
        if self.cfg.warm_start is not None and bool(memory["has_plan"][rows].all()):
            frames = round(self.cfg.replan_every * self.dt_s * self.planner.cfg.rate_hz)
            shift = memory["now"][rows] + frames - (t_obs - 1)
            prev = torch.stack([shift_plan(p, int(k)) for p, k in zip(memory["plan"][rows], shift)])
            warm = WarmStart(prev, self.cfg.warm_start)
        res = self.planner.plan(state.pos[rows], generator, self.cfg.n_candidates, self.horizon,
                                guide=self.guide if self.cfg.scale > 0 else None,
                                sampler=self.sampler, warm_start=warm, score=True,
                                history=history)
        memory["now"][rows] = res.now
        memory["plan"][rows] = res.best.to(memory["plan"].device)
        memory["step"][rows] = 0
        memory["has_plan"][rows] = True
        first = torch.isnan(memory["score"][rows])
        score = res.value_score.to(memory["score"].device)
        memory["score"][rows] = torch.where(first, score, memory["score"][rows])
        self.scores += score[first].tolist()
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
        t_next = (memory["step"] % self.cfg.replan_every + 1).float() * self.dt_s
        f_next = memory["now"].float() + t_next * self.planner.cfg.rate_hz
        target = _frame_at(memory["plan"], f_next)                                 # (b, c)
        pos = windows_to_positions(target)                                        # (b, 11, 3)
        off_vel = (pos[:, 1:6, :2] - state.pos[:, 1:6, :2]) / self.dt_s
        decision = read_decision(memory["plan"], f_next, state.handler,
                                 self.cfg, state.pos[:, 0].to(memory["plan"].dtype))
        late = state.shot_clock < self.cfg.late_clock_shot_s
        decision = torch.where(late, torch.full_like(decision, int(Decision.SHOOT)), decision)
        memory = {**memory, "step": memory["step"] + 1}
        return off_vel.to(state.pos.dtype), decision, memory


def call_seed(generator: torch.Generator) -> int:
    """One int64 in [0, 2**62) drawn from ``generator`` (on its own device): the fixed
    draw of every act call, the seed of that call's planning."""
    return int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))


def _frame_at(plans: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Plans (b, h, c) at fractional frame f (b,) -> (b, c), linear interpolation."""
    h = plans.shape[1]
    f = f.clamp(0, h - 1)
    lo = f.floor().long().clamp(max=h - 1)
    hi = (lo + 1).clamp(max=h - 1)
    w = (f - lo.float())[:, None]
    take = lambda i: torch.gather(plans, 1, i[:, None, None].expand(-1, 1, plans.shape[2]))[:, 0]
    return (1 - w) * take(lo) + w * take(hi)


def read_decision(plans: torch.Tensor, f_next: torch.Tensor, handler: torch.Tensor,
                  cfg: RecedingConfig, ball_now: torch.Tensor | None = None) -> torch.Tensor:
    """The handler's decision (b,) long from the planned ball path (module docstring).
    plans (b, h, c) feet; f_next (b,) fractional frame of the next step; handler (b,);
    ball_now (b, 3) feet, the ball's current position (default: the plan's frame 0)."""
    hoop = torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=plans.device)
    ahead = torch.stack([_frame_at(plans, f_next + i) for i in range(cfg.shot_look)], dim=1)
    d_ahead = (ahead[..., :2] - hoop).norm(dim=-1)                                    # (b, look)
    now = plans[:, 0, :3] if ball_now is None else ball_now
    d_now = (now[:, :2] - hoop).norm(dim=-1)
    arc = ((ahead[..., 2] > cfg.shot_z_ft) & (d_ahead < d_now[:, None] - cfg.shot_closing_ft)).any(dim=1)
    arc = arc & (d_ahead.min(dim=1).values < cfg.shot_reach_ft)       # not a lob from half court
    shooting = arc | (d_ahead.min(dim=1).values < cfg.shot_radius_ft)
    nxt = windows_to_positions(ahead[:, 0])                                          # (b, 11, 3)
    ball = nxt[:, 0, :2]
    d_off = (nxt[:, 1:6, :2] - ball[:, None]).norm(dim=-1)                            # (b, 5)
    k = d_off.argmin(dim=1)
    own = torch.gather(d_off, 1, (handler - 1).clamp(0, 4)[:, None])[:, 0]
    passing = (d_off.min(dim=1).values < cfg.catch_ft) & (own > cfg.catch_ft) & (k + 1 != handler)
    decision = torch.full_like(handler, int(Decision.HOLD))
    decision = torch.where(passing, Decision.PASS_0 + k, decision)
    return torch.where(shooting, torch.full_like(decision, int(Decision.SHOOT)),
                       decision).to(handler.device)
