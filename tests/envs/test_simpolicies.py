"""Every offense the simulator plays passes the SimPolicy contract (tests/contracts.py):
the scripted plays, their mix, the random walk and the behaviour-cloned offense."""

from __future__ import annotations

import pytest
import torch

from envs.offense import OFFENSES
from tests.contracts import RowStreams, simpolicy_tester


@pytest.mark.parametrize("name", OFFENSES.names())
def test_scripted_offenses_keep_the_simpolicy_contract(name):
    simpolicy_tester(lambda: OFFENSES.make(name))


def test_behaviour_cloned_offense_keeps_the_simpolicy_contract():
    bc = pytest.importorskip("offline_rl.bc")

    def make():
        torch.manual_seed(0)      # the untrained net's weights
        cfg = bc.OffenseBCConfig(hidden=16)
        return bc.BCOffense(bc.FittedOffense(bc.OffenseNet(cfg.hidden).eval(), cfg))
    simpolicy_tester(make)


class _StateDependentDraws:
    """Breaks the contract: a second draw while the first row has more than 15 s on the
    shot clock."""

    def init(self, state, generator):
        return {}

    def act(self, state, memory, generator):
        b = state.batch_size
        for _ in range(2 if float(state.shot_clock[0]) > 15.0 else 1):
            torch.rand(b, generator=generator)
        return torch.zeros(b, 5, 2), torch.zeros(b, dtype=torch.long), memory


class _RowMixing:
    """Breaks the contract: a row's move depends on the other rows."""

    def init(self, state, generator):
        return {}

    def act(self, state, memory, generator):
        b = state.batch_size
        vel = state.pos[:, 1:6, :2].mean(0, keepdim=True).expand(b, 5, 2) * 0.01
        return vel.contiguous(), torch.zeros(b, dtype=torch.long), memory


class _BadShape(_RowMixing):
    def act(self, state, memory, generator):
        vel, dec, memory = super().act(state, memory, generator)
        return vel[:, :4], dec, memory


@pytest.mark.parametrize("policy, message", [(_StateDependentDraws, "draws depend on the state"),
                                             (_RowMixing, "row"), (_BadShape, None)])
def test_the_tester_catches_broken_policies(policy, message):
    with pytest.raises(AssertionError, match=message):
        simpolicy_tester(policy)


def test_a_declared_exception_skips_only_the_draw_count():
    simpolicy_tester(_StateDependentDraws, fixed_draws="a second draw early in the clock")
    with pytest.raises(ValueError):
        simpolicy_tester(_StateDependentDraws, fixed_draws="")


def test_row_streams_give_a_row_the_same_numbers_in_any_batch():
    with RowStreams(3, [0, 1, 2]):
        full = torch.rand(3, 4, generator=torch.Generator())
    with RowStreams(3, [2]):
        one = torch.rand((1, 4))
    assert torch.equal(full[2:], one)
    with RowStreams(3, [0, 1]), pytest.raises(AssertionError, match="batch size"):
        torch.randn(5)
