"""Networks over history windows of Decision-v0 observations.

Every network maps ``x`` (b, h, f) float32 observations (oldest first, zero-padded at the
front) and ``mask`` (b, h) bool (real entries) to (b, o) outputs at the latest step: class
logits for action copy, Q-values for the DQN family. ``feedforward`` networks see the
last ``stack`` observations flattened (frame stacking), the sequence networks the whole
window. :func:`build` is the one constructor (kind, sizes) -> module.
"""

from __future__ import annotations

import torch
from torch import nn

KINDS = ("logistic", "mlp", "cnn1d", "lstm", "gru", "transformer")


class Stacked(nn.Module):
    """Linear (``hidden`` = 0: multinomial logistic regression) or MLP on the last
    ``stack`` observations flattened."""

    def __init__(self, f: int, o: int, stack: int, hidden: int = 0) -> None:
        super().__init__()
        self.stack = stack
        i = f * stack
        self.net = nn.Linear(i, o) if hidden == 0 else nn.Sequential(
            nn.Linear(i, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, o))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = (x * mask[..., None])[:, -self.stack:]
        return self.net(x.reshape(x.shape[0], -1))


class Conv1d(nn.Module):
    """Two causal 1-d convolutions over time, then the latest step's features."""

    def __init__(self, f: int, o: int, hidden: int, kernel: int = 3) -> None:
        super().__init__()
        self.pad = kernel - 1
        self.c1 = nn.Conv1d(f, hidden, kernel)
        self.c2 = nn.Conv1d(hidden, hidden, kernel)
        self.head = nn.Linear(hidden, o)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        z = (x * mask[..., None]).transpose(1, 2)                # (b, f, h)
        z = torch.relu(self.c1(nn.functional.pad(z, (self.pad, 0))))
        z = torch.relu(self.c2(nn.functional.pad(z, (self.pad, 0))))
        return self.head(z[:, :, -1])


class Recurrent(nn.Module):
    """LSTM or GRU belief over the window from a zero state at the window's first real
    step (padding in front is zeros and masked out of the input)."""

    def __init__(self, f: int, o: int, hidden: int, cell: str = "lstm") -> None:
        super().__init__()
        self.inp = nn.Linear(f, hidden)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, o)

    def sequence(self, x: torch.Tensor, mask: torch.Tensor, state=None):
        """(b, h, o) outputs at every step and the final recurrent state."""
        z = torch.relu(self.inp(x)) * mask[..., None]
        out, state = self.rnn(z, state)
        return self.head(out), state

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.sequence(x, mask)[0][:, -1]


class Transformer(nn.Module):
    """Causal transformer encoder over the window (learned positions, padding masked)."""

    def __init__(self, f: int, o: int, hidden: int, max_len: int = 64, layers: int = 2,
                 heads: int = 4) -> None:
        super().__init__()
        self.inp = nn.Linear(f, hidden)
        self.pos = nn.Parameter(torch.zeros(max_len, hidden))
        layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.heads = heads
        self.head = nn.Linear(hidden, o)

    def sequence(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(b, h, o) outputs at every step, each seeing only itself and earlier steps."""
        h = x.shape[1]
        z = self.inp(x) + self.pos[:h]
        later = torch.triu(torch.ones(h, h, dtype=torch.bool, device=x.device), 1)
        eye = torch.eye(h, dtype=torch.bool, device=x.device)
        # blocked (b, h, h): later steps and padding keys; every step keeps itself, so no
        # row is fully blocked (that would give NaN through the softmax)
        blocked = (later[None] | ~mask[:, None, :]) & ~eye[None]
        blocked = blocked.repeat_interleave(self.heads, dim=0)
        return self.head(self.enc(z * mask[..., None], mask=blocked))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.sequence(x, mask)[:, -1]


def build(kind: str, f: int, o: int, hidden: int, stack: int) -> nn.Module:
    """The network ``kind`` (one of KINDS) for f input features and o outputs."""
    if kind == "logistic":
        return Stacked(f, o, stack, 0)
    if kind == "mlp":
        return Stacked(f, o, stack, hidden)
    if kind == "cnn1d":
        return Conv1d(f, o, hidden)
    if kind in ("lstm", "gru"):
        return Recurrent(f, o, hidden, kind)
    if kind == "transformer":
        return Transformer(f, o, hidden)
    raise ValueError(f"network kind {kind!r}: choose one of {', '.join(KINDS)}")
