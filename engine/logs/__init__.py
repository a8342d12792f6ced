"""Raw logs in and out: SportVU JSON / .7z / .json.gz, tidy and wide tracking CSV,
stats.nba.com play-by-play CSV; the data rules every tracking reader applies; the
synthetic raw game; the ingest benchmark (``bench_ingest``, imported on its own).

Front door: :func:`load_tracking` (any tracking format -> frames), :func:`read_pbp`.
"""

from engine.lazy import lazy_exports

_EXPORTS = {
    "expand_paths": "io", "load_tracking": "io", "tracking_format": "io",
    "EventType": "pbp", "PlayByPlay": "pbp", "read_pbp": "pbp",
    "write_pbp": "pbp_write",
    "RulesConfig": "rules",
    "read_sportvu": "sportvu",
    "write_sportvu": "sportvu_write",
    "TidyColumns": "tidy_csv", "read_tidy_csv": "tidy_csv", "write_tidy_csv": "tidy_csv",
    "read_wide_csv": "wide_csv",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
