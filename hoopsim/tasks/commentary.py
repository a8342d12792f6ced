"""hoopsim commentary: play-by-play lines of one play on stdout (one per line) and in
<out>/commentary.txt: events read from tracking (pass, drive, screen, shot, make / miss,
rebound, turnover), names and shots / rebounds / turnovers / fouls from the game's log
when ``pbp=`` is given (``tracking_only=true`` keeps only the names from it); template
text, rephrased by the language model with ``rephrase=true``."""

from __future__ import annotations

from hoopsim.configs import to_config
from hoopsim.plays import language_model, load_play, names_and_rows
from hoopsim.runs import run_dir
from hoopsim.task_configs_learning import CommentaryTask
from language.commentary import commentary_lines, rephrase

CONFIG = CommentaryTask


def main(cfg) -> int:
    cfg = to_config(CommentaryTask, cfg)
    poss, rate, label = load_play(cfg.play)
    names, rows = names_and_rows(poss, cfg.pbp)
    lines = commentary_lines(poss, rate, names, None if cfg.tracking_only else rows)
    if cfg.rephrase:
        lm = language_model(cfg)
        if lm is not None:
            lines = rephrase(lm, lines)
    out = run_dir("commentary", cfg)
    (out / "commentary.txt").write_text("\n".join(lines) + "\n")
    for line in lines:
        print(line)
    return 0
