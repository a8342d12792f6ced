"""Scripted defensive schemes as batched torch policies over canonical positions.

Every scheme maps the current state ``positions (b, 11, 3)`` feet (slots
``[ball, off_0..4, def_0..4]``, canonical: the offense attacks the right hoop at
x = 88.75, y = 25) and ``valid (b, 11)`` to the defenders' next positions
``(b, 5, 2)`` feet, one frame interval ``dt`` seconds later. No defender moves farther
than ``speed_ftps * dt`` in a step. Everything is tensor ops on the input's device;
the only Python loops run over the 5 defenders or the 120 permutations, never over
the batch.

Assignments (which attacker each defender guards, or which zone he holds) travel in
a :class:`DefenseState` the caller passes back on the next step:

- ``man_to_man`` / ``loose_man`` (PlayBest's man-to-man): greedy nearest-pair
  assignment made on the first step and then kept (a stable match-up); it is redone
  for a batch element only when a guarded attacker stops being valid.
- ``switch_everything``: the assignment is recomputed every step as the permutation of
  minimum total defender-attacker distance (all 120 permutations enumerated).
- ``zone_2_3``: defenders are assigned to the five zones once, by minimum total
  distance to the zone anchors, and keep their zone.

A defender whose own slot is invalid holds his position; a man-to-man defender whose
man is invalid (no valid attacker left) holds his position too.

Every scheme is an entry of :data:`DEFENSES` (:class:`engine.registry.Registry`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Protocol

import torch

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.registry import Registry

N_PLAYERS = 5
OFF = slice(1, 6)
DEF = slice(6, 11)
FAR = 1.0e6  # cost of pairing with an invalid attacker: finite so argmin stays defined


@dataclass
class ManToManConfig:
    """PlayBest man-to-man: guard spot = man + ``sag`` * (hoop - man).

    sag: fraction of the man-to-hoop segment the spot lies from the man (0 = on him).
    trigger_ft: the defender moves only when farther than this from his spot.
    speed_ftps / dt: speed cap (measured 99.5th percentile, engine.outcomes.limits) and frame
    interval in seconds (the 2 Hz extracts keep every 13th 25 Hz moment: 0.52 s).
    """

    sag: float = 0.2
    trigger_ft: float = 2.0
    speed_ftps: float = 20.7
    dt: float = 0.52


@dataclass
class LooseManConfig(ManToManConfig):
    """Loose man-to-man: sags farther toward the hoop and reacts later."""

    sag: float = 0.4
    trigger_ft: float = 5.0


@dataclass
class SwitchConfig(ManToManConfig):
    """Switch-everything: man-to-man reassigned every step by minimum total distance."""


def _default_zones() -> tuple[tuple[float, float, float, float], ...]:
    # (x_min, x_max, y_min, y_max) feet: two top zones above the free-throw line
    # (x = 75), three bottom zones: low-y wing/corner, middle/paint (16 ft wide), high-y.
    return ((47.0, 75.0, 0.0, 25.0), (47.0, 75.0, 25.0, 50.0),
            (75.0, 94.0, 0.0, 17.0), (75.0, 94.0, 17.0, 33.0), (75.0, 94.0, 33.0, 50.0))


def _default_anchors() -> tuple[tuple[float, float], ...]:
    return ((70.0, 17.0), (70.0, 33.0), (84.0, 9.0), (85.0, 25.0), (84.0, 41.0))


@dataclass
class ZoneConfig:
    """2-3 zone: five rectangles (x_min, x_max, y_min, y_max) feet and their anchors.

    shade: fraction of the anchor-to-ball segment a defender with nobody in his zone
    shades toward the ball. sag: guard spot on an attacker inside the zone, as in
    man-to-man. Zone targets are clipped to the zone; zones are convex, so a defender
    inside his zone stays inside it.
    """

    zones: tuple[tuple[float, float, float, float], ...] = field(default_factory=_default_zones)
    anchors: tuple[tuple[float, float], ...] = field(default_factory=_default_anchors)
    shade: float = 0.25
    sag: float = 0.2
    speed_ftps: float = 20.7
    dt: float = 0.52

    def __post_init__(self) -> None:
        # why: a YAML config gives lists; the config stays hashable and compares equal
        self.zones = tuple(tuple(float(v) for v in z) for z in self.zones)
        self.anchors = tuple(tuple(float(v) for v in a) for a in self.anchors)


@dataclass
class DefenseState:
    """assignment (b, 5) long: attacker index 0..4 (man schemes) or zone index (zone)
    held by each defender slot."""

    assignment: torch.Tensor


class DefenseScheme(Protocol):
    def __call__(self, positions: torch.Tensor, valid: torch.Tensor,
                 state: DefenseState | None = None) -> tuple[torch.Tensor, DefenseState]: ...


# --------------------------------------------------------------------------- geometry
def hoop(ref: torch.Tensor) -> torch.Tensor:
    """The attacked (right) hoop as a (2,) tensor on ref's device and dtype."""
    return torch.tensor([RIGHT_HOOP_X, HOOP_Y], device=ref.device, dtype=ref.dtype)


