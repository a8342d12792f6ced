"""Commentary: template lines from tracking, names and clock from the log, the CLI, the
LM rephrasing guard, and the tracking-only reading against a held-out game's log."""

from __future__ import annotations

import numpy as np

from hoopsim.cli import main
from language.commentary import commentary_lines, lines_from_positions, match_report, rephrase
from tests.engine.tactics.test_tactics import corner_three_play


def test_template_lines_of_a_hand_built_play():
    lines = lines_from_positions(corner_three_play(), 2.0)
    assert lines[0] == "  1.0s  O1 passes to O2"
    assert "O2 takes a corner three from 24 ft" in lines[1]


class _Parrot:
    def __init__(self, answer):
        self.answer = answer

    def generate(self, prompt, max_new_tokens=40, system=None):
        return self.answer


def test_rephrasing_must_keep_names_and_numbers():
    line = "Q1 11:34  Kevin Love grabs the defensive rebound"
    assert rephrase(_Parrot("Kevin Love rises up and grabs the defensive rebound!"), [line])[0] == \
        "Q1 11:34  Kevin Love rises up and grabs the defensive rebound!"
    assert rephrase(_Parrot("Love grabs it."), [line]) == [line]          # first name dropped
    line2 = "Q1 10:02  Jimmy Butler takes a mid-range jumper from 19 ft and misses"
    assert rephrase(_Parrot("Jimmy Butler misses a jumper."), [line2]) == [line2]   # 19 dropped


def test_names_and_clock_from_the_log(held_out_cache, shared_data):
    from hoopsim.plays import names_and_rows

    _, ds = held_out_cache
    poss = ds.possession(0)
    names, rows = names_and_rows(poss, str(shared_data / "pbp"))
    lines = commentary_lines(poss, ds.rate_hz, names, rows)
    assert lines and all(line.startswith("Q1 ") for line in lines)
    ids = [int(i) for i in poss.player_ids[1:] if i > 0]
    assert any(names[i] in " ".join(lines) for i in ids if i in names)
    shots_logged = sum(int(r in (1, 2)) for r in rows["msg_type"])
    assert sum("takes a" in line for line in lines) == shots_logged


def test_tracking_only_matches_the_held_out_log(held_out_cache):
    """On all possessions of held-out game 0021500501 (2,719 held-out possessions in
    benchmarks/commentary_match.py: shots 0.75 recall / 0.85 precision, make-miss 0.81,
    rebounds 0.67, turnovers 0.48 / 0.45)."""
    _, ds = held_out_cache
    rep = match_report(ds, np.arange(len(ds)))
    r = rep["rates"]
    assert rep["fga"] >= 20
    assert r["shot_recall"] >= 0.6 and r["shot_precision"] >= 0.7
    assert r["make_miss"] >= 0.65 and r["rebound"] >= 0.45


def test_cli_prints_lines_and_rejects_a_bad_play(held_out_cache, tmp_path, capsys):
    folder, _ = held_out_cache
    assert main(["commentary", f"play={folder}:1", "lm=none", f"out={tmp_path / 'c'}"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out and out == (tmp_path / "c" / "commentary.txt").read_text().strip().splitlines()
    assert main(["commentary", f"play={folder}", "lm=none", f"out={tmp_path / 'd'}"]) == 2
    assert main(["commentary", f"play={folder}:99999", "lm=none", f"out={tmp_path / 'e'}"]) == 2
    assert "out of range" in capsys.readouterr().err
