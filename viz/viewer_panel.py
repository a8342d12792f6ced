"""The interactive viewer's side panel: state, scrub bar, event list, key help.

Kept apart from :mod:`viz.viewer` so the playback logic stays short; the panel only
reads the viewer's state (frame, n_frames, speed, playing, trails, clip).
"""

from __future__ import annotations

import numpy as np
import pygame

from viz import render  # noqa: F401  (sets the SDL variables before pygame loads)

RGB = tuple[int, int, int]
BG: RGB = (25, 25, 32)
TEXT: RGB = (235, 235, 235)
DIM: RGB = (130, 130, 140)
HIGHLIGHT: RGB = (255, 225, 0)
EVENT_COLOURS: dict[str, RGB] = {
    "pass": (90, 160, 255), "drive": (255, 150, 40), "shot": (60, 200, 90),
    "rebound": (190, 190, 190), "turnover": (200, 90, 220)}
MISSED: RGB = (230, 70, 70)
HELP = ("space play/pause   t trails", "<- -> step   [ ] 10 frames",
        "home/end first/last", "+/- speed   q/esc quit")


def frame_rate(time_s: np.ndarray, default: float = 25.0) -> float:
    """Frames per second of a (T,) time axis in seconds (median step; ``default`` when
    it has fewer than two finite, increasing times)."""
    steps = np.diff(np.asarray(time_s, float))
    steps = steps[np.isfinite(steps) & (steps > 0)]
    return float(1.0 / np.median(steps)) if steps.size else default


def slot_name(slot: int) -> str:
    """Entity slot -> the label drawn on its disc: O1..O5, D1..D5, ball, ?."""
    if slot == 0:
        return "ball"
    if 1 <= slot <= 10:
        return f"{'O' if slot <= 5 else 'D'}{(slot - 1) % 5 + 1}"
    return "?"


def event_label(ev: dict) -> str:
    """One event dict of engine.possessions.events.detect_events -> a short line of text
    (a commentary event carries its own ``text``)."""
    if ev.get("text"):                       # commentary (language.commentary.viewer_events)
        return str(ev["text"])
    kind = ev["type"]
    if kind == "pass":
        return f"pass {slot_name(ev['from'])} -> {slot_name(ev['to'])}"
    if kind == "drive":
        return f"drive {slot_name(ev['from'])} to {ev['depth_ft']:.0f} ft"
    if kind == "shot":
        made = "made" if ev.get("made") else "missed"
        return f"shot {slot_name(ev.get('from', -1))} {made} {3 if ev.get('is_three') else 2}"
    return kind


def event_colour(ev: dict) -> RGB:
    if ev["type"] == "shot" and not ev.get("made"):
        return MISSED
    return EVENT_COLOURS.get(ev["type"], TEXT)


class SidePanel:
    """Draws the panel (width_px x height_px) for a viewer's current state."""

    def __init__(self, width_px: int, height_px: int) -> None:
        self.size = (width_px, height_px)
        self.big = pygame.font.Font(None, 26)
        self.small = pygame.font.Font(None, 20)
        self.row_px = 20

    def _text(self, surf: pygame.Surface, text: str, xy: tuple[int, int],
              colour: RGB = TEXT, font: pygame.font.Font | None = None) -> None:
        font = font or self.small
        # why: long titles and captions are cut to the panel instead of spilling over
        while text and font.size(text)[0] > self.size[0] - xy[0] - 8:
            text = text[:-2] + "~"
        surf.blit(font.render(text, True, colour), xy)

    def draw(self, viewer, events: list[dict], current: int) -> pygame.Surface:
        surf = pygame.Surface(self.size)
        surf.fill(BG)
        pygame.draw.line(surf, DIM, (0, 0), (0, self.size[1]), 1)
        clip, i = viewer.clip, viewer.frame
        self._text(surf, clip.title or "hoopsim viewer", (12, 10), TEXT, self.big)
        state = "playing" if viewer.playing else "paused"
        self._text(surf, f"frame {i} / {viewer.n_frames - 1}    t {clip.time_s(i):.2f} s", (12, 40))
        self._text(surf, f"speed {viewer.speed:g}x   {state}   trails "
                         f"{'on' if viewer.trails else 'off'}", (12, 60))
        self._text(surf, clip.caption(i), (12, 80), DIM)
        self._scrub_bar(surf, viewer, events, top=104)
        self._event_list(surf, events, current, top=136,
                         bottom=self.size[1] - len(HELP) * 18 - 14)
        for k, line in enumerate(HELP):
            self._text(surf, line, (12, self.size[1] - (len(HELP) - k) * 18 - 6), DIM)
        return surf

    def _scrub_bar(self, surf: pygame.Surface, viewer, events: list[dict], top: int) -> None:
        """A bar for the whole clip: event ticks in their colours, the frame as a marker."""
        left, width = 12, self.size[0] - 24
        pygame.draw.rect(surf, (60, 60, 72), (left, top + 6, width, 8), border_radius=4)
        span = max(viewer.n_frames - 1, 1)
        for ev in events:
            x = left + round(width * min(ev["frame"], span) / span)
            pygame.draw.line(surf, event_colour(ev), (x, top + 2), (x, top + 18), 2)
        x = left + round(width * viewer.frame / span)
        pygame.draw.circle(surf, HIGHLIGHT, (x, top + 10), 6)

    def _event_list(self, surf: pygame.Surface, events: list[dict], current: int,
                    top: int, bottom: int) -> None:
        """One row per event; scrolled so that the current event stays in view."""
        self._text(surf, f"events ({len(events)})", (12, top), TEXT, self.big)
        top += 26
        rows = max((bottom - top) // self.row_px, 1)
        first = min(max(current - rows // 2, 0), max(len(events) - rows, 0))
        if not events:
            self._text(surf, "none detected", (12, top), DIM)
        for k, ev in enumerate(events[first:first + rows]):
            idx, y = first + k, top + k * self.row_px
            if idx == current:
                pygame.draw.rect(surf, (70, 70, 40), (6, y - 2, self.size[0] - 12, self.row_px))
            colour = HIGHLIGHT if idx == current else (TEXT if idx < current else DIM)
            pygame.draw.circle(surf, event_colour(ev), (16, y + 7), 4)
            self._text(surf, f"{ev['frame']:>4}  {event_label(ev)}", (26, y), colour)
