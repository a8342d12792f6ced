"""The possession loop of the synthetic corpus (see envs.synthetic for the model)."""

from __future__ import annotations

import numpy as np

from engine.court import distance_to_hoop, hoop_xy, is_three
from envs.synthetic import GameSim, make_probability, shot_description


class Play(GameSim):
    """GameSim plus the possession loop and the play-by-play rows it logs."""

    # ---- play-by-play rows ---------------------------------------------------
    def row(self, msg: int, action: int, period: int, clock: float, actor=None,
            desc: str = "", other=None, other_desc: str = "", scoring: bool = False) -> None:
        """Append one play-by-play row; actor/other are (team 0|1, player index 0..4)."""
        self.log.rows.append({
            "msg": msg, "action": action, "period": period,
            "clock": max(0, int(np.floor(clock))), "actor": actor, "desc": desc,
            "other": other, "other_desc": other_desc,
            "score": tuple(self.score) if scoring else None,
            "frame": len(self.log.moments["game_clock"]),
        })

    def name(self, team: int, k: int) -> str:
        return self.on_court[team][k].last_name

    # ---- one frame of play ---------------------------------------------------
    def step(self, period: int, clock: float, shot_clock: float | None, offense: int,
             spots: np.ndarray, handler: int | None, drive: bool = False) -> None:
        targets = np.empty((10, 2))
        o, d = slice(5 * offense, 5 * offense + 5), slice(5 * (1 - offense), 5 * (1 - offense) + 5)
        targets[o] = spots
        side = "right" if self.attacks_right(offense, period) else "left"
        hoop = np.array(hoop_xy(side))
        if handler is not None and drive:
            targets[5 * offense + handler] = hoop + (self.pos[5 * offense + handler] - hoop) * 0.15
        targets[d] = self.pos[o] + 0.35 * (hoop - self.pos[o])
        self.move(targets)
        if handler is not None:
            t = len(self.log.moments["game_clock"]) * self.dt
            self.ball[:2] = self.pos[5 * offense + handler] + 0.6
            self.ball[2] = 1.0 + 2.5 * abs(np.sin(np.pi * 1.8 * t))
        self.record(period, clock, shot_clock)

    def fly(self, period, clock, shot_clock, offense, spots, target_xyz, seconds,
            peak=0.0, run_clock=True) -> float:
        """Ball flies linearly (with an arc of height ``peak``) to target over ``seconds``."""
        start = self.ball.copy()
        n = max(1, int(round(seconds / self.dt)))
        for i in range(1, n + 1):
            w = i / n
            self.ball = start + (np.asarray(target_xyz) - start) * w
            self.ball[2] += peak * 4 * w * (1 - w)
            self.step(period, clock, shot_clock, offense, spots, None)
            if run_clock:
                clock -= self.dt
                shot_clock = None if shot_clock is None else shot_clock - self.dt
        return clock

    # ---- a possession --------------------------------------------------------
    def possession(self, period: int, clock: float, offense: int) -> tuple[float, int]:
        """Play one possession from ``clock``; returns (clock, next offense)."""
        rng = self.rng
        spots = self.spots(offense, period)
        handler, shot_clock, elapsed = 0, 24.0, 0.0
        shoot_at, next_decision, drive_until = rng.uniform(5, 17), rng.uniform(1.0, 2.5), -1.0
        while True:
            self.step(period, clock, shot_clock, offense, spots, handler, elapsed < drive_until)
            clock, shot_clock, elapsed = clock - self.dt, shot_clock - self.dt, elapsed + self.dt
            if clock <= 0:
                return 0.0, 1 - offense
            if elapsed < next_decision:
                continue
            next_decision = elapsed + rng.uniform(1.0, 2.5)
            if elapsed >= shoot_at or shot_clock < 3.0 or clock < 3.0:
                clock, keep = self.shot(period, clock, shot_clock, offense, spots, handler)
                if not keep:
                    return clock, 1 - offense
                shot_clock, elapsed, shoot_at = 24.0, 0.0, rng.uniform(4, 14)
                handler = int(np.argmin(np.linalg.norm(self.pos[5 * offense:5 * offense + 5]
                                                       - self.ball[:2], axis=1)))
                continue
            r = rng.random()
            if r < 0.6:
                before = clock
                clock, handler, lost = self.pass_ball(period, clock, shot_clock, offense, spots, handler)
                shot_clock, elapsed = shot_clock - (before - clock), elapsed + (before - clock)
                if lost:
                    return clock, 1 - offense
            elif r < 0.85:
                drive_until = elapsed + 1.2

    def pass_ball(self, period, clock, shot_clock, offense, spots, handler):
        rng = self.rng
        receiver = int(rng.choice([k for k in range(5) if k != handler]))
        target = self.pos[5 * offense + receiver]
        dist = float(np.linalg.norm(target - self.ball[:2]))
        if rng.random() < self.cfg.steal_per_pass:
            stealer = int(rng.integers(0, 5))
            clock = self.fly(period, clock, shot_clock, offense, spots,
                             [*self.pos[5 * (1 - offense) + stealer], 4.0], dist / 45.0 + 0.2)
            self.row(5, 1, period, clock, (offense, handler),
                     f"{self.name(offense, handler)} Bad Pass Turnover (P1.T1)",
                     (1 - offense, stealer), f"{self.name(1 - offense, stealer)} STEAL (1 STL)")
            return clock, handler, True
        clock = self.fly(period, clock, shot_clock, offense, spots, [*target, 4.0],
                         dist / 45.0 + 0.2)
        return clock, receiver, False

    def shot(self, period, clock, shot_clock, offense, spots, handler) -> tuple[float, bool]:
        """Shoot from the handler's spot. Returns (clock, offense keeps the ball)."""
        cfg, rng = self.cfg, self.rng
        side = "right" if self.attacks_right(offense, period) else "left"
        xy = self.pos[5 * offense + handler].copy()
        dist = float(distance_to_hoop(xy, side))
        three = bool(is_three(xy, side))
        fouled = rng.random() < cfg.foul_per_shot
        made = rng.random() < make_probability(cfg, dist) * (0.4 if fouled else 1.0)
        hoop = [*hoop_xy(side), 10.0]
        self.ball = np.array([*xy, 7.0])
        clock = self.fly(period, clock, shot_clock, offense, spots, hoop, 1.0, peak=6.0)
        logged = clock - rng.uniform(0.0, 1.0)
        pts = 3 if three else 2
        shooter = self.name(offense, handler)
        if made:
            self.score[offense] += pts
        if made or not fouled:
            total = self.player_points(offense, handler, pts if made else 0)
            self.row(1 if made else 2, 1, period, logged, (offense, handler),
                     shot_description(shooter, dist, three, made, total), scoring=made)
        if fouled:
            fouler = int(rng.integers(0, 5))
            self.row(6, 2, period, logged, (1 - offense, fouler),
                     f"{self.name(1 - offense, fouler)} S.FOUL (P1.T1)")
            return self.free_throws(period, clock, offense, spots, handler,
                                    1 if made else (3 if three else 2))
        if made:
            return clock, False
        return self.rebound(period, clock, shot_clock, offense, spots, hoop)

    def player_points(self, team: int, k: int, add: int) -> int:
        key = (team, k)
        self._pts = getattr(self, "_pts", {})
        self._pts[key] = self._pts.get(key, 0) + add
        return self._pts[key]

    def free_throws(self, period, clock, offense, spots, handler, n) -> tuple[float, bool]:
        """n free throws with the clock stopped; a missed last one is rebounded."""
        side = "right" if self.attacks_right(offense, period) else "left"
        hx, hy = hoop_xy(side)
        line = [hx - 15.0 if side == "right" else hx + 15.0, hy]
        made = False
        for i in range(1, n + 1):
            self.ball = np.array([*line, 7.0])
            self.pos[5 * offense + handler] = line
            self.fly(period, clock, None, offense, spots, [hx, hy, 10.0], 2.0, peak=4.0,
                     run_clock=False)
            made = self.rng.random() < self.cfg.ft_pct
            if made:
                self.score[offense] += 1
            total = self.player_points(offense, handler, int(made))
            name = self.name(offense, handler)
            desc = (f"{name} Free Throw {i} of {n} ({total} PTS)" if made
                    else f"MISS {name} Free Throw {i} of {n}")
            self.row(3, 10 + i, period, clock, (offense, handler), desc, scoring=made)
        if made:
            return clock, False
        return self.rebound(period, clock, 24.0, offense, spots, [hx, hy, 10.0])

    def rebound(self, period, clock, shot_clock, offense, spots, hoop) -> tuple[float, bool]:
        offensive = self.rng.random() < self.cfg.oreb_rate
        team = offense if offensive else 1 - offense
        near = self.pos[5 * team:5 * team + 5]
        k = int(np.argmin(np.linalg.norm(near - np.asarray(hoop[:2]), axis=1)))
        clock = self.fly(period, clock, shot_clock, offense, spots, [*near[k], 6.0], 0.8, peak=2.0)
        self.row(4, 0, period, clock, (team, k),
                 f"{self.name(team, k)} REBOUND (Off:{int(offensive)} Def:{int(not offensive)})")
        return clock, offensive

    # ---- a period ------------------------------------------------------------
    def period(self, period: int, offense: int) -> None:
        self.row(12, 0, period, self.cfg.seconds_per_period)
        clock = self.cfg.seconds_per_period
        spots = self.spots(offense, period)
        self.pos = np.concatenate([spots, spots]) + self.rng.normal(0, 2, (10, 2))
        if period == 1:
            self.row(10, 0, period, clock, (1, 4), f"Jump Ball {self.name(1, 4)} vs. "
                     f"{self.name(0, 4)}: Tip to {self.name(offense, 0)}", (0, 4))
        while clock > 0:
            clock, offense = self.possession(period, clock, offense)
        self.row(13, 0, period, 0.0)
