"""The real-data skip guard (tests/conftest.py): absent data skips, partial data skips
naming what is missing, complete data runs."""

from tests.conftest import REAL_DATA_FOLDERS, missing_real_data


def test_partial_real_data_is_named(tmp_path):
    assert missing_real_data(tmp_path) == list(REAL_DATA_FOLDERS)
    (tmp_path / "pbp").mkdir()
    (tmp_path / "pbp" / "0021500001.csv.gz").write_bytes(b"x")
    (tmp_path / "tracking_2hz").mkdir()                        # present but empty
    assert missing_real_data(tmp_path) == ["tracking_2hz", "tracking_25hz", "sportvu"]
    for d in REAL_DATA_FOLDERS[1:]:
        (tmp_path / d).mkdir(exist_ok=True)
        (tmp_path / d / "f").write_bytes(b"x")
    assert missing_real_data(tmp_path) == []
