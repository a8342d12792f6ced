"""Benchmark: the streaming raw SportVU reader against a naive baseline (see
engine/logs/bench_ingest.py for the method). ``hoopsim bench`` runs it with the others.

Usage: ``python benchmarks/bench_ingest.py [--repeats 5] [--tmpdir DIR] [--out res.json]``
"""

import logging

from engine.logs.bench_ingest import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
