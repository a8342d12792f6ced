"""Planner tests run torch on one thread: the nets are tiny, and on a busy 2-core
machine a second intra-op thread mostly spins (10x slower)."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
