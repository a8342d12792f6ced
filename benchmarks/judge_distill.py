"""Distil the grounded judge into SmolLM2-135M with LoRA (RM-R1's first stage) and read
the LM's OWN verdicts before and after (language.distill, language.lora).

    python benchmarks/judge_distill.py data    # pairs.json: 1,000 training + 200 held-out pairs
    python benchmarks/judge_distill.py train   # LoRA, background-friendly, resumable, <= --minutes
    python benchmarks/judge_distill.py eval --which base      # before (adapter off)
    python benchmarks/judge_distill.py eval --which adapter   # after
    python benchmarks/judge_distill.py report  # results.md + results.json

Training pairs: random pairs of possessions of TRAINING games (< 0021500500) under the
30 tuning instructions (language/data/instructions.json), rubric ties left out; a
reasoning trace for each and the direct answer in both orders for the first --direct.
Held-out pairs: possessions of HELD-OUT games (>= 0021500500), 100 under tuning
instructions and 100 under the 22 unseen ones. Everything goes to --out (default
~/.cache/hoopsim/issue13/distill): pairs.json, checkpoint/ (the adapter, safetensors),
progress.jsonl, eval-<which>.jsonl (one line per pair, resumable), results.{json,md}.
Run with nice -n 10; --threads caps torch's threads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from language.distill import DIRECT, REASON, Pair, cited_numbers, examples, forced_choice, make_pair, prompt, swap_stats  # noqa: E402
from language.rubric import Rubric  # noqa: E402

DEFAULT_CACHE = Path.home() / ".cache/hoopsim/possessions-c835a7d2755ddb63"
DEFAULT_OUT = Path.home() / ".cache/hoopsim/issue13/distill"


def build_pairs(cache: Path, n_train: int, n_test: int, seed: int = 0) -> dict:
    from engine.possessions import load_cache
    from engine.tactics import tactical_features
    from language.compile import compile_instruction

    ds, _ = load_cache(str(cache))
    rows = json.loads((ROOT / "language/data/instructions.json").read_text())["instructions"]
    texts = {s: [r["text"] for r in rows if r["split"] == s] for s in ("tune", "test")}
    rubrics = {t: compile_instruction(t) for s in texts for t in texts[s]}
    rng = np.random.default_rng(seed)
    out = {}
    for split, n, plan in (("train", n_train, [("tune", n_train)]),
                           ("test", n_test, [("tune", n_test // 2), ("test", n_test - n_test // 2)])):
        usable = (ds.meta["split"].to_numpy() == split) & (ds.arrays["frame_valid"].sum(axis=1) >= 2)
        idx = rng.choice(np.flatnonzero(usable), min(3 * n, usable.sum()), replace=False)
        f = tactical_features(ds.arrays["positions"][idx], ds.rate_hz, ds.arrays["frame_valid"][idx])
        feats = [{k: float(v[i]) for k, v in f.items()} for i in range(len(idx))]
        ids = [f"{ds.meta['game_id'].iat[i]}-{int(ds.meta['period'].iat[i])}-{int(ds.meta['poss_index'].iat[i]):04d}"
               for i in idx]
        rows_out = []
        for instr_split, m in plan:
            got = 0
            while got < m:
                i, j = rng.choice(len(idx), 2, replace=False)
                t = texts[instr_split][int(rng.integers(len(texts[instr_split])))]
                p = make_pair(t, rubrics[t], feats[i], feats[j], ids[i], ids[j], rng)
                if p is None:
                    continue
                rows_out.append({"instruction_split": instr_split, "instruction": t,
                                 "rubric": rubrics[t].as_dict(), "fa": p.fa, "fb": p.fb, "id_a": p.id_a,
                                 "id_b": p.id_b, "shown": list(p.shown), "winner": p.winner,
                                 "score_a": p.score_a, "score_b": p.score_b})
                got += 1
        out[split] = rows_out
    return out


def as_pair(d: dict) -> Pair:
    rub = Rubric.from_dict(d["rubric"], d["instruction"], d["rubric"].get("backend", "embedding"))
    return Pair(d["instruction"], rub, d["fa"], d["fb"], d["id_a"], d["id_b"], tuple(d["shown"]), d["winner"],
                d["score_a"], d["score_b"])


def load_lm(threads: int):
    import torch

    from language.lm import LMConfig, LocalLM

    torch.set_num_threads(threads)
    return LocalLM.load(LMConfig(threads=threads))


def cmd_data(a) -> None:
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    pairs = build_pairs(Path(a.cache), a.pairs, a.test_pairs)
    (out / "pairs.json").write_text(json.dumps(pairs))
    ex = examples([as_pair(d) for d in pairs["train"]], a.direct, np.random.default_rng(1))
    lm = load_lm(1)
    from language.lora import answer_tokens
    n = [len(answer_tokens(lm.tokenizer, p, t)[0]) - answer_tokens(lm.tokenizer, p, t)[1] for p, t in ex]
    share_a = np.mean([d["winner"] == "A" for d in pairs["train"]])
    print(f"{len(pairs['train'])} training pairs, {len(pairs['test'])} held-out pairs -> {out / 'pairs.json'}")
    print(f"{len(ex)} examples; answer tokens: max {max(n)}, mean {np.mean(n):.0f}; grounded A share {share_a:.3f}")
    print("example trace:\n" + prompt(as_pair(pairs["train"][0]), REASON) + "\n---\n"
          + [t for p, t in ex if t.startswith("Rubric")][0])


def cmd_train(a) -> None:
    from language.lora import LoraTrainConfig, train

    out = Path(a.out)
    pairs = json.loads((out / "pairs.json").read_text())
    train_pairs = [as_pair(d) for d in pairs["train"]]
    if a.stage2:           # a second stage: direct answers only, both orders, from the first adapter
        rng = np.random.default_rng(2)
        ex = [(prompt(q, DIRECT), f"[[{q.winner}]]") for k in rng.permutation(len(train_pairs))
              for q in (train_pairs[k], train_pairs[k].swapped())]
        where, init = out / a.stage2, out / "checkpoint"
    else:
        ex, where, init = examples(train_pairs, a.direct, np.random.default_rng(1)), out, None
    lm = load_lm(a.threads)
    meta = train(lm.model, lm.tokenizer, ex, where,
                 LoraTrainConfig(max_minutes=a.minutes, threads=a.threads), init_from=init)
    print(json.dumps({k: meta[k] for k in ("examples_done", "n_examples", "elapsed_s", "stop_reason")}))


def cmd_eval(a) -> None:
    import torch

    out = Path(a.out)
    test = [as_pair(d) for d in json.loads((out / "pairs.json").read_text())["test"]][: a.n]
    splits = [d["instruction_split"] for d in json.loads((out / "pairs.json").read_text())["test"]][: a.n]
    lm = load_lm(a.threads)
    model = lm.model
    if a.which != "base":
        from language.lora import with_adapter
        ckpt = out / "checkpoint" if a.which == "adapter" else out / a.which / "checkpoint"
        model = with_adapter(lm.model, folder=ckpt)
    model.eval()
    path = out / (f"eval-{a.which}.jsonl" if a.part == "all" else f"eval-{a.which}-{a.part}.jsonl")
    need = "generated" if a.part == "gen" else "lp_ab"
    done = {r["k"] for f in out.glob(f"eval-{a.which}*.jsonl") for r in map(json.loads, f.open())
            if need in r and (a.part != "all" or "generated" in r or r["k"] >= a.gen)}
    with path.open("a") as fh:
        for k, p in enumerate(test):
            if k in done or k < a.start or (a.part == "gen" and k >= a.gen):
                continue
            row = {"k": k, "instruction_split": splits[k], "winner": p.winner}
            if a.part != "gen":
                t0 = time.time()
                row["lp_ab"] = forced_choice(model, lm.tokenizer, prompt(p, DIRECT)).tolist()
                row["lp_ba"] = forced_choice(model, lm.tokenizer, prompt(p.swapped(), DIRECT)).tolist()
                row["choice_s"] = (time.time() - t0) / 2
            if k < a.gen and a.part != "choice":
                from language.distill import SYSTEM, encode_prompt
                ids = torch.tensor([encode_prompt(lm.tokenizer, prompt(p, REASON), SYSTEM)])
                t0 = time.time()
                with torch.no_grad():
                    g = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                       max_new_tokens=a.max_new, do_sample=False,
                                       pad_token_id=lm.tokenizer.eos_token_id)
                new = g[0, ids.shape[1]:]
                text = lm.tokenizer.decode(new, skip_special_tokens=True).strip()
                row.update({"generated": text, "gen_tokens": int(len(new)), "gen_s": time.time() - t0,
                            **cited_numbers(text, p)})
            fh.write(json.dumps(row) + "\n")
            fh.flush()
    print(f"{path}: {sum(1 for _ in path.open())} pairs")


def rubric_match(text: str, pair: Pair) -> bool:
    """The generated rubric line names the compiled rubric's items (feature and sign), no more."""
    import re

    line = next((ln for ln in text.splitlines() if ln.startswith("Rubric:")), "")
    got = set(re.findall(r"(more|less) ([a-z_]+)", line))
    return got == {("more" if it.sign > 0 else "less", it.feature) for it in pair.rubric.items}


