"""realism, planner-check and offline-eval's online play through the executor seam, without
Ray: the local run and a run whose units go through a stand-in executor (units in reverse
order, the shared object and every result pickled as if sent to another process) write
the same bytes (timing fields aside); a run killed by a failing unit exits 2, keeps the
finished units as shards, and its rerun computes only the missing unit and writes the
same bytes again."""

from __future__ import annotations

import json
import pickle

import pytest

import engine.runtime.executor as executor_mod
from engine.runtime.units import Outcome
from hoopsim.cli import main

CUTOFF = "0029900003"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("seams")
    assert main(["synthesize", "games=3", "n_periods=1", "seconds_per_period=150",
                 f"out={root / 'corpus'}"]) == 0
    return root


class Remote:
    """A stand-in for a remote executor: units in reverse order, shared object and results
    through pickle; ``fail``: the key of a unit that raises; ``ran``: the keys it ran."""

    def __init__(self, fail: str | None = None):
        self.fail, self.ran = fail, []

    def __call__(self, fn, units, shared, cfg):
        shared = pickle.loads(pickle.dumps(shared))
        for unit in reversed(list(units)):
            self.ran.append(unit.key)
            if unit.key == self.fail:
                yield Outcome(unit.key, error="RuntimeError: worker lost")
                continue
            out = executor_mod._call(fn, unit, shared)
            yield pickle.loads(pickle.dumps(out))


def failure_lines(capsys) -> int:
    """Lines of stderr that name a failed unit (progress bars aside); each must say why."""
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "unit " in ln and "%|" not in ln]
    assert all("worker lost" in ln and "kept in" in ln for ln in lines), lines
    return len(lines)


def use(monkeypatch, backend) -> None:
    monkeypatch.setattr(executor_mod, "_backend", lambda cfg: backend)


def realism_args(root, out):
    corpus = root / "corpus"
    return ["realism", f"tracking={corpus / 'tracking'}", f"pbp={corpus / 'pbp'}", f"cutoff={CUTOFF}",
            f"out={out}", f"cache_dir={root / 'cache'}", "n_starts=12", "batch=4", "max_steps=12",
            "offense.steps=3", "offense.max_frames=1000", "offense.batch=128", "defense.steps=3",
            "defense.max_frames=1000", "workers=1", "device=cpu"]


def realism_bytes(out) -> tuple[str, str]:
    rep = json.loads((out / "realism.json").read_text())
    rep["meta"].pop("wall_s")
    return json.dumps(rep, sort_keys=True), (out / "realism.md").read_text()


@pytest.mark.slow
def test_realism_local_equals_remote_and_resumes(corpus, monkeypatch, capsys):
    root = corpus
    assert main(realism_args(root, root / "r_local")) == 0
    local = realism_bytes(root / "r_local")
    remote = Remote()
    use(monkeypatch, remote)
    assert main(realism_args(root, root / "r_remote")) == 0
    assert realism_bytes(root / "r_remote") == local and len(remote.ran) == 3
    killed = Remote(fail="realism/b00001")
    use(monkeypatch, killed)
    capsys.readouterr()
    assert main(realism_args(root, root / "r_killed")) == 2
    assert failure_lines(capsys) == 1
    assert not (root / "r_killed" / "realism.json").exists()
    rerun = Remote()
    use(monkeypatch, rerun)
    assert main(realism_args(root, root / "r_killed")) == 0
    assert rerun.ran == ["realism/b00001"]
    assert realism_bytes(root / "r_killed") == local
