"""Every env face runs with its tensors on an accelerator.

CPU-only test: tensors on a CUDA device cannot be read with ``.numpy()``; the faces
must move them to the host explicitly (``.cpu()``). Here every tensor acts as if it
lived on a device (:func:`device_emulation`): ``.numpy()`` (and so ``np.asarray``)
raises unless the tensor was moved with ``.cpu()``, and code that branches on
``device.type == "cpu"`` (engine.sim.geometry.any_row) takes its device branch. The
meta device would be closer to a real one but carries no values, and the simulator
reads values (the ball handler, the uniforms of each step). The ``gpu``-marked test
runs the same faces on a real CUDA device."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from envs.decision import DecisionEnv
from envs.halfcourt import HalfCourtEnv
from envs.multiagent import HalfCourtParallelEnv
from envs.vector import HalfCourtVectorEnv

_NUMPY = torch._C.TensorBase.numpy


class _Host(torch.Tensor):
    """A tensor that a face moved to the host with ``.cpu()`` (and what is computed
    from it): readable with ``.numpy()``."""

    def numpy(self, *args, **kwargs):
        with torch._C.DisableTorchFunctionSubclass():
            return _NUMPY(self, *args, **kwargs)


def _device_numpy(self, *args, **kwargs):
    raise RuntimeError("can't convert a device tensor to numpy: use Tensor.cpu() first")


def _to_host(self, *args, **kwargs):
    return torch._C.TensorBase.clone(self).as_subclass(_Host)


def _any_row_on_device(mask: torch.Tensor) -> bool:
    return bool(mask.any())


@pytest.fixture
def device_emulation(monkeypatch):
    """Tensors behave as device tensors for the test's duration (module docstring)."""
    from engine.sim import geometry

    monkeypatch.setattr(torch.Tensor, "numpy", _device_numpy)
    monkeypatch.setattr(torch.Tensor, "cpu", _to_host)
    host_branch = geometry.any_row
    for mod in list(sys.modules.values()):
        if getattr(mod, "any_row", None) is host_branch:
            monkeypatch.setattr(mod, "any_row", _any_row_on_device)


def test_the_emulation_catches_numpy_on_a_device_tensor(device_emulation):
    x = torch.arange(3.0)
    with pytest.raises(RuntimeError, match="device tensor"):
        x.numpy()
    with pytest.raises(RuntimeError, match="device tensor"):
        np.asarray(x * 2)
    assert x.cpu().double().numpy().tolist() == [0.0, 1.0, 2.0]


def _drive_gym(env, steps: int = 12) -> None:
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    env.action_space.seed(0)
    for _ in range(steps):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        env.unwrapped.state_for_render()
        if term or trunc:
            env.reset()


def _drive_pettingzoo(env, steps: int = 12) -> None:
    env.reset(seed=0)
    for _ in range(steps):
        if not env.agents:
            env.reset()
        obs, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
        for a, o in obs.items():
            assert env.observation_space(a).contains(o)
    env.state()
    env.state_for_render()


def _drive_vector(env, steps: int = 12) -> None:
    obs, _ = env.reset(seed=0)
    b = obs.shape[0]
    for _ in range(steps):
        obs, *_ = env.step({"move": torch.zeros(b, 5, 2, device=obs.device),
                            "decision": torch.full((b,), 6, device=obs.device)})
    assert obs.device == env.device


FACES = {
    "halfcourt_torch": (lambda dev: HalfCourtEnv(fast=False, device=dev), _drive_gym),
    "halfcourt_fast": (lambda dev: HalfCourtEnv(fast=True, device=dev), _drive_gym),
    "decision": (lambda dev: DecisionEnv(obs_noise_ft=1.0, view_ft=30.0, device=dev), _drive_gym),
    "multiagent": (lambda dev: HalfCourtParallelEnv(controlled="both", device=dev),
                   _drive_pettingzoo),
    "vector": (lambda dev: HalfCourtVectorEnv(num_envs=4, max_steps=5, device=dev), _drive_vector),
}


@pytest.mark.parametrize("face", sorted(FACES))
def test_face_reads_tensors_through_the_host(face, device_emulation):
    make, drive = FACES[face]
    drive(make("cpu"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("face", sorted(FACES))
def test_face_runs_on_cuda(face):
    make, drive = FACES[face]
    env = make("cuda")
    assert env.core.device.type == "cuda"
    drive(env)
