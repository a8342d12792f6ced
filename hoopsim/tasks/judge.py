"""hoopsim judge: which of two plays follows a coach's instruction better, RM-R1 style
(language.judge): task type, the weighted rubric with its justification, an evaluation
citing each play's facts, the language model's own forced-choice verdict when one is
installed ('LM: A'), and as the LAST line of stdout the grounded verdict [[A]] or [[B]];
<out>/judge.json holds the same."""

from __future__ import annotations

import json

from engine.atomic import write_text_atomic
from hoopsim.configs import to_config
from hoopsim.plays import language_model, load_play
from hoopsim.runs import run_dir
from hoopsim.task_configs_learning import JudgeTask
from language.commentary import clock_text
from language.instruct import make_rubric, read_instruction
from language.judge import Play, judge, report_lines

CONFIG = JudgeTask


def as_play(spec: str) -> Play:
    poss, rate, label = load_play(spec)
    meta = poss.meta
    pid = f"{meta.get('game_id', '')}-{int(meta.get('period', 0))}-{int(meta.get('poss_index', 0)):04d}"
    clock = [clock_text(int(meta.get("period", 1)), c) for c in poss.game_clock]
    return Play(label, poss.positions, rate, pid, clock).read()


def main(cfg) -> int:
    cfg = to_config(JudgeTask, cfg)
    text = read_instruction(cfg.instruction, cfg.instruction_file)
    a, b = as_play(cfg.a), as_play(cfg.b)
    lm = language_model(cfg) if cfg.lm != "none" else None
    rubric = make_rubric(text, lm, cfg.lm_rubric)
    verdict = judge(rubric, a, b, lm if cfg.lm_verdict else None)
    out = run_dir("judge", cfg)
    doc = {"instruction": text, "a": cfg.a, "b": cfg.b, "rubric": rubric.as_dict(), **verdict.as_dict(),
           "features": {"A": a.features, "B": b.features},
           "expected_points": {"A": a.expected_points, "B": b.expected_points},
           "language_model": getattr(lm, "name", None)}
    write_text_atomic(out / "judge.json", json.dumps(doc, indent=1, default=float) + "\n")
    for line in report_lines(rubric, verdict, a, b):
        print(line)
    return 0