def summarise(rows: list[dict], pairs: list[Pair] | None = None) -> dict:
    res = {}
    gen = [r for r in rows if "generated" in r]
    rows = [r for r in rows if "lp_ab" in r]
    for name, sel in (("all", rows), ("seen instructions", [r for r in rows if r["instruction_split"] == "tune"]),
                      ("unseen instructions", [r for r in rows if r["instruction_split"] == "test"])):
        if sel:
            res[name] = swap_stats(np.array([r["lp_ab"] for r in sel]), np.array([r["lp_ba"] for r in sel]),
                                   [r["winner"] for r in sel])
    if gen:
        sn, so = sum(r["strict_n"] for r in gen), sum(r["strict_ok"] for r in gen)
        ln, lo = sum(r["loose_n"] for r in gen), sum(r["loose_ok"] for r in gen)
        res["generated"] = {
            "n": len(gen), "cited_strict": [so, sn], "cited_loose": [lo, ln],
            "with_verdict": sum(r["verdict"] is not None for r in gen),
            "verdict_agrees": sum(r["verdict"] == r["winner"] for r in gen),
            "tokens_per_s": sum(r["gen_tokens"] for r in gen) / max(sum(r["gen_s"] for r in gen), 1e-9),
            "mean_tokens": float(np.mean([r["gen_tokens"] for r in gen]))}
        if pairs is not None:
            res["generated"]["rubric_right"] = sum(rubric_match(r["generated"], pairs[r["k"]]) for r in gen)
    rows = [r for r in rows if "lp_ab" in r]
    res["forced_choice_s"] = float(np.mean([r["choice_s"] for r in rows])) if rows else float("nan")
    return res


