"""An RM-R1-style judge of two plays against an instruction (Chain-of-Rubrics): state
the task type, write the weighted rubric with its justification, evaluate both plays
against every item citing facts of each play (events with clock and feature values),
then answer [[A]] or [[B]].

The verdict is GROUNDED: the play with the higher rubric score (language.rubric) over
the exact features of engine.tactics wins. Ties (equal scores) are broken by the plays,
never by their position: higher expected points, then the smaller possession id. A
language model, when given, adds its OWN verdict by forced choice (log-probability of
'[[A]]' vs '[[B]]' after the same evaluation), reported as 'LM: A' without brackets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.court import HOOP_Y, RIGHT_HOOP_X
from engine.tactics import read_trajectory, spec
from language.rubric import Rubric


@dataclass
class Play:
    """One play to judge: label (how the user named it), positions (h, 11, 3) feet,
    canonical, rate_hz, possession id (tie-break), clock text per frame (optional)."""

    label: str
    positions: np.ndarray
    rate_hz: float
    possession_id: str
    clock: list[str] | None = None
    features: dict[str, float] = field(default_factory=dict)
    shots: list[dict] = field(default_factory=list)
    expected_points: float = 0.0

    def read(self, outcomes=None) -> "Play":
        r = read_trajectory(self.positions, self.rate_hz)
        self.features, self.shots = r.features, r.shots
        self.expected_points = play_expected_points(self.positions, r.shots, outcomes)
        return self


def play_expected_points(pos: np.ndarray, shots: list[dict], outcomes=None, shot_clock_s: float = 12.0) -> float:
    """Expected points of a play's first shot under outcome models (an
    engine.outcomes.numpy_eval.OutcomeArrays; default: the shipped models fitted on the
    training games): P(make | distance, three, nearest defender, angle, clock) x value;
    0 without a shot."""
    if not shots:
        return 0.0
    if outcomes is None:
        outcomes = default_outcomes()
    s = shots[0]
    xy = np.asarray(s["xy"])
    defender = float(np.linalg.norm(pos[s["frame"], 6:11, :2] - xy, axis=-1).min())
    angle = math.degrees(math.atan2(abs(xy[1] - HOOP_Y), max(RIGHT_HOOP_X - xy[0], 1e-3)))
    three = s["zone"] in ("corner_three", "above_break_three")
    p = float(outcomes.p_make(s["distance_ft"], three, defender, angle, shot_clock_s))
    return p * (3.0 if three else 2.0)


_OUTCOMES = []


def default_outcomes():
    if not _OUTCOMES:
        from engine.outcomes.models import default_models
        from engine.outcomes.numpy_eval import OutcomeArrays

        _OUTCOMES.append(OutcomeArrays.from_models(default_models()))
    return _OUTCOMES[0]


@dataclass
class Verdict:
    winner: str                      # "A" or "B"
    score_a: float
    score_b: float
    tie_break: str                   # "" | "expected points" | "possession id"
    text: str
    lm_verdict: str | None = None    # "A" / "B" from the LM's forced choice
    lm_logprobs: tuple[float, float] | None = None

    def as_dict(self) -> dict:
        return {"winner": self.winner, "verdict": f"[[{self.winner}]]", "score_a": self.score_a,
                "score_b": self.score_b, "tie_break": self.tie_break, "lm_verdict": self.lm_verdict,
                "lm_logprobs": self.lm_logprobs, "text": self.text}


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}"


def _facts(play: Play, feature: str) -> str:
    """Facts of a play that back a feature value (the shots for shot features)."""
    if feature.endswith("_attempts") or feature == "time_to_first_shot_s":
        parts = []
        for s in play.shots[:3]:
            when = f" at {play.clock[s['frame']]}" if play.clock else f" at {s['frame'] / play.rate_hz:.1f}s"
            parts.append(f"{s['zone'].replace('_', ' ')} shot from {s['distance_ft']:.0f} ft by O{s['shooter']}{when}")
        return "; ".join(parts) if parts else "no shot"
    return ""


def evaluation_text(rubric: Rubric, a: Play, b: Play) -> tuple[str, float, float]:
    lines = [f"Task type: {rubric.task_type}", "<rubric>"]
    for k, it in enumerate(rubric.items, 1):
        want = "more" if it.sign > 0 else "less"
        qty = f" (at least {_fmt(it.quantity)})" if it.quantity is not None and it.sign > 0 else ""
        lines.append(f"{k}. [{it.weight:.2f}] {want} {it.feature}{qty} ({spec(it.feature).unit}) - {it.justification}")
    lines += ["</rubric>", "<eval>"]
    for k, it in enumerate(rubric.items, 1):
        va, vb = a.features.get(it.feature, float("nan")), b.features.get(it.feature, float("nan"))
        ca, cb = it.contribution(va) + 0.0, it.contribution(vb) + 0.0    # no '-0.00'
        side = "A" if ca > cb else "B" if cb > ca else "neither"
        fa, fb = _facts(a, it.feature), _facts(b, it.feature)
        lines.append(f"{k}. {it.feature}: A = {_fmt(va)}{f' ({fa})' if fa else ''}; "
                     f"B = {_fmt(vb)}{f' ({fb})' if fb else ''} -> favours {side} ({ca:+.2f} vs {cb:+.2f})")
    sa, sb = rubric.score(a.features), rubric.score(b.features)
    lines += [f"Rubric score: A {sa:+.3f}, B {sb:+.3f}; expected points A {a.expected_points:.2f}, "
              f"B {b.expected_points:.2f}", "</eval>"]
    return "\n".join(lines), sa, sb


def judge(rubric: Rubric, a: Play, b: Play, lm=None) -> Verdict:
    """The grounded verdict (module docstring); with ``lm`` its own forced choice too."""
    text, sa, sb = evaluation_text(rubric, a, b)
    tie = ""
    if abs(sa - sb) > 1e-9:
        winner = "A" if sa > sb else "B"
    elif abs(a.expected_points - b.expected_points) > 1e-9:
        winner, tie = ("A" if a.expected_points > b.expected_points else "B"), "expected points"
    else:
        winner, tie = ("A" if a.possession_id <= b.possession_id else "B"), "possession id"
    v = Verdict(winner, sa, sb, tie, text)
    if lm is not None and hasattr(lm, "choice_logprobs"):
        prompt = (f"Instruction: {rubric.instruction}\n{text}\nWhich play follows the instruction better? "
                  "Answer [[A]] or [[B]].")
        la, lb = lm.choice_logprobs(prompt, ["[[A]]", "[[B]]"])
        v.lm_verdict, v.lm_logprobs = ("A" if la >= lb else "B"), (la, lb)
    return v


def report_lines(rubric: Rubric, v: Verdict, a: Play, b: Play) -> list[str]:
    """What ``hoopsim judge`` prints; the LAST line is the grounded verdict."""
    head = [f"Instruction: {rubric.instruction}", f"A = {a.label}, B = {b.label}"]
    tail = []
    if rubric.notes:
        tail += [f"note: {n}" for n in rubric.notes]
    if v.tie_break:
        tail.append(f"tie on the rubric, broken by {v.tie_break}")
    if v.lm_verdict:
        tail.append(f"LM: {v.lm_verdict} (log-prob A {v.lm_logprobs[0]:.2f}, B {v.lm_logprobs[1]:.2f})")
    return head + v.text.splitlines() + tail + [f"[[{v.winner}]]"]
