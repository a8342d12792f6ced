"""Runtime helpers: device resolution and seeding, chosen once and passed down."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
from pathlib import Path

import numpy as np
import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """'auto' -> cuda when available, else cpu; anything else is passed to torch.device."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's, numpy's and torch's global generators (for code we do not own,
    e.g. library initialisers) and return a fresh numpy Generator for our own use."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def unit_seed(seed: int, *keys) -> int:
    """A 63-bit seed for the random streams of one unit of a job: a hash of the run ``seed``
    and the keys of what the unit simulates (JSON-ready: a start's id, a scheme's name),
    so it never depends on a worker, a shard count or the order units finish in."""
    text = json.dumps([int(seed), *keys], sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def torch_generator(rng: np.random.Generator, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch.Generator on ``device`` seeded by one draw of ``rng`` (so every
    random number of an env descends from its gymnasium ``np_random``)."""
    gen = torch.Generator(device=torch.device(device))
    gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return gen


def code_revision() -> str:
    """The git commit of this source tree, or 'unknown' (no git, not a checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
