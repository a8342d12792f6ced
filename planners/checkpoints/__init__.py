"""Planners shipped inside the package, loaded by name.

    planner_checkpoint=playbest-2hz      the real-data planner (NBA 2 Hz, issue 10)

Each is a folder beside this file holding what ``planners.planner.load_planner`` needs
(``diffusion/`` and ``value/`` checkpoints with one weight file each, ``planning.json``)
and ``card.json`` / ``CARD.md``: data and its terms, split, gates, preferred method,
training command and time. :func:`resolve` turns a name or a folder into a path.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def shipped() -> list[str]:
    """Names of the planners shipped in this package."""
    return sorted(p.name for p in HERE.iterdir() if (p / "diffusion" / "checkpoint.json").is_file())


def resolve(name_or_folder: str | Path) -> Path:
    """A shipped planner's folder for its name, else the path itself (user folder)."""
    text = str(name_or_folder)
    if "/" not in text and (HERE / text / "diffusion" / "checkpoint.json").is_file():
        return HERE / text
    return Path(text).expanduser()
