"""hoopsim demo: the README's first command.

Synthesises the default corpus once (cached outside the repository, keyed by its
config), ingests it through the real-format readers, and prints the
points-per-possession table per team with n and a 95% interval. With ``data=real``
the same runs on the real logs named in conf/data/real.yaml.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from engine.api import default_cache_dir
from engine.dataset import load_cache
from engine.events import detect_events
from engine.ingest import IngestConfig
from engine.report import ppp_table
from envs.synthetic import CORPUS_VERSION
from envs.synthetic_corpus import write_corpus
from hoopsim.cli import run_dir
from hoopsim.tasks.ingest import run_ingest
from hoopsim.tasks.synthesize import synthetic_config
from viz.diagram import play_diagram
from viz.export import save_gif
from viz.render import CourtRenderer


def corpus_dir(cfg) -> Path:
    """The cached synthetic corpus for this config (written on first use)."""
    scfg = synthetic_config(cfg)
    keyed = {**scfg.__dict__, "corpus_version": CORPUS_VERSION}
    key = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:12]
    root = Path(cfg.cache_dir).expanduser() if cfg.cache_dir else default_cache_dir()
    path = root / f"corpus-{key}"
    if not (path / "done").exists():
        write_corpus(path, scfg)
        (path / "done").write_text("ok\n")
    return path


def example_index(ds) -> int:
    """A representative possession: fully tracked, ends in a tracked shot, about three
    passes and few drives (a readable diagram)."""
    meta = ds.meta
    tracked = meta["shots"].map(lambda v: any(s["frame"] >= 0 for s in
                                              (json.loads(v) if isinstance(v, str) else v)))
    pool = meta[tracked & (meta["coverage"] > 0.9)]
    score = (pool["passes"] - 3).abs() * 10 + pool["drives"]
    return int(score.sort_values(kind="stable").index[0]) if len(pool) else 0


def draw_example(ds, out: Path) -> tuple[Path, Path]:
    """Write play.gif and play.png of one representative possession into ``out``."""
    poss = ds.possession(example_index(ds))
    every = max(1, int(round(ds.rate_hz / 5)))            # at most ~5 frames per second of play
    frames = CourtRenderer(width_px=640).render_possession(poss, every=every)
    fps = max(1, int(round(2 * ds.rate_hz / every)))       # twice real time
    gif = save_gif(frames, out / "play.gif", fps=fps)
    png = play_diagram(poss, detect_events(poss), out / "play.png")
    return gif, png


def main(cfg) -> int:
    out = run_dir("demo", cfg)
    if cfg.data.tracking is None:
        src = corpus_dir(cfg)
        tracking, pbp = str(src / "tracking"), str(src / "pbp")
    else:
        tracking, pbp = str(cfg.data.tracking), str(cfg.data.pbp)
    icfg = IngestConfig(rate_hz=cfg.rate_hz, workers=int(cfg.workers))
    summary = run_ingest(tracking, pbp, out, icfg)
    ds, _ = load_cache(out / "possessions")
    table = ppp_table(ds.meta)
    (out / "ppp.md").write_text(table + "\n")
    print(table)
    t = summary["totals"]
    gif, png = draw_example(ds, out)
    print(f"\n{t['games']} games, {t['possessions']} possessions; datasheet: {out / 'datasheet.md'}")
    print(f"a possession: {gif} (animation), {png} (play diagram)")
    print(f"run folder: {out}")
    return 0
