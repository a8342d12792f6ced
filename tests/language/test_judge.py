"""The RM-R1-style judge: controlled pairs go the instructed way, the verdict does not
depend on the order of the plays, ties are broken by the plays, and the CLI prints the
grounded verdict last and writes judge.json (instruction with commas and apostrophes,
or from a file)."""

from __future__ import annotations

import json

import numpy as np

from hoopsim.cli import main
from language.compile import compile_instruction
from language.judge import Play, judge
from language.pairs import controlled_pairs


def test_controlled_pairs_go_the_instructed_way(held_out_cache):
    """Real held-out possessions with their first shot moved (to the corner, to the rim,
    to mid-range; benchmarks: 198 / 200 = 99% on 200 held-out pairs)."""
    _, ds = held_out_cache
    fv = ds.arrays["frame_valid"]
    pos = [ds.arrays["positions"][i][fv[i]] for i in range(len(ds))]
    ids = [f"{ds.meta['game_id'][i]}-{i:04d}" for i in range(len(ds))]
    pairs = controlled_pairs(pos, ds.rate_hz, ids, n=60, seed=1)
    assert len(pairs) >= 20 and len({p["edit"] for p in pairs}) == 3
    rubrics, right = {}, 0
    for p in pairs:
        rub = rubrics.setdefault(p["instruction"], compile_instruction(p["instruction"]))
        e = Play("edited", p["edited"], ds.rate_hz, p["id"] + "e").read()
        o = Play("original", p["original"], ds.rate_hz, p["id"]).read()
        a, b = (e, o) if p["edited_is_a"] else (o, e)
        right += int((judge(rub, a, b).winner == "A") == p["edited_is_a"])
    assert right >= 0.95 * len(pairs)


def test_order_and_ties():
    from tests.engine.tactics.test_tactics import corner_three_play

    rub = compile_instruction("no mid-range, shoot corner threes")
    play = corner_three_play()
    corner = Play("x", play, 2.0, "g-0002").read()
    nothing = Play("y", play[:4], 2.0, "g-0001").read()          # cut before the shot
    assert judge(rub, corner, nothing).winner == "A" and judge(rub, nothing, corner).winner == "B"
    # same play twice: a tie on everything is broken by the possession id, not by position
    twin = Play("z", play, 2.0, "g-0001").read()
    assert judge(rub, corner, twin).winner == "B" and judge(rub, twin, corner).winner == "A"
    assert judge(rub, corner, twin).tie_break == "possession id"


def test_cli_last_line_is_the_verdict(held_out_cache, tmp_path, capsys):
    folder, ds = held_out_cache
    from engine.tactics import read_trajectory

    fv = ds.arrays["frame_valid"]
    zone = {i: [s["zone"] for s in read_trajectory(ds.arrays["positions"][i][fv[i]], ds.rate_hz).shots]
            for i in range(len(ds))}
    rim = next(i for i, z in zone.items() if z[:1] == ["rim"])
    mid = next(i for i, z in zone.items() if z[:1] == ["mid_range"])
    args = ["judge", "instruction='attack the rim, don't settle for mid-range jumpers'",
            f"a={folder}:{mid}", f"b={folder}:{rim}", "lm=none", f"out={tmp_path / 'j'}"]
    assert main(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "[[B]]" and out[0].endswith("don't settle for mid-range jumpers")
    assert any(line.startswith("Task type:") for line in out) and "<rubric>" in out
    doc = json.loads((tmp_path / "j" / "judge.json").read_text())
    assert doc["verdict"] == "[[B]]" and doc["rubric"]["items"]
    f = tmp_path / "coach.txt"
    f.write_text("attack the rim, don't settle for mid-range jumpers")
    assert main(["judge", f"instruction_file={f}", f"a={folder}:{rim}", f"b={folder}:{mid}", "lm=none",
                 f"out={tmp_path / 'k'}"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "[[A]]"
    assert main(["judge", "instruction=x", f"a={folder}", f"b={folder}:1", "lm=none",
                 f"out={tmp_path / 'l'}"]) == 2
    assert not (tmp_path / "l").exists()
    assert np.isfinite(doc["score_a"])


def test_simulate_writes_a_play_cache(tmp_path, capsys):
    assert main(["simulate", "starts=scenario", "possessions=3", f"out={tmp_path / 's'}"]) == 0
    assert main(["commentary", f"play={tmp_path / 's' / 'possessions'}:2", "lm=none",
                 f"out={tmp_path / 'c'}"]) == 0
    assert "possessions:<0..2>" in capsys.readouterr().out


def test_a_play_without_frames_is_judged_without_crashing():
    from tests.engine.tactics.test_tactics import corner_three_play

    rub = compile_instruction("no mid-range, shoot corner threes")
    empty = Play("e", np.zeros((0, 11, 3)), 2.0, "g-0003").read()
    full = Play("f", corner_three_play(), 2.0, "g-0004").read()
    v = judge(rub, empty, full)
    assert v.winner == "B" and "n/a" in v.text
