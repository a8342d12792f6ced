"""The rubric table: item precision / recall and sign accuracy of instruction -> rubric
on the tuning and the held-out instructions (language/data/instructions.json), for the
embedding + grammar compiler and, with --lm, the parse rate and the same scores of the
local language model's JSON answers (SmolLM2 when installed).

Usage: python benchmarks/language_rubrics.py [--lm] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from language.compile import compile_instruction, item_scores
from language.instruct import lm_rubric
from language.lm import LMConfig, make_lm

DATA = Path(__file__).resolve().parents[1] / "language" / "data" / "instructions.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lm", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--lm-n", type=int, default=52, help="LM on the last n instructions (the held-out ones first)")
    args = ap.parse_args()
    rows = json.loads(DATA.read_text())["instructions"]
    result = {}
    print(f"{'backend':12s} {'split':6s} {'n':>3s} {'precision':>9s} {'recall':>7s} {'sign acc':>8s} {'parsed':>7s}")
    for split in ("tune", "test"):
        part = [r for r in rows if r["split"] == split]
        sc = item_scores([compile_instruction(r["text"]) for r in part], [r["items"] for r in part])
        result[f"embedding/{split}"] = sc
        print(f"{'embedding':12s} {split:6s} {len(part):3d} {sc['precision']:9.3f} {sc['recall']:7.3f} "
              f"{sc['sign_accuracy']:8.3f} {'-':>7s}")
    if args.lm:
        lm = make_lm(LMConfig())
        if lm is None:
            print("language model not installed: no LM row")
        else:
            t0, parsed = time.time(), []
            for r in rows[-args.lm_n:]:
                parsed.append(lm_rubric(lm, r["text"]))
                print(f"  LM {len(parsed)}: {'valid' if parsed[-1][0] is not None else 'REJECTED'}: "
                      f"{parsed[-1][1][:120]!r}", flush=True)
            rows = rows[-args.lm_n:]
            ok = [(r, p) for r, (p, _) in zip(rows, parsed) if p is not None]
            sc = item_scores([p for _, p in ok], [r["items"] for r, _ in ok]) if ok else {}
            result["lm"] = {"parse_rate": len(ok) / len(rows), "scores_on_parsed": sc,
                            "seconds": time.time() - t0, "answers": [a for _, a in parsed]}
            print(f"{lm.name[:12]:12s} {'all':6s} {len(rows):3d} {sc.get('precision', 0):9.3f} "
                  f"{sc.get('recall', 0):7.3f} {sc.get('sign_accuracy', 0):8.3f} {len(ok) / len(rows):7.2f}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
