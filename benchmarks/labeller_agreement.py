"""Check the decision-point labeller across frame rates on the real 25 Hz fixtures.

Label at 25 Hz, downsample to ~1.92 Hz (every 13th frame, as the 2 Hz extracts were
made), label again, and compare each coarse decision point with the summary of the
fine labels in its 13-frame window (engine.possessions.labels.downsample_agreement).

Fixtures: the Toronto starters + ball of game 0021500492 (43 plays, the other team
untracked: the five starters are treated as the offense of every play and the hoop
the ball spends the play nearest to as the attacked one), and the wide-CSV fragment
of game 0021500001 through the full ingest path.

    python benchmarks/labeller_agreement.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from engine.court import to_canonical
from engine.logs.io import load_tracking
from engine.logs.pbp import read_pbp
from engine.possessions.from_pbp import segment_possessions
from engine.possessions.labels import downsample_agreement
from engine.possessions.segment import build_possessions

STEP = 13


def _merge(total: dict, part: dict) -> None:
    total["n"] += part["n"]
    total["agree"] += part["agree"]
    for k, (n, a) in part["by_label"].items():
        slot = total["by_label"].setdefault(k, [0, 0])
        slot[0] += n
        slot[1] += a


def tufts_agreement(data: Path) -> dict:
    d = data / "tracking_25hz"
    players = np.load(d / "0021500492_TOR_vs_CHA_stacked_starter_plays.npy")
    ball = np.load(d / "0021500492_TOR_vs_CHA_covariates_raw.npy")
    ends = np.load(d / "0021500492_TOR_vs_CHA_end_times.npy")
    total = {"n": 0, "agree": 0, "by_label": {}}
    for a, b in zip(ends[:-1], ends[1:]):
        s = slice(a + 1, min(b + 1, len(ball)))
        t_len = s.stop - s.start
        pos = np.zeros((t_len, 11, 3))
        pos[:, 0], pos[:, 1:6, :2] = ball[s], players[s]
        pos = to_canonical(pos, np.median(ball[s, 0]) > 47.0)
        valid = np.zeros((t_len, 11), bool)
        valid[:, :6] = True
        _merge(total, downsample_agreement(pos, valid, np.arange(t_len) / 25.0, STEP))
    return total


def fragment_agreement(data: Path) -> dict:
    game = load_tracking(data / "tracking_25hz" / "0021500001_1_5.csv")
    pbp = read_pbp(data / "pbp" / "0021500001.csv.gz")
    built = build_possessions(game.tracking, segment_possessions(pbp, [1]), pbp.events)
    total = {"n": 0, "agree": 0, "by_label": {}}
    for p in built:
        if p.n_frames > STEP:
            _merge(total, downsample_agreement(p.positions, p.valid, p.time_s, STEP))
    return total


def table(results: dict) -> str:
    lines = ["| fixture | decision points | agreement | hold | pass | drive | shot |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        cells = []
        for k in ("hold", "pass", "drive", "shot"):
            n, a = r["by_label"].get(k, [0, 0])
            cells.append(f"{a}/{n}" if n else "-")
        share = r["agree"] / r["n"] if r["n"] else float("nan")
        lines.append(f"| {name} | {r['n']} | {share:.1%} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    data = Path(args.data)
    results = {"0021500492 TOR starters (43 plays)": tufts_agreement(data),
               "0021500001 wide fragment": fragment_agreement(data)}
    print(table(results))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
