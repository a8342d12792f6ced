"""Evidence on every real game in ../shared/data (skipped when it is absent).

One module-scoped ingest of all tracked games feeds every check here.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from engine.logs.io import expand_paths
from engine.possessions.checks import alignment_report
from engine.possessions.ingest import IngestConfig, ingest

log = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def real(shared_data):
    tracking = expand_paths(str(shared_data / "tracking_2hz"), (".csv.gz",))
    pbp = expand_paths(str(shared_data / "pbp"), (".csv.gz",))
    ds, summary = ingest(tracking, pbp, IngestConfig(workers=2), progress=False)
    report = alignment_report(ds)
    log.warning("real-data alignment report: %s", json.dumps(report))
    return ds, summary, report, len(tracking)


def test_every_tracked_game_ingests(real):
    ds, summary, _, n_files = real
    assert summary["skipped"] == []
    assert len(summary["games"]) == n_files
    assert all(len(g["game_id"]) == 10 for g in summary["games"])
    assert all(g["periods"] == [1] for g in summary["games"])  # the 2 Hz files cover Q1


def test_outcomes_add_up_and_points_match_possessions(real):
    ds, summary, _, _ = real
    for g in summary["games"]:
        assert sum(g["outcomes"].values()) == sum(g["possessions"].values()), g["game_id"]
    per_game = ds.meta.groupby("game_id")["points"].sum()
    for g in summary["games"]:
        assert per_game[g["game_id"]] == sum(g["points"].values())


def test_first_quarter_possession_counts(real):
    _, summary, _, _ = real
    for g in summary["games"]:
        counts = list(g["possessions"].values())
        assert len(counts) == 2 and all(18 <= c <= 32 for c in counts), g
        assert abs(counts[0] - counts[1]) <= 2, g


def test_offense_matches_attacked_basket(real):
    _, _, report, _ = real
    assert report["side_checked"] > 10_000
    assert report["offense_side_match"] >= 0.95


def test_shooter_side_of_the_arc_at_release(real):
    _, _, report, _ = real
    assert report["shots_checked"] > 15_000
    assert report["three_beyond_arc"] >= 0.90
    assert report["two_inside_arc"] >= 0.90


def test_tracked_share_is_reported_and_mostly_full(real):
    ds, summary, report, _ = real
    share = summary["totals"]["tracked_share"]
    assert 0.0 <= share["p10"] <= share["median"] <= share["p90"] <= 1.0
    assert share["median"] > 0.9
    assert np.isfinite(ds.meta["coverage"]).all()
