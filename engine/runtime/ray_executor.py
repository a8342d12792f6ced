"""``executor=ray``: the units of a job as Ray tasks (engine.runtime.executor).

Imported only when a job asks for Ray; without the extra installed that is one
:class:`HoopsimConfigError` (exit code 2 in the CLI). The shared object goes into Ray's
object store once (``ray.put``) and every task receives the reference, so a node fetches
models and start tables once, not once per unit. A task whose worker process dies, or that
raises, is retried ``max_retries`` times by Ray; results are returned to the driver, which
alone writes shards. Ray's token authentication is left as Ray sets it (on by default for a
new instance; a cluster's token comes from ``RAY_AUTH_TOKEN`` / ``~/.ray/auth_token``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from engine.errors import HoopsimConfigError
from engine.runtime.units import ExecutorConfig, Outcome, Unit, error_line

log = logging.getLogger(__name__)


def import_ray():
    """The ``ray`` module, or the one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise HoopsimConfigError("executor", "ray", "Ray is not installed; install the extra: "
                                 "pip install 'hoopsim[ray]'") from None
    return ray


def connect(ray, address: str | None) -> bool:
    """Start or join a Ray instance unless this process already is connected (True when
    this call connected). The connection stays for the next job of the same process (a task
    that ingests, then evaluates, starts Ray once); Ray closes it when the process exits."""
    if ray.is_initialized():
        return False
    kwargs = {"logging_level": logging.WARNING, "log_to_driver": True}
    if address is None:
        kwargs.update(include_dashboard=False)
    # workers import this source tree (a checkout run without installing it included)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not str(address or "").startswith("ray://"):
        path = os.environ.get("PYTHONPATH", "")
        kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in (root, path) if p)}}
    try:
        ray.init(address=address, **kwargs)
    except ConnectionError as exc:
        raise HoopsimConfigError("ray.address", address, f"no Ray cluster there ({exc})") from None
    return True


def _remote_call(fn, args, shared):
    return fn(args, shared)


def run_on_ray(fn, units: Sequence[Unit], shared, cfg: ExecutorConfig):
    """Yield an Outcome per unit as the Ray tasks finish (module docstring)."""
    ray = import_ray()
    if not units:
        return
    opts = cfg.ray
    connect(ray, opts.address)
    refs = {}
    try:
        shared_ref = ray.put(shared)
        task = ray.remote(num_cpus=opts.num_cpus, num_gpus=opts.num_gpus,
                          max_retries=opts.max_retries, retry_exceptions=True)(_remote_call)
        refs = {task.remote(fn, u.args, shared_ref): u for u in units}
        todo = list(refs)
        while todo:
            done, todo = ray.wait(todo, num_returns=1)
            for ref in done:
                try:
                    yield Outcome(refs[ref].key, ray.get(ref))
                except Exception as exc:       # noqa: BLE001 - failed after its retries
                    cause = getattr(exc, "cause", None)
                    yield Outcome(refs[ref].key, error=error_line(cause if isinstance(cause, BaseException) else exc))
    except BaseException:            # Ctrl-C or an error in the driver: stop what still runs
        for ref in refs:
            ray.cancel(ref, force=True)
        raise
