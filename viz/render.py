"""Offscreen pygame renderer: one tracking frame -> an RGB picture of the court.

Frames are returned as ``(H, W, 3) uint8`` arrays (gymnasium's "rgb_array"), H being
the court view's height plus a scoreboard panel underneath. Nothing opens a window:
the SDL dummy video driver is selected before pygame is imported, and drawing happens
on plain Surfaces. See :mod:`viz.court_draw` for the feet -> pixels convention.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np

# remembered so that viz.window can drop a dummy driver nobody asked for before it
# opens a real window (SDL reads the variable when the display starts, not at import)
DUMMY_DRIVER_SET_HERE = "SDL_VIDEODRIVER" not in os.environ
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # after the SDL settings above, which pygame reads at import

from engine.possessions.labels import Action
from viz.court_draw import CourtView, court_markings, paint_polygons

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class RenderStyle:
    """Colours (RGB) and sizes (feet unless named _px) of a rendered frame."""

    offense: RGB = (200, 40, 40)
    defense: RGB = (30, 80, 190)
    ball: RGB = (240, 130, 20)
    floor: RGB = (222, 190, 145)
    paint: RGB = (200, 150, 105)
    apron: RGB = (150, 110, 75)
    lines: RGB = (255, 255, 255)
    rim: RGB = (235, 90, 20)
    holder_ring: RGB = (255, 225, 0)
    number: RGB = (255, 255, 255)
    panel: RGB = (25, 25, 32)
    panel_text: RGB = (235, 235, 235)
    player_radius_ft: float = 1.3
    ball_radius_ft: float = 0.6        # drawn larger than the real 0.39 ft to stay visible
    ball_growth_per_ft: float = 0.035  # ball radius gain per foot of height
    shadow_growth_per_ft: float = 0.08  # shadow radius gain per foot of height
    lift_per_ft: float = 0.3           # on-screen upward shift of the ball per foot of height
    trail_frames: int = 8
    line_px: int = 2
    panel_px: int = 56


def ball_geometry(z_ft: float, scale: float, style: RenderStyle) -> tuple[int, int, int]:
    """Ball height (ft) and px-per-ft -> (ball radius px, shadow radius px, lift px).

    The shadow sits on the floor at the ball's (x, y); the ball itself is drawn lifted
    by ``lift`` px, so height reads as the gap between the two as well as their sizes.
    """
    z = max(float(z_ft), 0.0) if np.isfinite(z_ft) else 0.0
    ball = style.ball_radius_ft * (1.0 + style.ball_growth_per_ft * z) * scale
    shadow = style.ball_radius_ft * (1.0 + style.shadow_growth_per_ft * z) * scale
    return max(round(ball), 2), max(round(shadow), 2), round(style.lift_per_ft * z * scale)


def _blend(a: RGB, b: RGB, t: float) -> RGB:
    """Colour a moved a share t (0..1) of the way to b."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _fmt_clock(seconds: float | None) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "--"
    m, s = divmod(max(float(seconds), 0.0), 60.0)
    return f"{int(m)}:{s:04.1f}"


