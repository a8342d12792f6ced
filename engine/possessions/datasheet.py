"""The ingest datasheet: a Markdown page saying what went in, what came out, what was dropped."""

from __future__ import annotations

from pathlib import Path

from engine.atomic import write_text_atomic


def datasheet_text(summary: dict, ds) -> str:
    totals = summary["totals"]
    cfg = summary["config"]
    lines = ["# Possession dataset datasheet", "",
             f"- games: {totals['games']}; possessions: {totals['possessions']}; points: {totals['points']}",
             f"- frame rate: {ds.rate_hz:.3f} Hz "
             f"({'native' if cfg.get('rate_hz') is None else 'resampled, interpolated frames marked'})",
             f"- periods: {cfg.get('periods')}; train/test split: game id < {cfg.get('split_cutoff')}"
             f" is train ({totals.get('split_counts', {})})",
             f"- native tracking moments: {totals['frames_native']}", ""]
    if "tracked_share" in totals:
        ts = totals["tracked_share"]
        lines += ["## Tracked share of each possession's clock span", "",
                  "| p10 | p25 | median | p75 | p90 | mean |", "|---|---|---|---|---|---|",
                  "| " + " | ".join(f"{ts[k]:.2f}" for k in ("p10", "p25", "median", "p75", "p90", "mean"))
                  + " |", "",
                  f"Play-by-play offense matches the tracked side in "
                  f"{100 * (totals.get('offense_side_match') or 0):.1f}% of tracked possessions.", ""]
    eic = [g["event_id_consistency"] for g in summary["games"] if g.get("event_id_consistency") is not None]
    lines += [f"Points from event types vs SCORE at the end of each ingested period: "
              f"{totals.get('score_mismatches', 0)} mismatches.", ""]
    if eic:
        lines += [f"SportVU event ids of attached moments that belong to the possession's (or the "
                  f"previous possession's) play-by-play events: {100 * sum(eic) / len(eic):.1f}% "
                  f"(a consistency check only; alignment is by period and clock).", ""]
    lines += ["## Outcomes", "", "| outcome | possessions |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in totals["outcomes"].items()]
    lines += ["", "## What the data rules dropped or changed (counts)", "",
              "| rule | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in totals.get("dropped", {}).items()]
    low = totals.get("low_coverage", [])
    lines += ["", f"## Periods with tracking on less than half of their clock ({len(low)})", ""]
    lines += [f"- game {c['game_id']} period {c['period']}: {100 * c['covered_share']:.0f}% "
              "of the play-by-play clock tracked" for c in low]
    lines += ["", f"## Skipped inputs ({len(summary['skipped'])})", ""]
    lines += [f"- `{s['file']}` ({s['record']}): {s['reason']}" for s in summary["skipped"][:200]]
    return "\n".join(lines) + "\n"


def write_datasheet(path: str | Path, summary: dict, ds) -> Path:
    return write_text_atomic(path, datasheet_text(summary, ds))
