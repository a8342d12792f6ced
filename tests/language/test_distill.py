"""Distilling the judge (language.distill, language.lora): trace format, forced-choice
scoring against a direct computation on a tiny randomly initialised Llama, the
swap-consistency arithmetic, cited-number checking, and that an interrupted LoRA run
resumes to the same adapter as an uninterrupted one."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from language.distill import (DIRECT, OPTIONS, REASON, cited_numbers, encode_prompt, examples, forced_choice,
                              make_pair, prompt, swap_stats, trace)
from language.rubric import Rubric

RUBRIC = Rubric.from_dict({"items": [{"feature": "rim_attempts", "sign": 1, "weight": 2.0},
                                     {"feature": "mid_range_attempts", "sign": -1, "weight": 1.0}]},
                          "attack the rim, no mid-range")
FA = {"rim_attempts": 1.0, "mid_range_attempts": 0.0, "passes": 3.0, "spacing_hull_sqft": 612.25}
FB = {"rim_attempts": 0.0, "mid_range_attempts": 1.0, "passes": 5.0, "spacing_hull_sqft": 580.5}


def pair(seed=0):
    return make_pair(RUBRIC.instruction, RUBRIC, FA, FB, "g-1-0001", "g-1-0002", np.random.default_rng(seed))


def test_trace_cites_the_features_and_ends_with_the_grounded_verdict():
    p = pair()
    assert p.winner == "A" and p.score_a > p.score_b
    assert set(p.shown) >= {"rim_attempts", "mid_range_attempts"} and len(p.shown) == 4
    t = trace(p)
    lines = t.splitlines()
    assert lines[0] == "Rubric: more rim_attempts 0.67; less mid_range_attempts 0.33"
    assert lines[1] == "rim_attempts: A 1, B 0 -> A" and lines[2] == "mid_range_attempts: A 0, B 1 -> A"
    assert lines[-1] == "[[A]]" and len(t.split()) < 60
    q = p.swapped()
    assert trace(q).splitlines()[-1] == "[[B]]" and "rim_attempts: A 0, B 1 -> B" in trace(q)
    text = prompt(p, DIRECT)
    assert text.startswith("Instruction: attack the rim, no mid-range\nPlay A: ") and text.endswith(DIRECT)
    assert "spacing_hull_sqft" not in text or "612.25" in text
    # every number the trace cites equals a computed feature
    c = cited_numbers(t, p)
    assert c["strict_n"] == 4 and c["strict_ok"] == 4 and c["verdict"] == "A"
    bad = cited_numbers(t.replace("rim_attempts: A 1", "rim_attempts: A 2"), p)
    assert bad["strict_ok"] == 3 and bad["loose_ok"] == bad["loose_n"] - 1


def test_rubric_ties_are_left_out_and_direct_answers_come_in_both_orders():
    same = dict(FA)
    assert make_pair(RUBRIC.instruction, RUBRIC, FA, same, "x", "y", np.random.default_rng(0)) is None
    ps = [pair(s) for s in range(6)]
    ex = examples(ps, direct=3, rng=np.random.default_rng(0))
    assert len(ex) == 6 + 6
    direct = [(p, a) for p, a in ex if p.endswith(DIRECT)]
    assert sorted(a for _, a in direct) == ["[[A]]"] * 3 + ["[[B]]"] * 3
    assert sum(p.endswith(REASON) for p, _ in ex) == 6


def test_swap_consistency_arithmetic():
    # pair 0: picks A then B (consistent, right); pair 1: picks A both times (inconsistent);
    # pair 2: picks B then A (consistent, wrong: the grounded winner is A)
    lp_ab = np.array([[-1.0, -2.0], [-1.0, -3.0], [-2.0, -1.0]])
    lp_ba = np.array([[-2.0, -1.0], [-1.0, -2.0], [-1.0, -2.0]])
    s = swap_stats(lp_ab, lp_ba, ["A", "B", "A"])
    assert s["swap_consistency"] == pytest.approx(2 / 3)
    assert s["agreement_as_drawn"] == pytest.approx(1 / 3)
    assert s["agreement"] == pytest.approx(3 / 6)        # pair 0 twice, pair 1 in the swapped order
    assert s["consistent_and_right"] == pytest.approx(1 / 3)
    assert s["share_A"] == pytest.approx(4 / 6)


class CharTokenizer:
    """A tiny stand-in for the chat tokenizer: one id per character."""

    eos_token_id = 1

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [2 + ord(c) % 60 for c in text]}

    def apply_chat_template(self, msgs, add_generation_prompt=True, tokenize=True):
        text = "".join(f"<{m['role']}>{m['content']}" for m in msgs) + ("<assistant>" if add_generation_prompt else "")
        return self(text)["input_ids"]

    def convert_tokens_to_ids(self, token):
        return 1


def tiny_model(seed=0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
    return LlamaForCausalLM(cfg).eval()


def test_forced_choice_equals_the_log_probability_of_each_option():
    model, tok = tiny_model(), CharTokenizer()
    text = prompt(pair(), DIRECT)
    got = forced_choice(model, tok, text)
    ids = encode_prompt(tok, text)
    for k, opt in enumerate(OPTIONS):
        o = tok(opt)["input_ids"]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids + o])).logits[0], -1)
        want = sum(float(logp[len(ids) - 1 + j, t]) for j, t in enumerate(o))
        assert got[k] == pytest.approx(want, abs=1e-4)
    assert got[0] != got[1]


def test_interrupted_lora_run_resumes_to_the_same_adapter(tmp_path):
    from language.lora import LoraTrainConfig, train, with_adapter

    ex = examples([pair(s) for s in range(4)], direct=2, rng=np.random.default_rng(0))    # 8 examples
    cfg = LoraTrainConfig(rank=4, alpha=8, accum=2, warmup=1, save_every=1, threads=1, top_layers=0)
    straight = train(tiny_model(), CharTokenizer(), ex, tmp_path / "straight", cfg)
    part = train(tiny_model(), CharTokenizer(), ex, tmp_path / "resumed", cfg, max_examples=4)
    assert part["examples_done"] == 4 and not part["finished"]
    done = train(tiny_model(), CharTokenizer(), ex, tmp_path / "resumed", cfg)
    assert done["examples_done"] == straight["examples_done"] == 8 and done["finished"]
    steps = [json.loads(line)["step"] for line in (tmp_path / "resumed" / "progress.jsonl").open()]
    assert steps == [1, 2, 3, 4]
    a = with_adapter(tiny_model(), folder=tmp_path / "straight" / "checkpoint")
    b = with_adapter(tiny_model(), folder=tmp_path / "resumed" / "checkpoint")
    sa, sb = a.state_dict(), b.state_dict()
    lora = [k for k in sa if "lora_" in k]
    assert lora and all(torch.allclose(sa[k], sb[k], atol=1e-6) for k in lora)
    assert any(float(sa[k].abs().sum()) > 0 for k in lora if "lora_B" in k)      # it trained
    # with the adapter, the tiny model's forced choice differs from the base model's
    text = prompt(pair(), DIRECT)
    assert not np.allclose(forced_choice(a, CharTokenizer(), text), forced_choice(tiny_model(), CharTokenizer(), text))
