"""The one-way layer rule of DESIGN.md, enforced by walking every import (ast)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OURS = {"engine", "envs", "planners", "offline_rl", "language", "viz", "hoopsim"}
ALLOWED = {
    "engine": set(),
    "envs": {"engine"},
    "planners": {"engine"},
    "offline_rl": {"engine"},
    "language": {"engine"},
    "viz": {"engine", "envs", "planners", "offline_rl", "language"},
    "hoopsim": OURS - {"hoopsim"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


def violations() -> list[str]:
    bad = []
    for pkg, allowed in ALLOWED.items():
        for path in sorted((REPO / pkg).rglob("*.py")):
            for dep in imported_packages(path) - allowed - {pkg}:
                bad.append(f"{path.relative_to(REPO)} imports {dep}")
    return bad


def test_layer_rule_holds():
    assert violations() == []


def test_checker_catches_a_wrong_arrow(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("from viz import renderer\nimport envs.core\n")
    assert imported_packages(bad) == {"viz", "envs"}
