"""Mutation score of the rule-bearing modules (mutmut), on demand, never in CI.

Each target names the modules to mutate and the tests that guard them; mutmut changes
one operator / constant / condition at a time and runs only the tests that call the
mutated function. A mutant the tests do not notice ("survived") is a place where a wrong
program still passes; the score is killed / (killed + survived + suspicious), timeouts
counted as killed (mutmut's own rule).

    pip install -e '.[mutation]'
    nice -n 10 python benchmarks/mutation.py                       # every target
    nice -n 10 python benchmarks/mutation.py --target rewards --target stats
    python benchmarks/mutation.py --report                          # table of the runs so far

Work happens in a copy of the repository under ``--out`` (default
~/.cache/hoopsim/mutation/<target>/); rerunning resumes (mutmut keeps the verdicts of
unchanged functions). ``--repo`` mutates another checkout (e.g. an older commit to
compare scores). Results: ``<out>/<target>/summary.json`` and ``<out>/summary.md``
(score per target, surviving mutants by name: ``mutmut show <name>`` in
``<out>/<target>/src`` prints the diff).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# target -> (modules to mutate, tests that guard them, pytest selection). Tests marked
# slow or real_data are left out (a mutant runs every test that calls its function), and
# so are the end-to-end `hoopsim evaluate` tests: their module fixture runs a whole
# evaluation, which only times out under mutation and would count as a kill.
FAST = ["-m", "not slow and not real_data"]
TARGETS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "rewards": (["engine/rewards.py", "envs/reward_fns.py"],
                ["tests/engine/test_rewards.py", "tests/envs/test_rewards_step.py",
                 "tests/envs/test_envs.py", "tests/envs/test_multiagent.py",
                 "tests/envs/test_vector.py"], FAST),
    "sim_rules": (["engine/sim/step.py", "engine/sim/fouls.py"],
                  ["tests/engine/sim/test_step.py", "tests/engine/sim/test_rules.py"], FAST),
    "sim_twin": (["engine/sim/fast.py"],
                 ["tests/engine/sim/test_fast.py", "tests/engine/sim/test_rules.py"], FAST),
    "segment": (["engine/possessions/segment.py"],
                ["tests/engine/possessions/test_possessions_pbp.py"], FAST),
    "stats": (["engine/report.py", "envs/evaluation/paired.py"],
              ["tests/hoopsim/test_evaluate.py", "tests/envs/test_paired_stats.py"],
              ["-m", "not real_data", "-k", "not results_follow_the_schema and not "
               "paired_difference_is_the_difference and not report_is_self_contained"]),
}
PACKAGES = ["engine", "envs", "planners", "offline_rl", "language", "viz", "hoopsim"]
DEFAULT_OUT = Path.home() / ".cache" / "hoopsim" / "mutation"


def _copy_repo(repo: Path, dst: Path) -> None:
    """The repository's tracked and untracked-not-ignored files into ``dst`` (mtimes kept,
    so an unchanged module keeps its mutmut verdicts on a rerun)."""
    files = subprocess.run(["git", "-C", str(repo), "ls-files", "-co", "--exclude-standard"],
                           check=True, capture_output=True, text=True).stdout.split("\n")
    for rel in filter(None, files):
        src, out = repo / rel, dst / rel
        if not src.is_file():
            continue
        if out.exists() and out.stat().st_mtime == src.stat().st_mtime:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)


def _configure(src: Path, modules: list[str], tests: list[str], select: list[str]) -> list[str]:
    """Append the [tool.mutmut] section for this target; returns the tests that exist."""
    present = [t for t in tests if (src / t).is_file()]
    text = (src / "pyproject.toml").read_text()
    text = text.split("\n[tool.mutmut]\n")[0]
    quoted = lambda xs: "[" + ", ".join(json.dumps(x) for x in xs) + "]"  # noqa: E731
    text += ("\n[tool.mutmut]\n"
             f"source_paths = {quoted([p + '/' for p in PACKAGES])}\n"
             f"only_mutate = {quoted(modules)}\n"
             f"pytest_add_cli_args_test_selection = {quoted(present)}\n"
             f'pytest_add_cli_args = {quoted(["-p", "no:cacheprovider", "-q", *select])}\n'
             "use_git_change_detection = false\n")
    (src / "pyproject.toml").write_text(text)
    return present


def _mutmut(src: Path, *args: str, log=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", SDL_VIDEODRIVER="dummy", PYTHONHASHSEED="0")
    exe = shutil.which("mutmut") or sys.executable
    cmd = [exe, *args] if exe != sys.executable else [exe, "-m", "mutmut", *args]
    return subprocess.run(cmd, cwd=src, env=env, text=True, stdout=log or subprocess.PIPE,
                          stderr=subprocess.STDOUT)


def run_target(name: str, repo: Path, out: Path, children: int) -> dict:
    modules, tests, select = TARGETS[name]
    work = out / name
    src = work / "src"
    _copy_repo(repo, src)
    present = _configure(src, modules, tests, select)
    t0 = time.time()
    with open(work / "mutmut.log", "a") as log:
        log.write(f"\n=== {time.ctime()} mutmut run ({name}; tests {present})\n")
        log.flush()
        rc = _mutmut(src, "run", "--max-children", str(children), log=log).returncode
    _mutmut(src, "export-cicd-stats")
    stats = json.loads((src / "mutants" / "mutmut-cicd-stats.json").read_text())
    listing = _mutmut(src, "results").stdout
    survived = [line.split(":")[0].strip() for line in listing.splitlines()
                if line.strip().endswith((": survived", ": no tests"))]
    tested = stats.get("total", 0) - stats.get("skipped", 0)
    killed = stats.get("killed", 0) + stats.get("timeout", 0)
    summary = {"target": name, "repo": str(repo), "commit": _commit(repo), "modules": modules,
               "tests": present, "select": select, "mutmut_rc": rc, "stats": stats, "survived": survived,
               "score": killed / tested if tested else float("nan"),
               "wall_s": round(time.time() - t0, 1)}
    (work / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def _commit(repo: Path) -> str:
    r = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    return r.stdout.strip()


def report(out: Path) -> str:
    rows = ["| target | commit | mutants | killed | survived | other | score |",
            "|---|---|---|---|---|---|---|"]
    for name in TARGETS:
        path = out / name / "summary.json"
        if not path.exists():
            continue
        s = json.loads(path.read_text())
        st = s["stats"]
        killed = st.get("killed", 0) + st.get("timeout", 0)
        other = st.get("total", 0) - killed - st.get("survived", 0)
        rows.append(f"| {name} | {s['commit']} | {st.get('total', 0)} | {killed} | "
                    f"{st.get('survived', 0)} | {other} | {100 * s['score']:.1f}% |")
    text = "\n".join(rows)
    (out / "summary.md").write_text(text + "\n")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", action="append", choices=sorted(TARGETS))
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--max-children", type=int, default=1)
    ap.add_argument("--report", action="store_true", help="only print the table of past runs")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    if not a.report:
        for name in a.target or list(TARGETS):
            s = run_target(name, a.repo.resolve(), a.out, a.max_children)
            print(f"{name}: score {100 * s['score']:.1f}% ({s['stats']}) in {s['wall_s']} s",
                  flush=True)
    print(report(a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
