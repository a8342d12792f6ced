"""Raw logs in and out: SportVU JSON / .7z / .json.gz, tidy and wide tracking CSV,
stats.nba.com play-by-play CSV; the data rules every tracking reader applies; the
synthetic raw game; the ingest benchmark (``bench_ingest``, imported on its own).

Front door: :func:`load_tracking` (any tracking format -> frames), :func:`read_pbp`.
"""

from engine.logs.io import expand_paths, load_tracking, tracking_format
from engine.logs.pbp import EventType, PlayByPlay, read_pbp
from engine.logs.pbp_write import write_pbp
from engine.logs.rules import RulesConfig
from engine.logs.sportvu import read_sportvu
from engine.logs.sportvu_write import write_sportvu
from engine.logs.tidy_csv import TidyColumns, read_tidy_csv, write_tidy_csv
from engine.logs.wide_csv import read_wide_csv

__all__ = ["EventType", "PlayByPlay", "RulesConfig", "TidyColumns", "expand_paths", "load_tracking",
           "read_pbp", "read_sportvu", "read_tidy_csv", "read_wide_csv", "tracking_format",
           "write_pbp", "write_sportvu", "write_tidy_csv"]
