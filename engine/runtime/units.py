"""What the executor seam (engine.runtime.executor) and its backends share: the executor's
config, a unit of a job, and what a backend reports for each unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import HoopsimConfigError

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class RayOptions:
    """``address``: None starts a Ray instance on this machine's cores, ``auto`` joins the
    cluster this node belongs to, ``ray://host:port`` a remote one through Ray Client.
    ``num_cpus`` / ``num_gpus`` are reserved per unit (fractional GPUs share one device);
    ``max_retries``: how often a unit is rerun after its worker died or it raised."""

    address: str | None = None
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    max_retries: int = 3


@dataclass(frozen=True)
class ExecutorConfig:
    """``kind``: local | ray; ``workers``: processes of the local executor (1: this process)."""

    kind: str = "local"
    workers: int = 1
    ray: RayOptions = field(default_factory=RayOptions)

    def __post_init__(self):
        if self.kind not in EXECUTORS:
            raise HoopsimConfigError("executor", self.kind, f"choose one of {', '.join(EXECUTORS)}")


@dataclass(frozen=True)
class Unit:
    """One piece of a job: ``key`` names it (unique in the job, stable across runs),
    ``args`` is its plain input, ``source`` the file it reads (named when it fails)."""

    key: str
    args: object
    source: str = ""


def error_line(exc: BaseException) -> str:
    """'<Type>: <first line>' of an exception."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@dataclass
class Outcome:
    """What the executor reports for one unit: its result, or the error in one line."""

    key: str
    result: object = None
    error: str | None = None


