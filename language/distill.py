"""Distilling the grounded judge into a small LM, RM-R1's first stage: reasoning traces
built from templates over real pairs of plays, and how the LM's OWN verdicts are read.

A pair is (instruction, features of play A, features of play B). The PROMPT names the
instruction and, for each play, the values of the rubric's features plus two distractor
features (shuffled, the same order for both plays), so the model has to know which
facts matter. Two kinds of answers are trained:

- a reasoning TRACE (``REASON`` prompt): the rubric line (signed, weighted items), one
  evaluation line per item citing both plays' computed values and which side it
  favours, the two rubric scores, then ``[[A]]`` or ``[[B]]`` (the grounded verdict of
  language.judge); at most ~200 tokens;
- a DIRECT answer (``DIRECT`` prompt): ``[[A]]`` or ``[[B]]`` alone, the answer the
  forced choice reads.

Pairs tied on the rubric are left out (their verdict comes from the tie-break, not from
the instruction). A / B order is drawn at random so the position carries no signal.

Forced choice: the log-probability of the token sequence ``[[A]]`` vs ``[[B]]`` as the
start of the assistant's answer to the DIRECT prompt. Swap consistency: the same play
wins when A and B are swapped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from engine.tactics import FEATURE_NAMES
from language.judge import Play, judge
from language.rubric import Rubric

DIRECT = "Which play follows the instruction better? Answer [[A]] or [[B]]."
REASON = "Write the rubric, compare the plays on it, then answer [[A]] or [[B]]."
SYSTEM = "You judge basketball plays against a coach's instruction."
OPTIONS = ("[[A]]", "[[B]]")


def fmt(v: float) -> str:
    """A feature value as the prompt and traces cite it (integers bare, else 2 decimals)."""
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.2f}"


@dataclass
class Pair:
    """One judged pair: the instruction, its rubric, the features of A and B, their
    ids, the shown features (prompt order) and the grounded winner ('A' / 'B')."""

    instruction: str
    rubric: Rubric
    fa: dict
    fb: dict
    id_a: str
    id_b: str
    shown: tuple[str, ...]
    winner: str
    score_a: float = 0.0
    score_b: float = 0.0

    def swapped(self) -> "Pair":
        return Pair(self.instruction, self.rubric, self.fb, self.fa, self.id_b, self.id_a, self.shown,
                    "B" if self.winner == "A" else "A", self.score_b, self.score_a)


def make_pair(instruction: str, rubric: Rubric, fa: dict, fb: dict, id_a: str, id_b: str,
              rng: np.random.Generator, distractors: int = 2) -> Pair | None:
    """The pair with its grounded verdict, or None when the rubric ties (see module)."""
    a = Play("A", np.zeros((1, 11, 3)), 1.0, id_a, features=fa)
    b = Play("B", np.zeros((1, 11, 3)), 1.0, id_b, features=fb)
    v = judge(rubric, a, b)
    if v.tie_break:
        return None
    used = [it.feature for it in rubric.items]
    others = [f for f in FEATURE_NAMES if f not in used]
    extra = list(rng.choice(others, min(distractors, len(others)), replace=False))
    shown = used + extra
    order = rng.permutation(len(shown))
    return Pair(instruction, rubric, fa, fb, id_a, id_b, tuple(shown[k] for k in order), v.winner,
                v.score_a, v.score_b)


def prompt(pair: Pair, mode: str = DIRECT) -> str:
    def row(f: dict) -> str:
        return ", ".join(f"{name} {fmt(f.get(name, float('nan')))}" for name in pair.shown)

    return f"Instruction: {pair.instruction}\nPlay A: {row(pair.fa)}\nPlay B: {row(pair.fb)}\n{mode}"


def trace(pair: Pair) -> str:
    """The reasoning trace (module docstring) ending in the grounded verdict."""
    items = []
    for it in pair.rubric.items:
        qty = f" (at least {fmt(it.quantity)})" if it.quantity is not None and it.sign > 0 else ""
        items.append(f"{'more' if it.sign > 0 else 'less'} {it.feature}{qty} {it.weight:.2f}")
    lines = ["Rubric: " + "; ".join(items)]
    for it in pair.rubric.items:
        va, vb = pair.fa.get(it.feature, float("nan")), pair.fb.get(it.feature, float("nan"))
        ca, cb = it.contribution(va), it.contribution(vb)
        side = "A" if ca > cb + 1e-12 else "B" if cb > ca + 1e-12 else "even"
        lines.append(f"{it.feature}: A {fmt(va)}, B {fmt(vb)} -> {side}")
    lines.append(f"Score: A {pair.score_a:+.2f}, B {pair.score_b:+.2f}")
    lines.append(f"[[{pair.winner}]]")
    return "\n".join(lines)


def examples(pairs: list[Pair], direct: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """(prompt, answer) training examples: a reasoning trace for every pair and, for the
    first ``direct`` pairs, the direct answer in BOTH orders (kept next to each other, so
    one optimiser step sees both); traces and direct pairs are shuffled and interleaved
    (trace, direct, direct, trace, ...) so that a run stopped early has seen both kinds."""
    traces = [(prompt(p, REASON), trace(p)) for p in pairs]
    traces = [traces[k] for k in rng.permutation(len(traces))]
    both = []
    for k in rng.permutation(min(direct, len(pairs))):
        p = pairs[k]
        both.append([(prompt(q, DIRECT), f"[[{q.winner}]]") for q in (p, p.swapped())])
    out = []
    for k in range(max(len(traces), len(both))):
        if k < len(traces):
            out.append(traces[k])
        if k < len(both):
            out.extend(both[k])
    return out


# --- reading the LM -------------------------------------------------------------------

def encode_prompt(tokenizer, text: str, system: str | None = SYSTEM) -> list[int]:
    msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]
    ids = tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
    if isinstance(ids, dict) or hasattr(ids, "keys"):
        ids = ids["input_ids"]
    return [int(t) for t in ids]


def option_ids(tokenizer, options=OPTIONS) -> list[list[int]]:
    return [list(tokenizer(o, add_special_tokens=False)["input_ids"]) for o in options]


def forced_choice(model, tokenizer, text: str, options=OPTIONS, system: str | None = SYSTEM) -> np.ndarray:
    """Log-probability of each option as the start of the answer to ``text``: one forward
    pass over the prompt (and the options' common first tokens), then each option's
    remaining tokens on a copy of the key-value cache."""
    import copy

    import torch

    ids = encode_prompt(tokenizer, text, system)
    opts = option_ids(tokenizer, options)
    common = 0
    while all(len(o) > common + 1 and o[common] == opts[0][common] for o in opts):
        common += 1
    head = ids + opts[0][:common]
    with torch.no_grad():
        out = model(input_ids=torch.tensor([head]), use_cache=True)
    first = torch.log_softmax(out.logits[0].float(), -1)
    shared = float(sum(first[len(ids) - 1 + j, t] for j, t in enumerate(opts[0][:common])))
    scores = np.zeros(len(opts))
    for k, o in enumerate(opts):
        rest = o[common:]
        cache = copy.deepcopy(out.past_key_values)
        with torch.no_grad():
            tail = model(input_ids=torch.tensor([rest]), past_key_values=cache, use_cache=True).logits[0].float()
        logp = torch.cat([first[-1:], torch.log_softmax(tail, -1)[:-1]])          # predicts rest[j]
        scores[k] = shared + float(logp[torch.arange(len(rest)), torch.tensor(rest)].sum())
    return scores


def swap_stats(lp_ab: np.ndarray, lp_ba: np.ndarray, winner_ab: list[str]) -> dict:
    """Forced-choice log-probs (n, 2) [A, B] on the pairs as drawn (ab) and swapped (ba),
    and the grounded winners as drawn -> agreement (both orders), swap consistency (the
    same play wins in both orders) and the share of 'A' answers (position bias)."""
    pick_ab = np.where(lp_ab[:, 0] >= lp_ab[:, 1], "A", "B")
    pick_ba = np.where(lp_ba[:, 0] >= lp_ba[:, 1], "A", "B")
    truth_ab = np.asarray(winner_ab)
    truth_ba = np.where(truth_ab == "A", "B", "A")
    consistent = pick_ab != pick_ba          # A wins as drawn <=> B wins swapped
    agree = np.concatenate([pick_ab == truth_ab, pick_ba == truth_ba])
    return {"n": int(len(truth_ab)), "agreement": float(agree.mean()),
            "agreement_as_drawn": float((pick_ab == truth_ab).mean()),
            "swap_consistency": float(consistent.mean()),
            "consistent_and_right": float((consistent & (pick_ab == truth_ab)).mean()),
            "share_A": float(np.concatenate([pick_ab == "A", pick_ba == "A"]).mean())}


_CITE = re.compile(r"([a-z_]+)\s*[:=]?\s*A\s*[:=]?\s*(-?\d+(?:\.\d+)?),?\s*B\s*[:=]?\s*(-?\d+(?:\.\d+)?)")
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def _same(text: str, value: float) -> bool:
    return math.isfinite(value) and abs(float(text) - value) <= 0.005 + 1e-9


def cited_numbers(text: str, pair: Pair) -> dict:
    """How faithfully generated reasoning cites the computed features.

    strict: citations 'feature: A x, B y' -> numbers (two per citation) and how many
    equal that feature's computed value of that play (to the 2 decimals shown);
    loose: every number in the text outside the rubric line, weights and scores ->
    how many equal a computed value of a shown feature of either play."""
    strict_n = strict_ok = 0
    for name, xa, xb in _CITE.findall(text):
        strict_n += 2
        if name in FEATURE_NAMES:
            strict_ok += _same(xa, pair.fa.get(name, float("nan"))) + _same(xb, pair.fb.get(name, float("nan")))
    values = [f.get(n, float("nan")) for f in (pair.fa, pair.fb) for n in pair.shown]
    body = "\n".join(line for line in text.splitlines()
                     if not line.lower().startswith(("rubric", "score")))
    nums = _NUM.findall(body)
    loose_ok = sum(any(_same(x, v) for v in values) for x in nums)
    verdict = re.findall(r"\[\[([AB])\]\]", text)
    return {"strict_n": strict_n, "strict_ok": strict_ok, "loose_n": len(nums), "loose_ok": loose_ok,
            "verdict": verdict[-1] if verdict else None}