def guard_spot(attackers: torch.Tensor, sag: float) -> torch.Tensor:
    """(..., 2) attacker feet -> (..., 2) spot a fraction ``sag`` of the way to the hoop."""
    return attackers + sag * (hoop(attackers) - attackers)


def step_toward(cur: torch.Tensor, target: torch.Tensor, max_step: float,
                trigger: float = 0.0) -> torch.Tensor:
    """Move (b, 5, 2) ``cur`` toward ``target`` by at most ``max_step`` feet, only where
    the distance exceeds ``trigger`` feet. Returns (b, 5, 2) feet."""
    delta = target - cur
    dx, dy = delta[..., 0:1], delta[..., 1:2]
    dist = torch.sqrt(dx * dx + dy * dy)   # why: a norm over a last dim of 2 is slow on CPU
    scale = torch.clamp(max_step / dist.clamp_min(1e-9), max=1.0)
    moved = cur + delta * scale
    return torch.where(dist > trigger, moved, cur)


def step_toward_xy(cx: torch.Tensor, cy: torch.Tensor, tx: torch.Tensor, ty: torch.Tensor,
                   max_step: float, trigger: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`step_toward` per coordinate: cur cx, cy and target tx, ty (b, 5) feet ->
    next x, y (b, 5) feet (the same operations, element for element)."""
    dx, dy = tx - cx, ty - cy
    dist = torch.sqrt(dx * dx + dy * dy)
    scale = torch.clamp(max_step / dist.clamp_min(1e-9), max=1.0)
    move = dist > trigger
    return torch.where(move, cx + dx * scale, cx), torch.where(move, cy + dy * scale, cy)


def pair_distances(positions: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """(b, 11, 3), (b, 11) -> (b, 5, 5) feet: [defender i, attacker j]; FAR where the
    attacker is invalid."""
    d = torch.cdist(positions[:, DEF, :2], positions[:, OFF, :2])
    return torch.where(valid[:, None, OFF], d, torch.full_like(d, FAR))


# ------------------------------------------------------------------------ assignment
def greedy_assignment(cost: torch.Tensor) -> torch.Tensor:
    """Repeatedly pair the globally nearest free (defender, attacker).

    cost: (b, 5, 5) [defender, attacker]. Returns (b, 5) long attacker per defender.
    Ties break toward the lowest flat index (deterministic).
    """
    b, n, _ = cost.shape
    work = cost.clone()
    out = torch.zeros(b, n, dtype=torch.long, device=cost.device)
    rows = torch.arange(b, device=cost.device)
    taken = torch.full_like(work, float("inf"))
    for _ in range(n):  # n picks; each pick is batched
        flat = work.reshape(b, -1).argmin(dim=1)
        i, j = flat // n, flat % n
        out[rows, i] = j
        work[rows, i, :] = taken[rows, i, :]
        work[rows, :, j] = taken[rows, :, j]
    return out


_PERM_CACHE: dict[tuple[int, str], torch.Tensor] = {}


def all_permutations(n: int, device: torch.device) -> torch.Tensor:
    """(n!, n) long: every permutation of range(n), lexicographic order."""
    key = (n, str(device))
    if key not in _PERM_CACHE:
        _PERM_CACHE[key] = torch.tensor(list(itertools.permutations(range(n))),
                                        dtype=torch.long, device=device)
    return _PERM_CACHE[key]


def min_cost_assignment(cost: torch.Tensor) -> torch.Tensor:
    """Exact minimum-total-cost assignment by enumerating permutations (n <= ~7).

    cost: (b, n, n) [row, column]. Returns (b, n) long column per row; ties break toward
    the lexicographically first permutation.
    """
    n = cost.shape[-1]
    perms = all_permutations(n, cost.device)                        # (p, n)
    rows = torch.arange(n, device=cost.device)
    totals = cost[:, rows[None, :], perms].sum(dim=-1)              # (b, p)
    return perms[totals.argmin(dim=1)]


def matched_distance(pred: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean distance after min-cost matching two sets of 5 points.

    pred, real: (b, 5, 2) feet. Returns (b,) feet.
    """
    cost = torch.cdist(pred, real)
    cols = min_cost_assignment(cost)
    return torch.gather(cost, 2, cols[..., None]).squeeze(-1).mean(dim=1)


# ---------------------------------------------------------------------------- schemes
def _check(positions: torch.Tensor, valid: torch.Tensor) -> None:
    if positions.ndim != 3 or positions.shape[1:] != (11, 3):
        raise ValueError(f"positions must be (b, 11, 3), got {tuple(positions.shape)}")
    if valid.shape != positions.shape[:2]:
        raise ValueError(f"valid must be (b, 11), got {tuple(valid.shape)}")


class ManToMan:
    """PlayBest man-to-man (also the loose and switching variants, by config/flag)."""

    def __init__(self, cfg: ManToManConfig | None = None, switch: bool = False) -> None:
        self.cfg = cfg or ManToManConfig()
        self.switch = switch

    def assign(self, positions: torch.Tensor, valid: torch.Tensor,
               state: DefenseState | None) -> torch.Tensor:
        """(b, 11, 3), (b, 11) -> (b, 5) attacker index per defender."""
        if self.switch:
            return min_cost_assignment(pair_distances(positions, valid))
        if state is None:
            return greedy_assignment(pair_distances(positions, valid))
        kept = state.assignment.to(positions.device)
        lost = ~torch.gather(valid[:, OFF], 1, kept).all(dim=1, keepdim=True)
        if not bool(lost.any()):   # why: the greedy match is the cost of a step; skip it
            return kept
        return torch.where(lost, greedy_assignment(pair_distances(positions, valid)), kept)

    def targets(self, positions: torch.Tensor, assignment: torch.Tensor) -> torch.Tensor:
        """(b, 11, 3), (b, 5) -> (b, 5, 2) feet: guard spot of each defender's man."""
        men = torch.gather(positions[:, OFF, :2], 1, assignment[..., None].expand(-1, -1, 2))
        return guard_spot(men, self.cfg.sag)

    def next_xy(self, ox: torch.Tensor, oy: torch.Tensor, cx: torch.Tensor, cy: torch.Tensor,
                assignment: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """__call__ with every slot valid and the assignment kept (not for ``switch``),
        per coordinate (the envs' hot loop; the simulator keeps every entity valid):
        attackers ox, oy and defenders cx, cy (b, 5) feet, assignment (b, 5) -> next
        defender x, y (b, 5) feet, bit for bit what __call__ returns."""
        mx, my = torch.gather(ox, 1, assignment), torch.gather(oy, 1, assignment)
        sag = self.cfg.sag
        tx, ty = mx + sag * (RIGHT_HOOP_X - mx), my + sag * (HOOP_Y - my)
        return step_toward_xy(cx, cy, tx, ty, self.cfg.speed_ftps * self.cfg.dt, self.cfg.trigger_ft)

    def __call__(self, positions: torch.Tensor, valid: torch.Tensor,
                 state: DefenseState | None = None) -> tuple[torch.Tensor, DefenseState]:
        """(b, 11, 3) feet, (b, 11) bool -> next defender xy (b, 5, 2) feet, new state."""
        _check(positions, valid)
        valid = valid.bool()
        assignment = self.assign(positions, valid, state)
        cur = positions[:, DEF, :2]
        target = self.targets(positions, assignment)
        has_man = torch.gather(valid[:, OFF], 1, assignment) & valid[:, DEF]
        target = torch.where(has_man[..., None], target, cur)
        nxt = step_toward(cur, target, self.cfg.speed_ftps * self.cfg.dt, self.cfg.trigger_ft)
        return nxt, DefenseState(assignment)


class Zone23:
    """2-3 zone: chase the nearest attacker inside your zone, else hold the anchor
    shaded toward the ball; targets are clipped to the zone."""

    def __init__(self, cfg: ZoneConfig | None = None) -> None:
        self.cfg = cfg or ZoneConfig()
        if len(self.cfg.zones) != N_PLAYERS or len(self.cfg.anchors) != N_PLAYERS:
            raise ValueError("ZoneConfig needs exactly 5 zones and 5 anchors")

    def _tensors(self, ref: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Zones (5, 4) and anchors (5, 2) on ref's device/dtype."""
        z = torch.tensor(self.cfg.zones, device=ref.device, dtype=ref.dtype)
        a = torch.tensor(self.cfg.anchors, device=ref.device, dtype=ref.dtype)
        return z, a

    def targets(self, positions: torch.Tensor, valid: torch.Tensor,
                assignment: torch.Tensor) -> torch.Tensor:
        """(b, 11, 3), (b, 11), (b, 5) zone per defender -> (b, 5, 2) targets, feet."""
        zones, anchors = self._tensors(positions)
        box = zones[assignment]                                      # (b, 5, 4)
        att = positions[:, OFF, :2]                                  # (b, 5, 2)
        ax, ay = att[..., 0][:, None, :], att[..., 1][:, None, :]    # (b, 1, 5)
        inside = ((ax >= box[..., 0:1]) & (ax <= box[..., 1:2]) & (ay >= box[..., 2:3])
                  & (ay <= box[..., 3:4]) & valid[:, None, OFF])     # (b, 5, 5)
        dist = torch.cdist(positions[:, DEF, :2], att)
        dist = torch.where(inside, dist, torch.full_like(dist, float("inf")))
        nearest = dist.argmin(dim=2)                                 # (b, 5)
        chase = guard_spot(torch.gather(att, 1, nearest[..., None].expand(-1, -1, 2)),
                           self.cfg.sag)
        anchor = anchors[assignment]
        ball = positions[:, 0:1, :2]
        ball_ok = valid[:, 0:1, None]
        hold = torch.where(ball_ok, anchor + self.cfg.shade * (ball - anchor), anchor)
        target = torch.where(inside.any(dim=2)[..., None], chase, hold)
        lo = torch.stack([box[..., 0], box[..., 2]], dim=-1)
        hi = torch.stack([box[..., 1], box[..., 3]], dim=-1)
        return torch.maximum(torch.minimum(target, hi), lo)

    def __call__(self, positions: torch.Tensor, valid: torch.Tensor,
                 state: DefenseState | None = None) -> tuple[torch.Tensor, DefenseState]:
        """(b, 11, 3) feet, (b, 11) bool -> next defender xy (b, 5, 2) feet, new state."""
        _check(positions, valid)
        valid = valid.bool()
        cur = positions[:, DEF, :2]
        if state is None:
            _, anchors = self._tensors(positions)
            cost = torch.cdist(cur, anchors[None].expand(cur.shape[0], -1, -1))
            assignment = min_cost_assignment(cost)
        else:
            assignment = state.assignment.to(positions.device)
        target = self.targets(positions, valid, assignment)
        target = torch.where(valid[:, DEF, None], target, cur)
        nxt = step_toward(cur, target, self.cfg.speed_ftps * self.cfg.dt)
        return nxt, DefenseState(assignment)


# --------------------------------------------------------------------------- registry
DEFENSES: Registry = Registry("defense")
"""Defensive schemes by name: ``DEFENSES.make(name, options, **context)`` -> scheme
(options: the fields of the entry's config, e.g. ``speed_ftps`` / ``dt`` from the sim).
``bc`` (the behaviour-cloned defense, registered in :mod:`envs.defense.bc_cache`) also
needs ``train=`` a PossessionSet (and optionally ``seed=``, ``cache_dir=``)."""


@DEFENSES.register("man_to_man", ManToManConfig, help="PlayBest man-to-man")
def _man_to_man(cfg: ManToManConfig) -> ManToMan:
    return ManToMan(cfg)


@DEFENSES.register("loose_man", LooseManConfig, help="man-to-man sagging farther, reacting later")
def _loose_man(cfg: LooseManConfig) -> ManToMan:
    return ManToMan(cfg)


@DEFENSES.register("switch_everything", SwitchConfig, help="man-to-man reassigned every step")
def _switch_everything(cfg: SwitchConfig) -> ManToMan:
    return ManToMan(cfg, switch=True)


@DEFENSES.register("zone_2_3", ZoneConfig, help="2-3 zone")
def _zone_2_3(cfg: ZoneConfig) -> Zone23:
    return Zone23(cfg)
