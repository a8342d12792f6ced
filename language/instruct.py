"""The one door from an instruction to a rubric: the default embedding + grammar
compiler, or a generative backend (language.lm) whose JSON answer is parsed and
validated against the feature library; malformed output falls back to the default
with a warning (never a crash). Also reads instructions from ``instruction=`` or
``instruction_file=``."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from engine.errors import HoopsimConfigError, HoopsimDataError
from engine.tactics import FEATURES
from language.compile import CompileConfig, compile_instruction
from language.rubric import Rubric, RubricError

log = logging.getLogger(__name__)

RUBRIC_PROMPT = """You turn a basketball coach's instruction into a rubric.
Features (name: meaning): {features}
Instruction: "{instruction}"
Answer ONLY with JSON: {{"items": [{{"feature": <name>, "sign": 1 or -1, "weight": <0..1>, "justification": <short>}}]}}
sign 1 means the coach wants MORE of the feature, -1 LESS."""


def read_instruction(instruction: str | None, instruction_file: str | None) -> str:
    """The instruction text from exactly one of the two options."""
    if bool(instruction) == bool(instruction_file):
        raise HoopsimConfigError("instruction", instruction or instruction_file or "",
                                 "give exactly one of instruction='...' or instruction_file=<path>")
    if instruction_file:
        path = Path(instruction_file).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"{path}: instruction_file not found")
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        if not text:
            raise HoopsimDataError(str(path), "line 1", "the instruction file is empty")
        return text
    return str(instruction).strip()


def parse_lm_rubric(text: str, instruction: str) -> Rubric:
    """An LM's answer -> a validated Rubric; RubricError when it is not usable."""
    m = re.search(r"[\[{].*[\]}]", text, re.S)
    if not m:
        raise RubricError("no JSON in the answer")
    try:
        data = json.loads(m.group(0))
    except ValueError as exc:
        raise RubricError(f"malformed JSON ({exc.msg})") from exc
    return Rubric.from_dict(data, instruction, backend="lm")


def lm_rubric(lm, instruction: str, max_new_tokens: int = 160) -> tuple[Rubric | None, str]:
    """(validated Rubric or None, raw answer) from a generative backend."""
    feats = "; ".join(f"{f.name}: {f.phrases[0]}" for f in FEATURES)
    answer = lm.generate(RUBRIC_PROMPT.format(features=feats, instruction=instruction), max_new_tokens)
    try:
        return parse_lm_rubric(answer, instruction), answer
    except RubricError as exc:
        log.debug("LM rubric rejected: %s", exc)
        return None, answer


def make_rubric(instruction: str, lm=None, use_lm_rubric: bool = False,
                cfg: CompileConfig | None = None) -> Rubric:
    """The rubric of ``instruction``: from the LM when asked and its answer validates,
    else (with a warning) from the embedding + grammar compiler."""
    if lm is not None and use_lm_rubric:
        rubric, answer = lm_rubric(lm, instruction)
        if rubric is not None:
            return rubric
        log.warning("the language model's rubric was not usable (%r...); using the embedding compiler",
                    answer[:60])
    return compile_instruction(instruction, cfg)
