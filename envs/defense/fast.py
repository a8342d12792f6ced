"""Single-possession twins of :mod:`envs.defense.schemes`'s man-to-man and 2-3 zone, on plain
Python floats, for the gym env's fast path (:mod:`engine.sim.fast`).

The simulator keeps every entity valid, so only that case is twinned. Each twin is
called as ``scheme(pos, assignment) -> (next defender xy [[x, y]] * 5, assignment)``
with ``pos`` (11, 3) feet (array or nested list) and ``assignment`` a list of 5 ints
or None (first step). ``tests/envs/test_fast_path.py`` checks them against the torch
schemes.
"""

from __future__ import annotations

import itertools
import math

from engine.court import HOOP_Y, RIGHT_HOOP_X
from envs.defense.schemes import ManToMan, Zone23

_PERMS = list(itertools.permutations(range(5)))


def _step_toward(cur, target, max_step: float, trigger: float = 0.0) -> list:
    """envs.defense.step_toward on 5 (x, y) pairs."""
    out = []
    for c, t in zip(cur, target):
        dx, dy = t[0] - c[0], t[1] - c[1]
        dist = math.sqrt(dx * dx + dy * dy)
        if dist <= trigger:
            out.append([c[0], c[1]])
        elif dist > max_step:
            k = max_step / dist
            out.append([c[0] + dx * k, c[1] + dy * k])
        else:
            out.append([c[0] + dx, c[1] + dy])
    return out


def _greedy(cost: list) -> list:
    """envs.defense.greedy_assignment of a 5 x 5 [defender][attacker] cost."""
    out, rows, cols = [0] * 5, set(), set()
    for _ in range(5):
        best, bi, bj = math.inf, 0, 0
        for i in range(5):
            if i in rows:
                continue
            ci = cost[i]
            for j in range(5):
                if j not in cols and ci[j] < best:
                    best, bi, bj = ci[j], i, j
        out[bi] = bj
        rows.add(bi)
        cols.add(bj)
    return out


def _min_cost(cost: list) -> list:
    """envs.defense.min_cost_assignment (first permutation on ties)."""
    best, arg = math.inf, _PERMS[0]
    for perm in _PERMS:
        total = cost[0][perm[0]] + cost[1][perm[1]] + cost[2][perm[2]] + cost[3][perm[3]] \
            + cost[4][perm[4]]
        if total < best:
            best, arg = total, perm
    return list(arg)


def _dist_matrix(a, b) -> list:
    return [[math.hypot(p[0] - q[0], p[1] - q[1]) for q in b] for p in a]


class ManToManFast:
    """Twin of :class:`envs.defense.ManToMan` (man_to_man, loose_man, switch_everything)."""

    def __init__(self, scheme: ManToMan) -> None:
        self.cfg, self.switch = scheme.cfg, scheme.switch
        self.hx, self.hy = float(RIGHT_HOOP_X), float(HOOP_Y)

    def __call__(self, pos, assignment: list | None) -> tuple[list, list]:
        att, cur = [p[:2] for p in pos[1:6]], [p[:2] for p in pos[6:11]]
        if self.switch:
            assignment = _min_cost(_dist_matrix(cur, att))
        elif assignment is None:
            assignment = _greedy(_dist_matrix(cur, att))
        sag = self.cfg.sag
        target = [(att[j][0] + sag * (self.hx - att[j][0]), att[j][1] + sag * (self.hy - att[j][1]))
                  for j in assignment]
        nxt = _step_toward(cur, target, self.cfg.speed_ftps * self.cfg.dt, self.cfg.trigger_ft)
        return nxt, list(assignment)


class Zone23Fast:
    """Twin of :class:`envs.defense.Zone23`."""

    def __init__(self, scheme: Zone23) -> None:
        self.cfg = scheme.cfg
        self.hx, self.hy = float(RIGHT_HOOP_X), float(HOOP_Y)

    def _target(self, zone: int, me, att, ball) -> list:
        x0, x1, y0, y1 = self.cfg.zones[zone]
        best, near = math.inf, None
        for a in att:
            if x0 <= a[0] <= x1 and y0 <= a[1] <= y1:
                d = math.hypot(me[0] - a[0], me[1] - a[1])
                if d < best:
                    best, near = d, a
        if near is not None:
            s = self.cfg.sag
            tx, ty = near[0] + s * (self.hx - near[0]), near[1] + s * (self.hy - near[1])
        else:
            ax, ay = self.cfg.anchors[zone]
            tx, ty = ax + self.cfg.shade * (ball[0] - ax), ay + self.cfg.shade * (ball[1] - ay)
        return [max(min(tx, x1), x0), max(min(ty, y1), y0)]

    def __call__(self, pos, assignment: list | None) -> tuple[list, list]:
        att, cur, ball = [p[:2] for p in pos[1:6]], [p[:2] for p in pos[6:11]], pos[0]
        if assignment is None:
            assignment = _min_cost(_dist_matrix(cur, self.cfg.anchors))
        target = [self._target(z, me, att, ball) for z, me in zip(assignment, cur)]
        return _step_toward(cur, target, self.cfg.speed_ftps * self.cfg.dt), list(assignment)


def fast_twin(scheme):
    """The float twin of a torch scheme, or None when it has none (e.g. BC defense)."""
    if type(scheme) is ManToMan:
        return ManToManFast(scheme)
    if type(scheme) is Zone23:
        return Zone23Fast(scheme)
    return None
