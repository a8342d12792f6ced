"""Where a task's possessions come from: the real logs named in ``data=real`` (or
``data.tracking=... data.pbp=...``: each a file, a folder, a glob or a list of them),
else the embedded synthetic corpus, generated once into the cache folder. Both go
through the same readers and the possession cache. Also: one cached possession for
``hoopsim render`` / ``hoopsim view``. Everything here takes the typed configs of
hoopsim.task_configs (``DataConfig``), never hydra's."""

from __future__ import annotations

from pathlib import Path

from engine.errors import HoopsimConfigError, HoopsimDataError
from engine.logs.io import TRACKING_SUFFIXES, expand_paths
from engine.possessions.api import load_possessions
from engine.possessions.dataset import PossessionSet
from engine.possessions.ingest import IngestConfig, game_id_of
from engine.runtime.cache import cache_folder, cache_key, default_cache_dir

PBP_SUFFIXES = (".csv", ".csv.gz")


def path_spec(value) -> str | list[str]:
    """A data path option as given (file, folder, glob) or a list of them -> str or
    list[str] for engine.logs.io.expand_paths."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value)


def cache_root(cache_dir: str | None) -> Path:
    """The ``cache_dir`` option (null: $HOOPSIM_CACHE or ~/.cache/hoopsim)."""
    return Path(cache_dir).expanduser() if cache_dir else default_cache_dir()


def synthetic_config(cfg):
    """The synthesize task's config or the ``data`` group (``n_games`` / ``games``,
    n_periods, seconds_per_period, seed, offenses, defenses) as a SyntheticConfig."""
    from envs.defense import DEFENSES
    from envs.offense import OFFENSES
    from envs.synthetic import SyntheticConfig

    default = SyntheticConfig()
    offenses = tuple(cfg.offenses or default.offenses)
    defenses = tuple(cfg.defenses or default.defenses)
    for key, names, known in (("offenses", offenses, OFFENSES), ("defenses", defenses, DEFENSES)):
        if unknown := [n for n in names if n not in known]:
            raise HoopsimConfigError(key, unknown, f"unknown names; known: {', '.join(known.names())}")
    games = getattr(cfg, "n_games", None) or cfg.games
    try:
        return SyntheticConfig(n_games=games, n_periods=cfg.n_periods,
                               seconds_per_period=cfg.seconds_per_period, seed=cfg.seed,
                               offenses=offenses, defenses=defenses)
    except (TypeError, ValueError) as exc:
        raise HoopsimConfigError("games", games, str(exc)) from None


def corpus_dir(data, cache: Path) -> Path:
    """The cached synthetic corpus of the ``data`` group (written on first use into the
    cache folder ``cache``)."""
    from envs.synthetic import CORPUS_VERSION
    from envs.synthetic.corpus import write_corpus

    scfg = synthetic_config(data)
    path = cache_folder("corpus", cache_key(scfg, CORPUS_VERSION), cache)
    if not (path / "done").exists():
        write_corpus(path, scfg)
        (path / "done").write_text("ok\n")
    return path


def sources(data, cache: Path) -> tuple[str | list[str], str | list[str]]:
    """(tracking, pbp) path specs of the ``data`` group (each a str or a list)."""
    if data.tracking is None:
        src = corpus_dir(data, cache)
        return str(src / "tracking"), str(src / "pbp")
    if data.pbp is None:
        raise HoopsimDataError("data.pbp", "path", "data.tracking is set but data.pbp is not")
    return path_spec(data.tracking), path_spec(data.pbp)


def source_files(tracking, pbp) -> list[str]:
    """Every tracking and play-by-play file the specs name (HoopsimDataError when one
    names nothing)."""
    return expand_paths(tracking, TRACKING_SUFFIXES) + expand_paths(pbp, PBP_SUFFIXES)


def split_cutoff(data, pbp) -> str:
    """``data.cutoff``; "auto" puts the first 3/4 of the games (by id) in training."""
    cutoff = data.cutoff or "auto"
    if cutoff != "auto":
        return cutoff
    ids = sorted({game_id_of(f) or Path(f).name.split(".")[0]
                  for f in expand_paths(pbp, PBP_SUFFIXES)})
    if len(ids) < 2:
        raise HoopsimDataError(str(pbp), "data.cutoff=auto",
                               "need at least 2 games to split train / held out")
    return ids[max(1, (3 * len(ids)) // 4)]


def load_data(data, cache: Path, workers: int = 2, executor=None) -> PossessionSet:
    """Possessions of the ``data`` group (ingested once with ``workers`` processes or on
    ``executor``, an engine.runtime.executor.ExecutorConfig, then read from the cache folder
    ``cache``), split train / test at the data's cutoff."""
    tracking, pbp = sources(data, cache)
    icfg = IngestConfig(workers=workers, split_cutoff=split_cutoff(data, pbp))
    ds, _ = load_possessions(tracking, pbp, icfg, cache_dir=cache, progress=True, executor=executor)
    if not len(ds):
        raise HoopsimDataError(str(tracking), "possessions", "no possession could be ingested")
    return ds


def load_cached_possession(cache: str, index: int):
    """(engine.possessions.Possession number ``index`` of the ingest cache ``cache``, the
    cache's frame rate in Hz). A missing cache or an index outside 0..n-1 raises
    HoopsimDataError."""
    from engine.possessions.dataset import cache_folder as possession_folder
    from engine.possessions.dataset import load_cache

    folder = possession_folder(str(cache))
    ds, _ = load_cache(folder)
    try:
        number = int(index)
    except (TypeError, ValueError):
        raise HoopsimDataError(str(folder), f"index={index}", "index must be an integer") from None
    if not 0 <= number < len(ds):
        raise HoopsimDataError(str(folder), f"index={number}",
                               f"out of range: the cache holds {len(ds)} possessions "
                               f"(0..{len(ds) - 1})")
    poss = ds.possession(number)
    if poss.n_frames == 0:
        raise HoopsimDataError(str(folder), f"index={number}", "the possession has no frames")
    return poss, float(ds.rate_hz)
