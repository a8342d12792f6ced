"""Commentary of a play: one play-by-play line per detected event, with player names
from the logs and the game clock, from templates (deterministic) and, optionally,
rephrased by a language model that must keep every name, number and event (else the
template line stays).

Events come from tracking (engine.tactics.tracking_events: pass, drive, screen, shot,
make / miss, rebound, turnover). With the game's play-by-play (``pbp_rows``, the log
rows of this possession) the log's shots, makes / misses, rebounds, turnovers and fouls
replace the tracking's reading of them; passes, drives and screens always come from
tracking. :func:`match_report` measures the tracking-only reading against the log.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from engine.tactics import tracking_events

log = logging.getLogger(__name__)

ZONE_WORDS = {"rim": "shot at the rim", "paint": "shot in the paint", "mid_range": "mid-range jumper",
              "corner_three": "corner three", "above_break_three": "three above the break",
              "three": "three-pointer", "jumper": "jumper"}
LOG_KINDS = {1: "shot", 2: "shot", 3: "free throw", 4: "rebound", 5: "turnover", 6: "foul"}


def clock_text(period: int, seconds_left: float) -> str:
    s = max(0.0, float(seconds_left))
    return f"Q{int(period)} {int(s // 60):d}:{int(s % 60):02d}"


def slot_names(player_ids: np.ndarray, names: dict[int, str] | None, offense: str = "",
               defense: str = "") -> dict[int, str]:
    """slot 1..10 -> display name (the log's name, else team and player id)."""
    out = {}
    for slot in range(1, 11):
        pid = int(player_ids[slot])
        team = offense if slot <= 5 else defense
        out[slot] = (names or {}).get(pid) or (f"{team} #{pid}" if pid > 0 else f"{team} player {slot}")
    return out


def names_from_pbp(events) -> dict[int, str]:
    """player id -> name from a play-by-play events table (engine.logs.pbp)."""
    out: dict[int, str] = {}
    for k in (1, 2, 3):
        ids, nm = events[f"player{k}_id"], events[f"player{k}_name"]
        for pid, name in zip(ids, nm):
            if pid is not None and not (isinstance(pid, float) and np.isnan(pid)) and name:
                out.setdefault(int(pid), str(name))
    return out


def event_line(e: dict, who: dict[int, str]) -> str:
    t = e["type"]
    if t == "pass":
        return f"{who[e['from']]} passes to {who[e['to']]}"
    if t == "drive":
        return f"{who[e['from']]} drives to {e['depth_ft']:.0f} ft from the rim"
    if t == "screen":
        return f"{who[e['from']]} sets a screen for {who[e['to']]}"
    if t == "shot":
        what = ZONE_WORDS.get(e.get("zone"), "shot")
        res = "" if e.get("made") is None else (" and makes it" if e["made"] else " and misses")
        return f"{who.get(e.get('shooter'), e.get('name', 'the shooter'))} takes a {what} from {e['distance_ft']:.0f} ft{res}"
    if t == "rebound":
        side = "offensive" if e["offensive"] else "defensive"
        return f"{who.get(e.get('by'), e.get('name', 'the team'))} grabs the {side} rebound"
    if t == "turnover":
        by = e.get("by", -1)
        tail = f", {who[by]} steals it" if by and by >= 6 else (f" ({e['kind']})" if e.get("kind") else "")
        return f"{who.get(e.get('from'), e.get('name', 'the offense'))} turns it over{tail}"
    if t == "foul":
        return f"foul on {e.get('name', 'the defense')}"
    if t == "free throw":
        return f"{e.get('name', 'the shooter')} {'makes' if e.get('made') else 'misses'} a free throw"
    return t


def log_events(rows, game_clock: np.ndarray, offense_team_id: int | None = None) -> list[dict]:
    """The log rows of one possession -> events at the frame nearest their clock."""
    out = []
    for r in rows.to_dict("records"):
        kind = LOG_KINDS.get(int(r["msg_type"]))
        if kind is None:
            continue
        frame = int(np.argmin(np.abs(game_clock - float(r["clock"])))) if len(game_clock) else 0
        e = {"type": kind, "frame": frame, "name": r.get("player1_name") or r.get("player1_team_nickname") or "",
             "source": "log"}
        if kind == "shot":
            dist = float(r.get("shot_distance_ft") or 0.0)
            zone = "three" if r.get("is_three") else ("rim" if dist <= 6 else "jumper" if dist >= 14 else "paint")
            e.update(made=int(r["msg_type"]) == 1, distance_ft=dist, zone=zone)
        elif kind == "rebound":
            team = r.get("player1_team_id") or r.get("team_id")
            e["offensive"] = bool(r.get("is_offensive_rebound")) or (
                offense_team_id is not None and team is not None and int(team) == int(offense_team_id))
        elif kind == "free throw":
            e["made"] = bool(r.get("ft_made"))
        out.append(e)
    return out


def commentary_lines(poss, rate_hz: float, names: dict[int, str] | None = None, pbp_rows=None) -> list[str]:
    """Possession (engine.possessions.segment.Possession) -> commentary lines, in order."""
    meta = poss.meta
    who = slot_names(poss.player_ids, names, str(meta.get("offense", "")), str(meta.get("defense", "")))
    ev = tracking_events(poss.positions, rate_hz)
    if pbp_rows is not None:
        ev = [e for e in ev if e["type"] in ("pass", "drive", "screen")]
        ev += log_events(pbp_rows, poss.game_clock, meta.get("offense_team_id"))
        ev.sort(key=lambda e: (e["frame"], e.get("source") == "log"))
    period = int(meta.get("period", 1))
    lines = []
    for e in ev:
        clock = clock_text(period, poss.game_clock[min(e["frame"], len(poss.game_clock) - 1)])
        lines.append(f"{clock}  {event_line(e, who)}")
    return lines


def lines_from_positions(positions: np.ndarray, rate_hz: float, who: dict[int, str] | None = None) -> list[str]:
    """A bare trajectory (h, 11, 3) (a simulated or planned play) -> lines stamped with
    the seconds since its start; players named by slot (O1..O5, D1..D5) unless ``who``."""
    who = who or {s: (f"O{s}" if s <= 5 else f"D{s - 5}") for s in range(1, 11)}
    return [f"{e['frame'] / rate_hz:5.1f}s  {event_line(e, who)}" for e in tracking_events(positions, rate_hz)]


def viewer_events(poss, rate_hz: float, names: dict[int, str] | None = None, pbp_rows=None) -> list[dict]:
    """Commentary as viewer events: {'type', 'frame', 'text'} per line."""
    meta = poss.meta
    who = slot_names(poss.player_ids, names, str(meta.get("offense", "")), str(meta.get("defense", "")))
    ev = tracking_events(poss.positions, rate_hz)
    if pbp_rows is not None:
        ev = [e for e in ev if e["type"] in ("pass", "drive", "screen")] + \
            log_events(pbp_rows, poss.game_clock, meta.get("offense_team_id"))
        ev.sort(key=lambda e: e["frame"])
    return [{"type": e["type"], "frame": int(e["frame"]), "made": e.get("made"), "text": event_line(e, who)}
            for e in ev]


_KEEP = re.compile(r"\d+|[A-Z][a-zA-Z'.-]+")


def rephrase(lm, lines: list[str]) -> list[str]:
    """Each line rephrased by ``lm``; a rephrasing that drops a name or number (or says
    nothing) is discarded and the template line kept."""
    out = []
    for line in lines:
        clock, _, text = line.partition("  ")
        try:
            new = lm.generate(f"Rewrite this basketball play-by-play line as lively commentary, "
                              f"one sentence, keep every name and number: {text}", max_new_tokens=40)
        except Exception as exc:  # noqa: BLE001 - a backend failure keeps the template
            log.warning("rephrasing failed (%s); template kept", exc)
            new = ""
        need = set(_KEEP.findall(text))
        new = new.strip().splitlines()[0] if new.strip() else ""
        out.append(f"{clock}  {new}" if new and need <= set(_KEEP.findall(new)) else line)
    return out


def match_report(ds, indices) -> dict:
    """Tracking-only events against the real play-by-play on possessions ``indices`` of
    a PossessionSet: shots (a logged field-goal attempt matched by a tracked shot whose
    release is within 3 frames of its aligned release, or 3 s of its clock), make /
    miss on matched shots, the rebound after each matched miss (offensive when the
    possession goes on, defensive when it ended 'missed_dreb'), turnovers per possession."""
    c = dict(possessions=0, fga=0, detected=0, matched=0, make_ok=0, rebounds=0, rebound_ok=0,
             turnovers=0, turnovers_detected=0, turnovers_both=0)
    meta = ds.meta
    for i in indices:
        p = ds.possession(int(i))
        if p.n_frames < 2:
            continue
        c["possessions"] += 1
        ev = tracking_events(p.positions, ds.rate_hz)
        shots = [e for e in ev if e["type"] == "shot"]
        logged = sorted(p.shots, key=lambda s: -s["clock"])
        c["fga"] += len(logged)
        c["detected"] += len(shots)
        used: set[int] = set()
        for k, s in enumerate(logged):
            hit = [e for e in shots if id(e) not in used and (
                abs(e["frame"] - s["frame"]) <= 3 if s["frame"] >= 0 else abs(p.game_clock[e["frame"]] - s["clock"]) <= 3)]
            if not hit:
                continue
            e = hit[0]
            used.add(id(e))
            c["matched"] += 1
            c["make_ok"] += int(e["made"] == s["made"])
            truth = "off" if k < len(logged) - 1 else ("def" if meta["outcome"].iat[int(i)] == "missed_dreb" else None)
            if not s["made"] and truth:
                reb = [x for x in ev if x["type"] == "rebound" and x["frame"] > e["frame"]]
                c["rebounds"] += 1
                c["rebound_ok"] += int(bool(reb) and ("off" if reb[0]["offensive"] else "def") == truth)
        real = meta["outcome"].iat[int(i)] == "turnover"
        seen = any(x["type"] == "turnover" for x in ev)
        c["turnovers"] += int(real)
        c["turnovers_detected"] += int(seen)
        c["turnovers_both"] += int(real and seen)
    rate = lambda a, b: c[a] / c[b] if c[b] else float("nan")  # noqa: E731
    c["rates"] = {"shot_recall": rate("matched", "fga"), "shot_precision": rate("matched", "detected"),
                  "make_miss": rate("make_ok", "matched"), "rebound": rate("rebound_ok", "rebounds"),
                  "turnover_recall": rate("turnovers_both", "turnovers"),
                  "turnover_precision": rate("turnovers_both", "turnovers_detected")}
    return c
