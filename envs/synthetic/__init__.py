"""The embedded default corpus: simulated games written as real-format logs
(``config``: what is played and the text of the rows; ``sim``: batched half-court
possessions; ``play``, ``schedule``, ``rows``: possessions, periods and play-by-play;
``corpus``: simulate and write the games)."""

from envs.synthetic.config import CORPUS_VERSION, SyntheticConfig, make_teams
from envs.synthetic.corpus import SimGame, simulate_corpus, write_corpus
from envs.synthetic.sim import HalfCourtRunner, Requests, Trace

__all__ = ["CORPUS_VERSION", "HalfCourtRunner", "Requests", "SimGame", "SyntheticConfig", "Trace",
           "make_teams", "simulate_corpus", "write_corpus"]
