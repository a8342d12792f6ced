"""The one-way layer rule of DESIGN.md, the order inside ``engine/`` and the absence of
import cycles, enforced by walking every import (ast; imports inside functions count)."""

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
# Order inside engine/: a module may import engine modules of its own rank or below.
# Flat base modules and runtime are 0; base < logs < possessions < outcomes; the
# simulator sits above them (its trace builds possessions); policy is the seam above sim.
ENGINE_RANK = {"runtime": 0, "logs": 1, "possessions": 2, "outcomes": 3, "sim": 4, "policy": 5}
MAX_FLAT_ENGINE_MODULES = 15


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every absolute import in ``path``, at any depth."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [a.name for a in node.names]))
    return found


def imported_packages(path: Path) -> set[str]:
    return {mod.split(".")[0] for mod, _ in _imports(path)} & OURS


def violations() -> list[str]:
    bad = []
    for pkg, allowed in ALLOWED.items():
        for path in sorted((REPO / pkg).rglob("*.py")):
            for dep in imported_packages(path) - allowed - {pkg}:
                bad.append(f"{path.relative_to(REPO)} imports {dep}")
    return bad


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph(root: Path = REPO, packages=OURS) -> dict[str, set[str]]:
    """module -> modules of ours it imports. ``from pkg import name`` points at
    ``pkg.name`` when that is a module, else at ``pkg``. The implicit import of a parent
    package's ``__init__`` is not an edge (every front door would be a cycle)."""
    paths = {module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in paths.items():
        deps = set()
        for target, names in _imports(path):
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in paths]
            deps |= set(subs) if subs else ({target} if target in paths else set())
        graph[mod] = deps - {mod}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def engine_rank(mod: str) -> int:
    """Rank of an engine module (ENGINE_RANK; flat base modules are 0)."""
    part = mod.split(".")[1] if mod.count(".") else ""
    return ENGINE_RANK.get(part, 0)


def engine_order_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for mod, deps in sorted(graph.items()):
        if not mod.startswith("engine."):
            continue
        for dep in sorted(deps):
            if dep.startswith("engine.") and engine_rank(dep) > engine_rank(mod):
                bad.append(f"{mod} (rank {engine_rank(mod)}) imports {dep} (rank {engine_rank(dep)})")
    return bad


def test_layer_rule_holds():
    assert violations() == []


def test_no_import_cycles_lazy_imports_included():
    assert cycles(module_graph()) == []


def test_engine_inner_order_holds():
    assert engine_order_violations(module_graph()) == []


def test_engine_stays_in_subpackages():
    flat = sorted(p.name for p in (REPO / "engine").glob("*.py") if p.name != "__init__.py")
    assert len(flat) <= MAX_FLAT_ENGINE_MODULES, flat


def test_checker_catches_a_wrong_arrow(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("from viz import renderer\nimport envs.core\n")
    assert imported_packages(bad) == {"viz", "envs"}


def test_checker_catches_a_lazy_cycle_and_an_upward_engine_import(tmp_path):
    pkg = tmp_path / "engine"
    (pkg / "sim").mkdir(parents=True)
    (pkg / "logs").mkdir()
    for f in ("__init__.py", "sim/__init__.py", "logs/__init__.py"):
        (pkg / f).write_text("")
    (pkg / "court.py").write_text("def f():\n    from engine.sim import step\n")
    (pkg / "sim" / "step.py").write_text("from engine import court\n")
    (pkg / "logs" / "io.py").write_text("import engine.sim.step\n")
    graph = module_graph(tmp_path, {"engine"})
    assert cycles(graph) == [["engine.court", "engine.sim.step"]]
    bad = engine_order_violations(graph)
    assert "engine.logs.io (rank 1) imports engine.sim.step (rank 4)" in bad
    assert "engine.court (rank 0) imports engine.sim.step (rank 4)" in bad
