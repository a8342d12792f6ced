"""Instruction -> rubric: the grammar (negation, emphasis, quantity), the held-out
instruction set, and generative backends' answers parsed, validated and falling back."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from engine.errors import HoopsimConfigError
from language.compile import clauses, compile_instruction, item_scores
from language.instruct import make_rubric, parse_lm_rubric, read_instruction
from language.rubric import Rubric, RubricError

DATA = Path(__file__).resolve().parents[2] / "language" / "data" / "instructions.json"


def signs(rubric: Rubric) -> dict[str, int]:
    return {it.feature: it.sign for it in rubric.items}


def test_negation_flips_what_the_embeddings_cannot_see():
    assert signs(compile_instruction("no mid-range"))["mid_range_attempts"] == -1
    assert signs(compile_instruction("shoot mid-range jumpers"))["mid_range_attempts"] == +1
    # a 'less' phrase under a negation asks for more: no quick shots = take more time
    assert signs(compile_instruction("no quick shots")) == {"time_to_first_shot_s": +1}


def test_the_coach_example_and_emphasis_and_quantity():
    r = compile_instruction("really attack the rim, and no mid-range")
    s = signs(r)
    assert s["rim_attempts"] == 1 and s["mid_range_attempts"] == -1
    w = {it.feature: it.weight for it in r.items}
    assert w["rim_attempts"] > w["mid_range_attempts"] and sum(w.values()) == pytest.approx(1.0)
    q = compile_instruction("at least three passes")
    assert [(it.feature, it.quantity) for it in q.items] == [("passes", 3.0)]
    assert q.items[0].contribution(2.0) < 0 and q.items[0].contribution(4.0) == 0.0
    assert "'no mid-range'" in r.items[1].justification or "mid" in r.items[1].justification


def test_clauses_split_on_commas_and_conjunctions():
    assert clauses("Attack the rim and kick out, don't settle") == ["attack the rim", "kick out", "don't settle"]


@pytest.mark.slow
def test_held_out_instructions():
    """The 22 instructions never used in tuning (language/data/instructions.json)."""
    rows = [r for r in json.loads(DATA.read_text())["instructions"] if r["split"] == "test"]
    assert len(rows) >= 20
    sc = item_scores([compile_instruction(r["text"]) for r in rows], [r["items"] for r in rows])
    # measured: precision 0.80, recall 0.875, sign accuracy 1.00
    assert sc["precision"] >= 0.7 and sc["recall"] >= 0.8 and sc["sign_accuracy"] >= 0.95


def test_lm_answers_are_validated():
    good = parse_lm_rubric('Sure: {"items": [{"feature": "rim_attempts", "sign": 1, "weight": 2}]}', "x")
    assert signs(good) == {"rim_attempts": 1} and good.items[0].weight == 1.0
    for bad in ("no json here", '{"items": [{"feature": "dunks", "sign": 1}]}',
                '{"items": [{"feature": "rim_attempts", "sign": 3}]}', '{"items": [', '{"items": []}'):
        with pytest.raises(RubricError):
            parse_lm_rubric(bad, "x")


class _Babbler:
    name = "fake"

    def generate(self, prompt, max_new_tokens=96, system=None):
        return '{"rubric": {"key": "attack"}}'


def test_malformed_lm_output_falls_back_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        r = make_rubric("no mid-range", lm=_Babbler(), use_lm_rubric=True)
    assert r.backend == "embedding" and signs(r) == {"mid_range_attempts": -1}
    assert "not usable" in caplog.text


def test_instruction_options(tmp_path):
    f = tmp_path / "coach.txt"
    f.write_text("attack the rim, don't settle for jumpers\n")
    assert read_instruction(None, str(f)) == "attack the rim, don't settle for jumpers"
    assert read_instruction("post up, it's ours", None) == "post up, it's ours"
    with pytest.raises(HoopsimConfigError):
        read_instruction("a", str(f))
    with pytest.raises(HoopsimConfigError):
        read_instruction(None, None)
