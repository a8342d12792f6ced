"""The labeller across frame rates on the real 25 Hz fixtures (figures in the README)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "labeller_agreement.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("labeller_agreement", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_labels_agree_across_rates_on_tor_starters(shared_data, bench):
    r = bench.tufts_agreement(shared_data)
    assert r["n"] > 500
    assert r["agree"] / r["n"] >= 0.70
    n, a = r["by_label"]["pass"]
    assert n > 50 and a / n >= 0.6


def test_fragment_goes_through_ingest_path(shared_data, bench):
    r = bench.fragment_agreement(shared_data)
    assert r["n"] >= 20 and r["agree"] / r["n"] >= 0.7
