"""Real possessions for the language tests: one held-out game (0021500501, at or after
the cutoff) ingested once per session and written as a possession cache, so that plays
can be named ``<cache folder>:<index>`` as on the command line."""

from __future__ import annotations

import pytest

GAME = "0021500501"


@pytest.fixture(scope="session")
def held_out_cache(shared_data, tmp_path_factory):
    from engine.possessions.dataset import save_cache
    from engine.possessions.ingest import IngestConfig, ingest

    name = f"{GAME}.csv.gz"
    ds, _ = ingest([str(shared_data / "tracking_2hz" / name)], [str(shared_data / "pbp" / name)],
                   IngestConfig(workers=1, split_cutoff="0021500500"), progress=False)
    folder = tmp_path_factory.mktemp("held_out") / "possessions"
    save_cache(ds, folder, {"note": "test cache of one held-out game"})
    return folder, ds
