"""Shared fixtures. Real-data tests skip with a reason when ../shared/data is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HOOPSIM_SHARED_DATA", REPO.parent / "shared" / "data"))


# the folders real-data tests read: a partial copy skips (naming what is missing)
# instead of failing on the first file a test opens
REAL_DATA_FOLDERS = ("pbp", "tracking_2hz", "tracking_25hz", "sportvu")


def missing_real_data(root: Path) -> list[str]:
    """The folders of REAL_DATA_FOLDERS that are absent or empty under ``root``."""
    return [d for d in REAL_DATA_FOLDERS
            if not (root / d).is_dir() or next((root / d).iterdir(), None) is None]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the real NBA logs; skips the test when they are not on this machine."""
    missing = missing_real_data(SHARED_DATA)
    if len(missing) == len(REAL_DATA_FOLDERS):
        pytest.skip(f"real data not available at {SHARED_DATA} (a fresh clone has none)")
    if missing:
        pytest.skip(f"real data at {SHARED_DATA} is incomplete: {', '.join(missing)} missing or empty")
    return SHARED_DATA