def cmd_report(a) -> None:
    out = Path(a.out)
    res = {}
    for which in ["base", "adapter"] + sorted(p.name for p in out.iterdir() if (p / "checkpoint").is_dir()):
        rows = {}
        for path in sorted(out.glob(f"eval-{which}*.jsonl")):     # eval-<which>[-choice|-gen].jsonl
            for line in path.open():
                r = json.loads(line)
                merged = rows.setdefault(r["k"], {})
                for key, v in r.items():
                    merged.setdefault(key, v)       # a pair evaluated twice (two runs) counts once
        if rows:
            test = [as_pair(d) for d in json.loads((out / "pairs.json").read_text())["test"]]
            res[which] = summarise([rows[k] for k in sorted(rows)], test)
    ck = out / "checkpoint" / "checkpoint.json"
    if ck.exists():
        meta = json.loads(ck.read_text())
        res["training"] = {k: meta[k] for k in ("examples_done", "n_examples", "elapsed_s", "stop_reason",
                                                "optimizer_steps", "config")}
    (out / "results.json").write_text(json.dumps(res, indent=1))
    lines = ["| model | pairs | agreement | swap consistency | share [[A]] | cited numbers (strict) | "
             "cited numbers (loose) | verdict in reasoning agrees | rubric right | tokens/s |", "|---" * 10 + "|"]
    for which, r in res.items():
        if which == "training":
            continue
        g = r.get("generated", {})
        for name in ("all", "seen instructions", "unseen instructions"):
            s = r.get(name)
            if not s:
                continue
            extra = ["", "", "", "", ""]
            if name == "all" and g:
                cs, cl = g["cited_strict"], g["cited_loose"]
                extra = [f"{cs[0]}/{cs[1]}", f"{cl[0]}/{cl[1]}", f"{g['verdict_agrees']}/{g['n']}",
                         f"{g.get('rubric_right', 0)}/{g['n']}", f"{g['tokens_per_s']:.1f}"]
            lines.append(f"| {which} | {name} ({s['n']}) | {s['agreement']:.3f} | {s['swap_consistency']:.3f} | "
                         f"{s['share_A']:.3f} | " + " | ".join(extra) + " |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if "training" in res:
        t = res["training"]
        print(f"training: {t['examples_done']}/{t['n_examples']} examples, {t['optimizer_steps']} steps, "
              f"{t['elapsed_s'] / 60:.1f} min ({t['stop_reason']})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=("data", "train", "eval", "report"))
    ap.add_argument("--cache", default=str(DEFAULT_CACHE))
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--direct", type=int, default=200)
    ap.add_argument("--test-pairs", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=55.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--which", default="adapter", help="base | adapter | <stage-2 folder name>")
    ap.add_argument("--stage2", default=None, help="train: a second stage of direct answers into this folder")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--start", type=int, default=0, help="eval: first pair (split a run over processes)")
    ap.add_argument("--gen", type=int, default=50)
    ap.add_argument("--max-new", type=int, default=110)
    ap.add_argument("--part", choices=("all", "choice", "gen"), default="all",
                    help="choice: forced choice only; gen: generated reasoning only (two processes in parallel)")
    a = ap.parse_args(argv)
    {"data": cmd_data, "train": cmd_train, "eval": cmd_eval, "report": cmd_report}[a.stage](a)


if __name__ == "__main__":
    main()
