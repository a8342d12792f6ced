"""A minimal built-in offense: five players drift to five fixed spots and the handler
holds until the shot clock runs low, then shoots.

It is the default policy for offensive players no agent controls (and the default
opponent of a controlled defense) until richer offenses are plugged in; any
:class:`engine.policy.SimPolicy` can replace it. It draws no random numbers (a fixed
count of zero), so it keeps every env face in step. :meth:`SpreadPolicy.act_np` is
its single-possession numpy twin for the fast path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from engine.policy import Memory
from engine.sim.step import OFF, Decision, SimState


def _default_spots() -> tuple[tuple[float, float], ...]:
    # canonical feet: top of the key, both wings, both corners (behind the arc)
    return ((63.0, 25.0), (70.0, 6.0), (70.0, 44.0), (90.5, 3.0), (90.5, 47.0))


@dataclass
class SpreadConfig:
    """spots: one (x, y) feet per offensive slot; tau_s: a player closes 1/tau_s of the
    gap to his spot per second (capped at speed_ftps); shoot_below_s: the handler
    shoots once the shot clock is below this many seconds."""

    spots: tuple[tuple[float, float], ...] = field(default_factory=_default_spots)
    tau_s: float = 1.0
    speed_ftps: float = 20.7
    shoot_below_s: float = 4.0


class SpreadPolicy:
    """SimPolicy: drift to the spots; hold, then shoot late in the shot clock."""

    def __init__(self, cfg: SpreadConfig | None = None) -> None:
        self.cfg = cfg or SpreadConfig()
        self._spots = np.asarray(self.cfg.spots, np.float64)

    def init(self, state: SimState, generator: torch.Generator) -> Memory:
        return {}

    def act(self, state: SimState, memory: Memory,
            generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, Memory]:
        """-> off_vel (b, 5, 2) ft/s, decision (b,) long, memory (unchanged)."""
        spots = torch.as_tensor(self._spots, device=state.device, dtype=state.pos.dtype)
        gap = spots[None] - state.pos[:, OFF, :2]
        vel = gap / self.cfg.tau_s
        norm = vel.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        vel = vel * torch.clamp(self.cfg.speed_ftps / norm, max=1.0)
        shoot = state.shot_clock < self.cfg.shoot_below_s
        decision = torch.where(shoot, int(Decision.SHOOT), int(Decision.HOLD))
        return vel, decision.long(), memory

    def act_lists(self, pos, shot_clock: float) -> tuple[list, int]:
        """:meth:`act_np` in plain floats: pos 11 x [x, y, ...] feet (nested lists) ->
        off_vel 5 x [vx, vy] ft/s, decision int."""
        cap, tau, out = self.cfg.speed_ftps, self.cfg.tau_s, []
        for (sx, sy), p in zip(self.cfg.spots, pos[1:6]):
            vx, vy = (sx - p[0]) / tau, (sy - p[1]) / tau
            scale = min(cap / max((vx * vx + vy * vy) ** 0.5, 1e-9), 1.0)
            out.append([vx * scale, vy * scale])
        return out, int(Decision.SHOOT if shot_clock < self.cfg.shoot_below_s else Decision.HOLD)

    def act_np(self, pos: np.ndarray, shot_clock: float) -> tuple[np.ndarray, int]:
        """One possession: pos (11, 3) feet -> off_vel (5, 2) ft/s, decision int."""
        vel = (self._spots - pos[1:6, :2]) / self.cfg.tau_s
        norm = np.maximum(np.sqrt((vel * vel).sum(-1, keepdims=True)), 1e-9)
        vel = vel * np.minimum(self.cfg.speed_ftps / norm, 1.0)
        return vel, int(Decision.SHOOT if shot_clock < self.cfg.shoot_below_s else Decision.HOLD)