class CourtRenderer:
    """Draws tracking frames on a to-scale court.

    Arguments: width_px, the picture width; half_court, show only x in [47, 94] ft (the
    end the canonical offense attacks); trails, draw recent motion when given; style,
    colours and sizes (team colours included).
    """

    def __init__(self, width_px: int = 940, half_court: bool = False, trails: bool = True,
                 style: RenderStyle | None = None, margin_ft: float = 2.0) -> None:
        pygame.font.init()
        self.view = CourtView(width_px, half_court, margin_ft)
        self.trails = trails
        self.style = style or RenderStyle()
        self.size = (self.view.width_px, self.view.height_px + self.style.panel_px)
        r = self.player_radius_px
        self._number_font = pygame.font.Font(None, max(int(r * 1.5), 10))
        self._clock_font = pygame.font.Font(None, 30)
        self._caption_font = pygame.font.Font(None, 22)
        self._background = self._draw_background()

    @property
    def player_radius_px(self) -> int:
        return max(round(self.style.player_radius_ft * self.view.scale), 3)

    def to_pixels(self, xy: np.ndarray) -> np.ndarray:
        """(..., >=2) feet -> (..., 2) float pixels; see :class:`viz.court_draw.CourtView`."""
        return self.view.to_pixels(xy)

    def _pt(self, xy: np.ndarray) -> tuple[int, int]:
        p = self.view.to_pixels(xy)
        return round(p[0]), round(p[1])

    def _draw_background(self) -> pygame.Surface:
        """The court alone (drawn once, copied for every frame)."""
        st = self.style
        surf = pygame.Surface(self.size)
        surf.fill(st.apron)
        m = self.view.margin_ft * self.view.scale
        court = pygame.Rect(round(m), round(m), self.view.width_px - 2 * round(m),
                            self.view.height_px - 2 * round(m))
        surf.fill(st.floor, court)
        for poly in paint_polygons(self.view.half_court):
            pygame.draw.polygon(surf, st.paint, [tuple(p) for p in self.view.to_pixels(poly)])
        for mk in court_markings(self.view.half_court):
            pts = [tuple(p) for p in self.view.to_pixels(mk.points)]
            if mk.style == "dashed":
                for a, b in zip(pts[::2], pts[1::2]):  # every other segment: a dashed arc
                    pygame.draw.line(surf, st.lines, a, b, st.line_px)
            elif mk.style == "rim":
                pygame.draw.lines(surf, st.rim, True, pts, st.line_px + 1)
            else:
                width = st.line_px + 2 if mk.style == "backboard" else st.line_px
                pygame.draw.lines(surf, st.lines, False, pts, width)
        surf.fill(st.panel, pygame.Rect(0, self.view.height_px, self.size[0], st.panel_px))
        return surf

    def render_frame(self, positions: np.ndarray, valid: np.ndarray, handler: int = -1,
                     clocks: dict | None = None, caption: str = "",
                     trail: np.ndarray | None = None, trail_valid: np.ndarray | None = None,
                     labels: list[str] | None = None) -> np.ndarray:
        """Draw one frame.

        positions: (11, 3) feet, slots [ball, off_0..4, def_0..4], z = ball height;
        valid: (11,) bool; handler: slot holding the ball or -1; clocks: optional keys
        game_clock, shot_clock (seconds), period, score (str); trail: (k, 11, 3) feet of
        the k most recent frames, oldest first (the current one may be the last);
        trail_valid: (k, 11) bool (default: points not at the origin, where missing
        entities are stored); labels: 11 disc texts (default: 1-5 per side).
        Returns (H, W, 3) uint8 with H = court height + panel, W = width_px.
        """
        positions = np.asarray(positions, dtype=float)
        valid = np.asarray(valid, dtype=bool)
        surf = self._background.copy()
        if self.trails and trail is not None and len(trail):
            tv = trail_valid if trail_valid is not None else np.any(trail[..., :2] != 0, axis=-1)
            self._draw_trails(surf, np.asarray(trail, float), np.asarray(tv, bool))
        if valid[0]:
            self._draw_shadow(surf, positions[0])
        self._draw_players(surf, positions, valid, handler, labels)
        if valid[0]:
            self._draw_ball(surf, positions[0])
        self._draw_panel(surf, clocks or {}, caption)
        return np.frombuffer(pygame.image.tobytes(surf, "RGB"), np.uint8).reshape(
            self.size[1], self.size[0], 3).copy()

    def _draw_trails(self, surf: pygame.Surface, trail: np.ndarray, tv: np.ndarray) -> None:
        """Fading polylines of the last k positions, one per slot (older = paler)."""
        k = trail.shape[0]
        px = self.view.to_pixels(trail)
        for slot in range(trail.shape[1]):
            colour = self._slot_colour(slot)
            for i in range(k - 1):
                if tv[i, slot] and tv[i + 1, slot]:
                    fade = 0.75 * (1.0 - (i + 1) / k)  # why: recent motion should stand out
                    pygame.draw.line(surf, _blend(colour, self.style.floor, fade),
                                     tuple(px[i, slot]), tuple(px[i + 1, slot]), 3 if slot else 2)

    def _slot_colour(self, slot: int) -> RGB:
        st = self.style
        return st.ball if slot == 0 else (st.offense if slot <= 5 else st.defense)

    def _draw_shadow(self, surf: pygame.Surface, ball: np.ndarray) -> None:
        _, shadow_r, _ = ball_geometry(ball[2], self.view.scale, self.style)
        x, y = self._pt(ball[:2])
        layer = pygame.Surface((2 * shadow_r + 2, 2 * shadow_r + 2), pygame.SRCALPHA)
        # a higher ball casts a larger but softer shadow
        alpha = int(np.clip(150 - 4 * max(float(ball[2]), 0.0), 60, 150))
        pygame.draw.circle(layer, (0, 0, 0, alpha), (shadow_r + 1, shadow_r + 1), shadow_r)
        surf.blit(layer, (x - shadow_r - 1, y - shadow_r - 1))

    def _draw_ball(self, surf: pygame.Surface, ball: np.ndarray) -> None:
        r, _, lift = ball_geometry(ball[2], self.view.scale, self.style)
        x, y = self._pt(ball[:2])
        pygame.draw.circle(surf, self.style.ball, (x, y - lift), r)
        pygame.draw.circle(surf, (60, 30, 10), (x, y - lift), r, 1)

    def _draw_players(self, surf: pygame.Surface, positions: np.ndarray, valid: np.ndarray,
                      handler: int, labels: list[str] | None) -> None:
        r = self.player_radius_px
        for slot in range(1, positions.shape[0]):
            if not valid[slot]:
                continue
            centre = self._pt(positions[slot, :2])
            if slot == handler:
                pygame.draw.circle(surf, self.style.holder_ring, centre, r + 4, 3)
            pygame.draw.circle(surf, self._slot_colour(slot), centre, r)
            pygame.draw.circle(surf, (20, 20, 20), centre, r, 1)
            if r < 6:  # why: a number on a disc this small is an unreadable smudge
                continue
            text = labels[slot] if labels is not None else str((slot - 1) % 5 + 1)
            img = self._number_font.render(text, True, self.style.number)
            surf.blit(img, img.get_rect(center=centre))

    def _draw_panel(self, surf: pygame.Surface, clocks: dict, caption: str) -> None:
        st = self.style
        top = self.view.height_px
        parts = []
        if clocks.get("period") is not None:
            parts.append(f"Q{clocks['period']}")
        parts.append(_fmt_clock(clocks.get("game_clock")))
        sc = clocks.get("shot_clock")
        parts.append(f"SC {sc:.1f}" if sc is not None and np.isfinite(sc) else "SC --")
        if clocks.get("score"):
            parts.append(str(clocks["score"]))
        img = self._clock_font.render("   ".join(parts), True, st.panel_text)
        surf.blit(img, (10, top + 6))
        if caption:
            cap = self._caption_font.render(caption, True, st.panel_text)
            surf.blit(cap, (10, top + 32))

    def render_possession(self, poss, every: int = 1) -> list[np.ndarray]:
        """poss: engine.possessions.segment.Possession -> frames 0, every, 2*every, ... as
        (H, W, 3) uint8 arrays, each with a trail of ``style.trail_frames`` frames."""
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        head = possession_title(poss.meta)
        frames = [self.possession_frame(poss, t, head) for t in range(0, poss.n_frames, every)]
        log.debug("rendered %d frames of possession %s", len(frames), poss.meta.get("poss_index"))
        return frames

    def possession_frame(self, poss, t: int, head: str | None = None,
                         trail: bool = True) -> np.ndarray:
        """Frame ``t`` of an engine.possessions.segment.Possession -> (H, W, 3) uint8, captioned
        with ``head`` (default :func:`possession_title`), the time and the frame's action
        label; trail=False leaves the recent-motion trail out."""
        meta = poss.meta
        head = possession_title(meta) if head is None else head
        lo = max(0, t - self.style.trail_frames)
        act = int(poss.action[t])
        label = Action(act).name.lower() if act in Action._value2member_map_ else str(act)
        clocks = {"period": meta.get("period"), "game_clock": float(poss.game_clock[t]),
                  "shot_clock": float(poss.shot_clock[t])}
        return self.render_frame(
            poss.positions[t], poss.valid[t], int(poss.handler[t]), clocks,
            f"{head}  |  t={poss.time_s[t]:.1f}s  {label}",
            poss.positions[lo:t + 1] if trail else None, poss.valid[lo:t + 1])


def possession_title(meta: dict) -> str:
    """A possession's one-line title: game, period, index and outcome."""
    return (f"{meta.get('game_id', '')} P{meta.get('period', '?')} "
            f"poss {meta.get('poss_index', '?')} -> {meta.get('outcome', '?')}").strip()
