"""The scheme-evaluation report: one self-contained HTML file (images embedded as
base64) with the points-per-possession table, the paired differences, a bar chart per
defense, a shot chart per method and an animated play per method."""

from __future__ import annotations

import base64
import html
import io
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from engine.atomic import write_text_atomic  # noqa: E402
from viz.diagram import shot_chart  # noqa: E402
from viz.export import save_gif  # noqa: E402
from viz.render import CourtRenderer  # noqa: E402


def _img(data: bytes, mime: str, alt: str) -> str:
    return (f'<img alt="{html.escape(alt)}" src="data:{mime};base64,'
            f'{base64.b64encode(data).decode()}">')


def bar_chart(cells: list[dict], defense: str) -> bytes:
    """PPP per method with 95% interval bars for one defense -> PNG bytes."""
    cs = [c for c in cells if c["defense"] == defense]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    y = [c["ppp"] for c in cs]
    err = np.array([[c["ppp"] - c["ci95"][0], c["ci95"][1] - c["ppp"]] for c in cs]).T
    ax.bar(range(len(cs)), y, yerr=err, capsize=4, color="#3b6ea5")
    ax.set_xticks(range(len(cs)), [c["method"] for c in cs], rotation=20, ha="right")
    ax.set_ylabel("points per possession")
    ax.set_title(f"vs {defense} (n = {cs[0]['n'] if cs else 0} per bar, 95% CI)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def shot_chart_png(xy: np.ndarray, made: np.ndarray, title: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = shot_chart(xy, made, Path(tmp) / "shots.png", title=title, width_px=420,
                          height_px=420)
        return path.read_bytes()


def play_gif(positions: np.ndarray, caption: str, fps: float = 4.0) -> bytes:
    """(T, 11, 3) feet canonical -> animated GIF bytes (about twice real time at 2 Hz)."""
    renderer = CourtRenderer(width_px=480)
    valid = np.ones(11, bool)
    frames = [renderer.render_frame(positions[t], valid, caption=f"{caption}  t={t}")
              for t in range(len(positions))]
    with tempfile.TemporaryDirectory() as tmp:
        return save_gif(frames, Path(tmp) / "play.gif", fps=fps).read_bytes()


def _table(rows: list[list], head: list[str]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _commentary(lines: list[str] | None) -> str:
    if not lines:
        return ""
    return "<pre class='commentary'>" + html.escape("\n".join(lines)) + "</pre>"


def write_report(path: str | Path, results: dict, shots: dict[str, tuple], plays: dict[str, np.ndarray],
                 commentary: dict[str, list[str]] | None = None) -> Path:
    """results: the results.json dict; shots: method -> (xy (n, 2), made (n,)) pooled
    over defenses; plays: method -> (T, 11, 3) one representative possession;
    commentary: method -> its lines (language.commentary), shown under the play."""
    cells, f3 = results["cells"], (lambda v: f"{v:.3f}")
    parts = ["<h1>hoopsim scheme evaluation</h1>",
             f"<p>{html.escape(results['meta']['outcome_model_version'])}; seed "
             f"{results['meta']['seed']}; git {results['meta']['git_rev']}</p>",
             "<h2>Points per possession</h2>",
             _table([[c["method"], c["defense"], c["n"], f3(c["ppp"]),
                      f"[{f3(c['ci95'][0])}, {f3(c['ci95'][1])}]",
                      "" if c.get("value_model_score") is None else f3(c["value_model_score"])]
                     for c in cells],
                    ["method", "defense", "n", "PPP", "95% CI", "value model (own score)"]),
             "<h2>Paired differences (a - b, same starts and random numbers)</h2>",
             _table([[p["a"], p["b"], p["defense"], f3(p["diff"]),
                      f"[{f3(p['ci95'][0])}, {f3(p['ci95'][1])}]"] for p in results["paired"]],
                    ["a", "b", "defense", "diff", "95% CI"])]
    parts.append("<h2>By defense</h2>")
    for d in sorted({c["defense"] for c in cells}):
        parts.append(_img(bar_chart(cells, d), "image/png", f"PPP vs {d}"))
    parts.append("<h2>Shot charts</h2>")
    parts += [_img(shot_chart_png(xy, made, m), "image/png", f"shots {m}")
              for m, (xy, made) in shots.items()]
    parts.append("<h2>A possession per method</h2>")
    parts += [f"<figure>{_img(play_gif(p, m), 'image/gif', f'play {m}')}<figcaption>"
              f"{html.escape(m)}{_commentary((commentary or {}).get(m))}</figcaption></figure>"
              for m, p in plays.items()]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:"
             "collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
             "img{margin:4px}figure{display:inline-block;vertical-align:top}"
             "pre.commentary{font-size:11px;text-align:left;max-width:480px;white-space:pre-wrap}")
    doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>hoopsim evaluation</title>"
           f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")
    return write_text_atomic(Path(path), doc)
